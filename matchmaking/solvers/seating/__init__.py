"""Event seating: several rounds of tables, hard requests, and a plan whose quality is proven.

The problem
-----------
Attendees sit at tables for ``R`` rounds. A plan is worth the objective of
:class:`matchmaking.scoring.objective.Objective` (the one ``matchmaking score`` reports): the
value of the distinct pairs who share a table, the needs covered at someone's tables, the
spread of chosen attributes per table, minus a penalty per repeated encounter. Zero repeats
is a hard rule whenever the search finds such a plan: any plan without repeats beats any plan
with some. When repeats cannot be avoided (a pigeonhole argument, or pins and hosts that
force them), the objective decides, each repeat costing its penalty (10 by default).

Hard requests: table capacities (tables may differ, seats may stay empty), a minimum per
open table, per-round attendance, keep together, keep apart, pins (a table in every round
or one), hosts (stay at their table every round) and locked rounds (kept as they were).

The engine
----------
1. A **constructive start**, round by round: members (together-groups as one block) are
   placed, most constrained first, at the open table with the best marginal value, each table
   filled up to a balanced target size. When the event has a social-golfer shape (``q``
   tables, ``q`` a prime power, at most ``q`` per table) an affine resolvable design over
   GF(q) gives a start with zero repeats by construction (:mod:`.designs`).
2. A **repeat repair** (a conflict-directed tabu search in the style of Dotú and Van
   Hentenryck for the social golfer problem) when the start has repeats: it makes the swap of
   a member who repeats that removes the most repeats.
3. An **improvement phase**: simulated annealing over swaps and moves between tables of a
   round, with exact incremental evaluation of every term, one geometric cooling over the
   budget, proposals guided toward each member's most valuable partners; the walk pays a
   penalty per repeat, the best plan is kept as above (no repeats first, then objective).
   Then a **large-neighbourhood search** re-solves two tables of a round exactly with OR-Tools
   CP-SAT (warm-started with the current seating as a hint); a single-round event where every
   seat is taken is re-solved whole, which proves it optimal.
4. A **bound** (:func:`seating_bound`), proven by relaxation.

The package, one responsibility a module: :mod:`.problem` (validated inputs), :mod:`.state`
(the Python reference of the objective), :mod:`.starts`, :mod:`.designs` (the zero-repeat
starts), :mod:`.repair`, :mod:`.search`, :mod:`.lns`, :mod:`.bound`, :mod:`.fairness`,
:mod:`.kernel` (the compiled inner loops) and :mod:`.baselines` (the plain annealing baselines
the benchmarks compare against).

Reproducibility: with ``iterations=`` every phase is bounded by counts (the time limit is only
the hard stop, and a note says when it cut the run), and the same seed and worker count give the
same plan. With only a time limit the cooling follows the clock,
so the plan depends on the machine's speed, as with any time-limited search.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import Objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.control import Callback, Monitor, StoppingCriterion, check_seed
from matchmaking.solvers.seating import kernel as K
from matchmaking.solvers.seating.bound import forced_repeats, seating_bound
from matchmaking.solvers.seating.designs import galois_field
from matchmaking.solvers.seating.engine import solve
from matchmaking.solvers.seating.groups import Budget, GroupSearch
from matchmaking.solvers.seating.mixed import MixedSearch, round_extras
from matchmaking.solvers.seating.params import SeatingParams
from matchmaking.solvers.seating.problem import SeatingProblem, build_problem, movable
from matchmaking.solvers.seating.repair import repair_repeats
from matchmaking.solvers.seating.search import anneal
from matchmaking.solvers.seating.starts import greedy
from matchmaking.solvers.seating.state import SeatingState
from matchmaking.solvers.seating.tracker import Tracker

__all__ = ["SeatingParams", "SeatingProblem", "SeatingState", "build_problem", "forced_repeats", "galois_field",
           "movable", "seat", "seating_bound", "warm_up"]


_WARM = False


def warm_up() -> float:
    """Compile the seating search kernel (or load it from numba's cache): seconds it took.

    Done once per process, before :func:`seat` starts its clock: the first solve on a new
    machine compiles for tens of seconds (``make setup`` does it once), later processes load the
    cached machine code in a fraction of a second.

    Examples
    --------
    >>> from matchmaking.solvers.seating import warm_up
    >>> warm_up() >= 0.0
    True
    """
    global _WARM
    if _WARM:
        return 0.0
    from matchmaking.datasets import synthetic_community

    _WARM = True
    t = time.perf_counter()
    # 12 people at 3 tables of 4 for 3 rounds must repeat: both compiled phases run
    prob = build_problem(synthetic_community(12, seed=0), tables=3, table_size=4, rounds=3, spread=["sector"])
    state = SeatingState(prob)
    greedy(state, np.random.default_rng(0), range(prob.rounds))
    repair_repeats(state, 0, time.perf_counter() + 3600, max_iter=10)
    # the repeat tabu search on the full kernel (the repair of events above GOLFER_SIZE)
    K.Tabu(K.Kernel(prob, state.tab), list(range(prob.rounds)), movable(prob), 0).run(10)
    anneal(Tracker(state, Monitor(time_limit=3600), max_iterations=1000), 0, guide=0.5)
    # the grouping search of pairwise rounds (tabu, annealing, crossover)
    rng = np.random.default_rng(0)
    E = rng.random((12, 12))
    E = E + E.T
    sizes = np.asarray([4, 4, 4])
    GroupSearch(E, sizes, np.ones(12, dtype=bool), sizes - 1, sizes + 1, population=2, stall=20).run(
        np.arange(12) % 3, Budget(time.perf_counter() + 3600, effort=5000))
    GroupSearch(E, sizes, np.ones(12, dtype=bool), sizes, sizes, population=2).anneal(
        np.arange(12) % 3, Budget(time.perf_counter() + 3600, effort=4000), share=0.5)
    # the same on the whole value of a round (needs and spread too)
    x = round_extras(prob, state.tab, 0, np.arange(12))
    MixedSearch(E, sizes, np.ones(12, dtype=bool), sizes - 1, sizes + 1, x, population=2, stall=20).run(
        np.arange(12) % 3, Budget(time.perf_counter() + 3600, effort=5000))
    return time.perf_counter() - t


def seat(
    community: Community,
    *,
    tables: int | Sequence[int] | None = None,
    table_size: int | None = None,
    capacities: Sequence[int] | None = None,
    min_table_size: int | None = None,
    rounds: int = 1,
    attendance: Mapping[int, Iterable[str]] | pd.DataFrame | None = None,
    requests: Requests | str | os.PathLike | pd.DataFrame | None = None,
    hosts: Mapping[str, int] | Sequence[str] | None = None,
    locked: pd.DataFrame | Plan | None = None,
    objective: Objective | None = None,
    pairs: object = None,
    history: object = None,
    needs: float = 1.0,
    spread: Sequence[str] | Mapping[str, float] | None = None,
    fairness: float = 0.0,
    time_limit: float = 30.0,
    seed: int = 0,
    callback: Callback | None = None,
    stop: StoppingCriterion | Sequence[StoppingCriterion] | None = None,
    params: SeatingParams | Mapping[str, object] | None = None,
    iterations: int | None = None,
    workers: int = 1,
) -> Plan:
    """Seat an event's attendees at tables over several rounds.

    Parameters
    ----------
    community : Community
        The attendees (or a larger community, with ``attendance`` naming who comes).
    tables, table_size : int, optional
        Number of tables and seats per table; or ``capacities`` (a list, one per table;
        ``tables`` may also be that list).
    capacities : sequence of int, optional
        Seats per table, for tables of different sizes. Seats may stay empty.
    min_table_size : int, optional
        Fewest members at an open table (tables may stay empty). Tables are filled as evenly
        as the capacities allow, and the search keeps each within one seat of that size.
    rounds : int
        Number of rounds.
    attendance : mapping or DataFrame, optional
        ``{round: members}`` or a table ``member, round``; rounds not named: everyone.
    requests : Requests, path or DataFrame, optional
        Hard requests (:class:`~matchmaking.scoring.requests.Requests`): together, apart, pins,
        hosts (a host stays at their table every round), locked rounds (``Requests.locked``,
        rows ``round, table, member`` of rounds already held: kept exactly as they are, the
        other rounds planned around them) and exclusions (members left out of the rounds to
        plan); a path or DataFrame is read as ``constraints.csv``.
    hosts : mapping or sequence, optional
        Alias merged into ``requests.hosts``: ``{member: table}``, or a list of members hosting
        tables 1, 2, ... in order.
    locked : DataFrame or Plan, optional
        Alias merged into ``requests.locked``: rounds already held (re-planning after no-shows
        and walk-ins).
    objective : Objective, optional
        The objective; by default :func:`~matchmaking.scoring.objective.default_objective`
        (``pairs``, ``history``, ``needs`` and ``spread`` feed it).
    pairs : path or DataFrame, optional
        A pairs file whose weights are the whole affinity.
    history : DataFrame or MeetingHistory, optional
        Who already met: such pairs meeting again count as repeats.
    needs : float
        Weight per (member, need) covered by someone at one of their tables.
    spread : list or dict of str, optional
        Attributes to mix at each table (weight per extra distinct value).
    fairness : float
        Weight of the least-served attendee's value: after the search, swaps that raise the
        minimum per-member value are made while they cost less than ``fairness`` times the
        rise (0: off).
    time_limit : float
        Seconds for the whole solve (a machine's first solve also compiles the search kernel
        beforehand, see :func:`warm_up`).
    seed : int
        Random seed; with the same seed, worker count and ``iterations`` the plan is the same.
    callback : callable, optional
        Called with a :class:`~matchmaking.solvers.control.Progress` (phase, elapsed, objective,
        bound, iteration, repeats) at each phase and as the search goes (at most 4 times a
        second); returning ``False`` stops the solve and the best plan found so far comes back
        (with a note saying so).
    stop : criterion or list of criteria, optional
        Stopping criteria of :mod:`matchmaking.solvers.control` (``MaxIterations`` counts
        annealing proposals, ``NoImprovement``, ``GapReached``...), any of them.
    params : SeatingParams or dict, optional
        Tuning of the engine (:class:`SeatingParams`; the defaults are the measured ones).
    iterations : int, optional
        A fixed effort instead of the clock. Every phase is then bounded by counts: the design
        search and the repeat repair by at most this many iterations, the annealing by this many
        proposals (about a million a second, the cooling following the count), the round-by-round
        tabu search by this many units (an iteration counts as many units as the round has free
        members), then one CP-SAT re-solve of two tables per 20,000, each limited by CP-SAT's
        deterministic time. The same seed and worker count then give the same plan on any
        machine, as long as the time limit is not reached first (a note says when it was).
    workers : int
        Cores to use. With 2 or more (and a time limit, not ``iterations=``), an event too big
        for the bound's share of the time (about 1,000 seats and more) gets its proven bound
        computed on one of them beside the search, for the whole time limit (much tighter: see
        :mod:`matchmaking.solvers.seating.beside`); the rest are CP-SAT's workers for the exact
        parts.

    Returns
    -------
    Plan
        Kind ``"seating"``, assignments ``round, table, member``; ``bound`` from
        :func:`seating_bound` (or the CP-SAT optimum on small events).

    Raises
    ------
    InputError
        Bad parameters or requests naming unknown members or tables.
    InfeasibleError
        Requests that cannot all hold, naming them.

    Examples
    --------
    >>> import matchmaking as mm
    >>> c = mm.datasets.synthetic_community(24, seed=1)
    >>> plan = mm.seat(c, tables=6, table_size=4, rounds=3, time_limit=2, seed=0)
    >>> plan.status in ("optimal", "feasible"), plan.metrics()["repeats"], len(plan.assignments)
    (True, 0, 72)
    >>> plan.bound >= plan.objective
    True
    """
    warm_up()  # compiles the search kernel on a machine's first solve, outside the time limit
    monitor = Monitor(time_limit=time_limit, stop=stop, callback=callback)
    seed = check_seed(seed)
    params = SeatingParams.coerce(params)  # type: ignore[arg-type]
    if iterations is not None and (isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer))
                                   or iterations < 1):
        raise InputError(f"iterations must be a whole number >= 1, not {iterations!r}", column="iterations")
    if isinstance(fairness, bool) or not isinstance(fairness, (int, float)) or not fairness >= 0:
        raise InputError(f"fairness must be >= 0, not {fairness!r}", column="fairness")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise InputError(f"workers must be a whole number >= 1, not {workers!r}", column="workers")
    if isinstance(locked, Plan):
        locked = locked.assignments
    prob = build_problem(
        community, tables=tables, table_size=table_size, capacities=capacities, min_table_size=min_table_size,
        rounds=rounds, attendance=attendance, requests=requests, hosts=hosts, locked=locked, objective=objective,
        pairs=pairs, history=history, needs=needs, spread=spread,
    )
    return solve(prob, monitor, params=params, seed=seed, iterations=None if iterations is None else int(iterations),
                 workers=int(workers), fairness=float(fairness))


DEMO_ITERATIONS = 500_000
