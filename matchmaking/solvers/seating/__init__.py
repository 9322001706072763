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
   GF(q) gives a start with zero repeats by construction (:mod:`.starts`).
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
(the Python reference of the objective), :mod:`.starts`, :mod:`.repair`, :mod:`.search`,
:mod:`.lns`, :mod:`.bound`, :mod:`.fairness`, :mod:`.kernel` (the compiled inner loops) and
:mod:`.baselines` (the plain annealing baselines the benchmarks compare against).

Reproducibility: with ``iterations=`` the cooling follows the iteration count, and the same
seed and worker count give the same plan. With only a time limit the cooling follows the clock,
so the plan depends on the machine's speed, as with any time-limited search.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import Objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.seating.bound import forced_repeats, seating_bound
from matchmaking.solvers.seating.fairness import raise_minimum
from matchmaking.solvers.seating.lns import LNS_SHARE, lns_search, resolve_tables
from matchmaking.solvers.seating.problem import SeatingProblem, build_problem, movable
from matchmaking.solvers.seating.repair import repair_repeats
from matchmaking.solvers.seating.search import GUIDE, anneal
from matchmaking.solvers.seating.starts import design_start, galois_field, greedy
from matchmaking.solvers.seating.state import SeatingState
from matchmaking.solvers.seating.tracker import Tracker

if TYPE_CHECKING:
    from matchmaking.reports.html import Report

__all__ = ["SeatingProblem", "SeatingState", "build_problem", "forced_repeats", "galois_field", "movable", "seat",
           "seating_bound", "warm_up"]


_WARM = False

#: Repeat repair effort: at most this many tabu iterations, giving up after this many without fewer
#: repeats (6-3-8 needs up to ~200,000 iterations; the time budget, 60% of the limit, comes first on big events).
REPAIR_ITERATIONS = 2_000_000
REPAIR_GIVE_UP = 400_000


def warm_up() -> float:
    """Compile the seating search kernel (or load it from numba's cache): seconds it took.

    Done once per process, before :func:`seat` starts its clock: the first solve on a new
    machine compiles for about 10 s (``make setup`` does it once), later processes load the
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
    repair_repeats(state, 0, math.inf, max_iter=10)
    anneal(Tracker(state, t, math.inf, math.inf, max_iterations=1000), 0, guide=0.5)
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
    requests: Requests | str | pd.DataFrame | None = None,
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
    workers: int = 1,
    callback: Callable[[dict], object] | None = None,
    iterations: int | None = None,
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
        Hard requests (together, apart, pins, hosts); a path is read as ``constraints.csv``.
    hosts : mapping or sequence, optional
        ``{member: table}``, or a list of members hosting tables 1, 2, ... in order. A host
        stays at their table every round.
    locked : DataFrame or Plan, optional
        Rounds already held (``round, table, member``): kept exactly as they are; the other
        rounds are planned around them (re-planning after no-shows and walk-ins).
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
        beforehand, about 10 s, see :func:`warm_up`).
    seed : int
        Random seed; with the same seed, worker count and ``iterations`` the plan is the same.
    workers : int
        CP-SAT workers for the exact parts.
    callback : callable, optional
        Called with ``{"time", "objective", "bound", "repeats", "iteration"}`` on improvements
        (at most 4 times a second); returning ``False`` stops the search.
    iterations : int, optional
        A fixed effort instead of the clock: this many annealing proposals (about a million a
        second), the cooling following the count, then one CP-SAT re-solve of two tables per
        20,000, each limited by CP-SAT's deterministic time. The same seed and worker count then
        give the same plan on any machine, as long as the time limit is not reached first.

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
    t0 = time.perf_counter()
    if time_limit is None or not time_limit > 0:
        raise InputError(f"time_limit must be > 0 seconds, not {time_limit}", column="time_limit")
    if iterations is not None and not iterations > 0:
        raise InputError(f"iterations must be > 0, not {iterations}", column="iterations")
    if fairness < 0:
        raise InputError(f"fairness must be >= 0, not {fairness}", column="fairness")
    if isinstance(locked, Plan):
        locked = locked.assignments
    prob = build_problem(
        community, tables=tables, table_size=table_size, capacities=capacities, min_table_size=min_table_size,
        rounds=rounds, attendance=attendance, requests=requests, hosts=hosts, locked=locked, objective=objective,
        pairs=pairs, history=history, needs=needs, spread=spread,
    )
    rng = np.random.default_rng(seed)
    bound, bound_terms = seating_bound(prob)
    deadline = t0 + float(time_limit)
    state = SeatingState(prob)
    greedy(state, rng, range(prob.rounds))
    method = ["greedy"]
    design = design_start(prob, rng)
    if design is not None:
        greedy_tab, greedy_key = state.tab.copy(), state.key()
        state.load(design)
        if state.key() < greedy_key and not prob.violations(state.tab):
            method = ["design"]
        else:
            state.load(greedy_tab)
    search = Tracker(state, t0, deadline, bound, callback, max_iterations=iterations)
    if state.repeats > 0 and not bound_terms["min_repeats"]:  # zero repeats may be reachable
        method.append("tabu")
        budget = t0 + 0.6 * float(time_limit)
        start = state.tab.copy()
        repair_repeats(state, int(rng.integers(1 << 62)), min(budget, deadline), max_iter=REPAIR_ITERATIONS,
                       give_up=REPAIR_GIVE_UP, search=search)
        search.improved()
        if state.repeats:  # zero is out of reach: anneal from the start, the repaired plan kept as a candidate
            state.load(start)
    method.append("sa")
    exact = _exact_case(prob)  # one round, every seat taken: CP-SAT re-solves it whole (most of the time)
    share = 0.9 if exact else LNS_SHARE  # of the time left, for CP-SAT after the annealing
    search.deadline = deadline - share * max(deadline - time.perf_counter(), 0.0)
    anneal(search, int(rng.integers(1 << 62)), guide=GUIDE)
    search.deadline = deadline
    state.load(search.best_tab)
    proven = False
    if exact:
        method.append("cp-sat")
        open_ = [t for t in range(prob.n_tables) if state.at[0][t]]
        _, proven = resolve_tables(state, 0, open_, time_limit=max(deadline - time.perf_counter(), 0.1),
                                    seed=seed, workers=workers)
        search.improved()
        state.load(search.best_tab)
        if proven:
            bound = state.total()
            bound_terms["cp-sat optimum"] = bound
    elif time.perf_counter() < deadline and (iterations is None or iterations >= 20_000):
        method.append("lns")
        search.max_iterations = None  # the re-solves have their own (deterministic) effort
        steps = None if iterations is None else iterations // 20_000
        lns_search(search, rng, n_tables=2, step_time=1.0 if steps is None else 0.2, workers=workers, max_steps=steps)
        state.load(search.best_tab)
    if fairness > 0:
        method.append("fair")
        raise_minimum(search, rng, fairness)
        state.load(search.best_tab)
    return _make_plan(prob, state, bound, bound_terms, t0, "+".join(method), search)


def _exact_case(prob: SeatingProblem) -> bool:
    """One free round where every seat is taken (table sizes forced), small enough for CP-SAT."""
    return (prob.rounds == 1 and not prob.locked_rounds and prob.n <= 40
            and int(prob.attend[0].sum()) == int(prob.capacities.sum()) and not prob.met_before.any())


def _make_plan(prob: SeatingProblem, state: SeatingState, bound: float, bound_terms: dict, t0: float,
               method: str, search: Tracker) -> Plan:
    frame = prob.to_frame(state.tab)
    violations = prob.violations(state.tab)
    held = tuple(f"round {r + 1}:" for r in sorted(prob.locked_rounds))
    in_held = [v for v in violations if held and v.startswith(held)]
    violations = [v for v in violations if v not in in_held]
    if violations:  # pragma: no cover - a solver bug, never an input problem
        raise RuntimeError("seating produced an invalid plan: " + "; ".join(violations[:5]))
    breakdown = prob.objective.evaluate(frame, "seating")
    objective = breakdown["total"]
    if abs(objective - state.total()) > 1e-6 * max(1.0, abs(objective)):  # pragma: no cover
        raise RuntimeError(f"internal objective {state.total()} differs from the evaluated {objective}")
    notes = []
    min_rep = int(bound_terms.get("min_repeats", 0))
    if state.repeats:
        forced = forced_repeats(prob)
        if forced and forced >= min_rep:
            why = f"{forced} are forced by members fixed at the same table (pins, hosts, locked rounds)"
        elif min_rep:
            why = (f"at least {min_rep} are unavoidable: the tables seat more encounters than there are new "
                   "pairs (pigeonhole)")
        else:
            why = "no plan without repeats was found in the time given"
        notes.append(f"{state.repeats} repeated encounter(s); {why}")
    notes += [f"held round kept as it was, although it breaks a request: {v}" for v in in_held[:10]]
    if objective > bound + 1e-6 * max(1.0, abs(objective)):  # a bound bug: never report an invalid bound
        relaxation, _ = seating_bound(prob)
        if objective <= relaxation + 1e-6 * max(1.0, abs(objective)):
            notes.append(f"the exact bound {bound:.6g} is below the plan's objective {objective:.6g}: "
                         f"reporting the relaxation bound {relaxation:.6g} instead")
            bound = relaxation
        else:
            notes.append(f"the bound {bound:.6g} is below the plan's objective {objective:.6g}: no bound reported")
            bound = math.inf
    status = "optimal" if objective >= bound - 1e-9 * max(1.0, abs(bound)) else "feasible"
    search.record(force=True)
    return Plan(
        "seating", frame, objective=objective, bound=max(bound, objective) if status == "optimal" else bound,
        status=status, objective_fn=prob.objective, time=time.perf_counter() - t0, method=method,
        breakdown=breakdown, notes=notes, progress=search.progress,
        extras={"bound_terms": bound_terms, "iterations": search.iterations, "repeats": state.repeats},
    )


def demo_section(community: Community, report: Report, outdir: str | os.PathLike, seed: int) -> None:
    """The demo's seating section: 3 rounds of tables of 10 for the demo community (a few seconds)."""
    n_tables = max(1, -(-len(community) // 10))
    spread = ["sector"] if "sector" in community.attributes else None
    plan = seat(community, tables=n_tables, table_size=10, rounds=3, spread=spread, time_limit=5, seed=seed)
    plan.to_csv(Path(outdir) / "seating.csv")
    report.heading("Event seating")
    report.text(f"{len(community)} attendees at {n_tables} tables of 10 for 3 rounds (seating.csv).")
    report.pre(plan.summary())
    member = community.ids[0]
    report.text(f"Why {community.members.loc[member, 'name']} sits where they sit:")
    report.pre(plan.explain(member))
