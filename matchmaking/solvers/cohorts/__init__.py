"""Sub-community cohorts: partition a community into groups of 8-12 that fit together.

The model
---------
Members are split into **blocks** by the ``similar`` attributes (same city: every cohort
lives in one block, so its members can meet in person). Blocks too small to be cut into
cohorts of the allowed sizes are pooled into one ``mixed`` block (said in the notes);
blocks above ``max_block`` members are cut into sub-blocks by first goal (leads and
protected minorities dealt evenly), so memory and time grow linearly with the community.
Inside a block the solver maximises the shared :class:`~matchmaking.Objective` of kind
``cohorts`` (pair affinity: complementarity and shared goals; needs covered by a
cohort-mate; ``spread`` attributes: distinct values beyond the first) plus a ``balance``
term per numeric attribute (minus the distance of each cohort's mean to the block mean,
in standard deviations), under hard rules:

* sizes within ``size`` (min-max);
* ``protect``: nobody is the only one of their value in a cohort (0 or at least 2);
* ``leaders``: leads are spread evenly, so every cohort of a block gets ``floor`` or
  ``ceil`` of (leads / cohorts), i.e. exactly one lead each when there are as many leads
  as cohorts (the number of cohorts follows the number of leads within the size bounds);
* keep-together, keep-apart and pins from a constraints file.

The algorithm
-------------
Each block is an independent task (see :func:`form_cohorts`, ``workers`` and ``client``): a constructive
start deals together-units, leads, then the values of the first protected attribute
(rarest first, in twos), then the rest sorted by spread attributes; a repair phase removes
the hard-rule violations left; then a local search of moves and swaps, screened with a
member x cohort affinity matrix and evaluated exactly, climbs until no improving move is
found. Everything is seeded, and the stopping rule counts tries, not seconds, so the same
seed gives the same plan; only when the time limit stops a block first (said in the notes)
does the plan depend on the machine's speed.

Growth (``previous``): existing members start in their cohort and may move only within
``move_budget`` (shared over blocks by their number of newcomers); newcomers go to the
cohort where their affinity is highest, new cohorts open when they do not fit; the search
then improves the plan under the budget.

The bound
---------
Over all plans whose cohorts stay inside the (sub-)blocks (any number of cohorts with sizes
in bounds): a member has at most ``max - 1`` cohort-mates, so the pair term is at most half
the sum over members of their ``max - 1`` best positive affinities inside their block; a
need can only be covered if someone else in the block offers it; a cohort of ``s``
members has at most ``min(s, V)`` distinct values of an attribute with ``V`` values in the
block, so the spread term is at most ``max over k of min(k V, n) - k``; balance is at most
0; the hard rules only remove plans. The sum is a proven upper bound.

The package
-----------
:func:`form_cohorts` is a short driver over the phases, one module each: ``check`` (the rules
and the independent checker :func:`check_cohorts`), ``blocks`` (the decomposition), ``conflicts``
(requests that cannot hold, pins), ``tasks`` (what each block gets; running them), ``construct``
and ``growth`` (the starts), ``state`` (exact move evaluation), ``search`` (repair and local
search), ``exact`` (CP-SAT on small blocks), ``bound``, ``result`` (numbering, objective, the
plan), ``explain`` and ``params`` (:class:`CohortParams`, the tuning values).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import default_objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.cohorts.blocks import block_skills, recode
from matchmaking.solvers.cohorts.check import check_cohorts, cohort_plan, read_rules
from matchmaking.solvers.cohorts.growth import previous_labels, share_budget
from matchmaking.solvers.cohorts.params import CohortParams
from matchmaking.solvers.cohorts.result import assemble, make_plan
from matchmaking.solvers.cohorts.run import run_blocks, run_city_bounds
from matchmaking.solvers.cohorts.tasks import build_problems, decompose
from matchmaking.solvers.control import (
    Callback,
    Monitor,
    StoppingCriterion,
    check_seed,
    check_time_limit,
)

__all__ = ["form_cohorts", "check_cohorts", "cohort_plan", "CohortParams"]


def form_cohorts(
    community: Community,
    *,
    requests: Requests | object = None,
    time_limit: float = 60.0,
    seed: int = 0,
    callback: Callback | None = None,
    stop: StoppingCriterion | Iterable[StoppingCriterion] | None = None,
    client: Any = None,
    address: str | None = None,
    size: object = "8-12",
    n_cohorts: int | None = None,
    similar: Sequence[str] = (),
    spread: Sequence[str] | Mapping[str, float] = (),
    balance: Sequence[str] | Mapping[str, float] = (),
    protect: Sequence[str] = (),
    leaders: str | Sequence[str] | None = None,
    pairs: object = None,
    history: object = None,
    complementarity: float = 1.0,
    goals: float = 0.5,
    needs: float = 1.0,
    previous: Plan | pd.DataFrame | None = None,
    move_budget: int | None = None,
    workers: int = 1,
    max_block: int | None = 5000,
    params: CohortParams | dict | None = None,
    constraints: object = None,
) -> Plan:
    """Partition a community into cohorts that fit, with a proven bound and explanations.

    Parameters
    ----------
    community : Community
        The members.
    requests : Requests, path or DataFrame, optional
        Hard requests (``constraints.csv``): together, apart, pin (member to cohort number);
        ``locked`` rows ``cohort,member`` keep members in their cohort (as pins); ``exclude``
        leaves members out of the plan. Hosts are for seating and are refused.
    time_limit : float
        Seconds for the whole solve (default 60): blocks share it by size, the bound of a
        city cut into sub-blocks takes at most ``params.bound_share`` of it, and the search
        otherwise stops at a local optimum. When the limit stops a block first, the plan says
        so (and then depends on the machine's speed).
    seed : int
        Random seed: the same seed gives the same plan.
    callback : callable, optional
        Called with a :class:`~matchmaking.solvers.control.Progress` (phase ``"start"``,
        ``"block 3/25"``..., ``"done"``; ``objective`` is that of the cohorts formed so far);
        returning False stops the solve: the blocks not finished keep their constructive start
        and the plan notes ``stopped``.
    stop : criterion or list of criteria, optional
        Stopping criteria (:mod:`matchmaking.solvers.control`; iterations are local-search tries).
    client : dask.distributed.Client, optional
        Solve the blocks as Dask tasks (each takes its members' rows and returns a
        ``cohort,member`` table; only the numbering is shared). ``address`` (``"tcp://host:8786"``)
        connects to a scheduler instead.
    size : str or (int, int) or int
        Cohort sizes, ``"8-12"`` (min-max).
    n_cohorts : int, optional
        Target number of cohorts instead of the fewest possible (shared across blocks in
        proportion to their size, within the size bounds).
    similar : list of str
        Attributes every cohort shares (same city): the blocks of the decomposition.
    spread : list of str or dict
        Attributes to mix inside a cohort (weight per distinct value beyond the first).
    balance : list of str or dict
        Numeric attributes whose cohort means should stay close to the block mean.
    protect : list of str
        Attributes where nobody may be the only one of their value in a cohort.
    leaders : str or list of str, optional
        The leads, a selection (``"role=lead"``, see :meth:`Community.select`): spread evenly,
        one per cohort when there are enough.
    pairs : path or DataFrame, optional
        Pair weights that are the whole affinity (the ``--pairs`` contract).
    history : DataFrame or MeetingHistory, optional
        Earlier meetings: the novelty term penalises pairs who already met.
    complementarity, goals, needs : float
        Weights of the affinity terms and of needs covered inside the cohort.
    previous : Plan or DataFrame ``cohort,member``, optional
        Existing cohorts (growth): members keep their cohort except at most
        ``move_budget`` moves; newcomers join the cohorts that fit them.
    move_budget : int, optional
        Moves of existing members allowed (default 0 with ``previous``).
    workers : int
        Local processes solving blocks in parallel (without Dask).
    max_block : int or None
        Blocks above this many members are cut into sub-blocks by first goal (memory and
        time stay linear in the community size; the bound is still taken on the whole block,
        so it holds for any plan keeping cities together). None: never cut.
    params : CohortParams or dict, optional
        Tuning values (:class:`~matchmaking.solvers.cohorts.params.CohortParams`).
    constraints : path, DataFrame or Requests, optional
        Alias of ``requests`` (merged into it).

    Returns
    -------
    Plan
        Kind ``cohorts``, made by :func:`cohort_plan`: ``plan.check()`` re-checks sizes,
        requests, protect, leaders and moves; ``breakdown`` has the shared objective's terms
        (``balance:*`` included); ``extras`` has ``violations`` (= ``plan.problems``), ``blocks``
        and ``moved``.

    Raises
    ------
    InputError
        Bad settings or requests (naming the option, or the file and row).
    InfeasibleError
        When requests conflict (together across blocks, pins beyond the cohort count) or
        the members cannot be cut into cohorts of the sizes asked.

    Examples
    --------
    >>> import matchmaking as mm
    >>> c = mm.datasets.synthetic_community(200, seed=1, lead_share=0.1, cities=["Lyon", "Nice"])
    >>> plan = mm.form_cohorts(c, size="8-12", similar=["city"], spread=["sector"],
    ...                        protect=["gender"], leaders="role=lead", seed=0)
    >>> plan.status, plan.check(), plan.bound >= plan.objective
    ('feasible', [], True)
    >>> len(plan.groups()), bool(plan.assignments.groupby("cohort").size().between(8, 12).all())
    (20, True)
    >>> print(plan.explain("m0000"))  # doctest: +ELLIPSIS
    m0000 in cohort ... members): same city (...); ...
    """
    monitor = Monitor(time_limit=check_time_limit(time_limit), stop=stop, callback=callback)
    seed = check_seed(seed)
    params = CohortParams.coerce(params)
    _check_settings(n_cohorts=n_cohorts, move_budget=move_budget, workers=workers, max_block=max_block,
                    complementarity=complementarity, goals=goals, needs=needs)
    req, community, notes = _requests(requests, constraints, community)
    rules = read_rules(community, size=size, similar=similar, spread=spread, balance=balance, protect=protect,
                       leaders=leaders)
    objective = default_objective(
        community, "cohorts", pairs=pairs, history=history, together=req.together_pairs(), spread=rules.spread,
        needs=needs, complementarity=complementarity, goals=goals, balance=rules.balance, balance_by=rules.similar,
    )
    if objective.affinity.baseline:
        raise InputError("cohort affinity must not carry spread terms; pass spread= to form_cohorts", column="spread")
    monitor.report("start", force=True)
    prev_lab, prev = previous_labels(previous, community.ids, notes)
    growth = prev is not None
    if growth:
        move_budget = 0 if move_budget is None else int(move_budget)
    layout = decompose(community, rules, req, prev_lab, growth, n_cohorts, max_block, notes)
    problems = build_problems(community, objective, rules, layout, prev_lab, growth, move_budget, n_cohorts, seed,
                              params)
    if growth:  # the move budget is shared; give it to blocks in proportion to newcomers
        share_budget(problems, move_budget or 0, rules.lo, rules.hi)
    # the time left after the setup: a reserve for the evaluation and checks (they take about as long
    # as the setup, which tells how fast this machine is right now), a share for big cities' bounds
    reserve = max(params.reserve_share * monitor.time_limit, params.reserve_per_member * len(community),
                  params.reserve_vs_setup * monitor.elapsed())
    left = monitor.remaining() - reserve
    bound_seconds = params.bound_share * max(left, 0.0) if layout.split_cities else 0.0
    results = run_blocks(problems, monitor, max(left - bound_seconds, 0.5), hi=rules.hi, workers=workers,
                         client=client, address=address)
    bound = sum(r.bound for r in results) + _city_bounds(community, objective, rules, layout, bound_seconds,
                                                         client, address, notes)
    assignments, block_rows, stats = assemble(problems, results, community, rules, req, prev_lab, growth, notes)
    return make_plan(assignments, community, objective, rules, req, problems, bound, monitor, previous=prev,
                     move_budget=move_budget, prev_lab=prev_lab, block_rows=block_rows, stats=stats, notes=notes)


def _requests(requests: object, constraints: object, community: Community) -> tuple[Requests, Community, list[str]]:
    """The requests (``constraints`` merged in, locked rows as pins), checked against the community;
    the community without the excluded members; notes."""
    req = Requests.coerce(requests, community)
    if constraints is not None:
        req = req.merged(Requests.coerce(constraints, community))
    if req.hosts:
        raise InputError("hosts are for seating; pin members to cohorts instead", column="requests")
    unknown = sorted(req.members() - set(community.ids))
    if unknown:
        raise InputError(f"requests name unknown member(s) {', '.join(map(repr, unknown[:5]))}", column="requests")
    notes: list[str] = []
    if req.locked is not None and len(req.locked):
        locked = req.locked
        if not {"cohort", "member"} <= set(locked.columns):
            raise InputError("locked rows of a cohort plan need columns cohort,member", column="locked")
        pins = [(str(m), int(c), None) for c, m in zip(locked["cohort"], locked["member"], strict=True)]
        req = req.merged(Requests(pins=pins))
    if req.exclude:
        gone = set(req.exclude)
        asked = {m for pair in req.together + req.apart for m in pair} | {m for m, _, _ in req.pins}
        if asked & gone:
            raise InputError(f"excluded member(s) also have requests: {', '.join(sorted(asked & gone))}",
                             column="exclude")
        community = community.subset([m for m in community.ids if m not in gone])
        notes.append(f"{len(gone)} member(s) excluded from the cohorts")
    return req, community, notes


def _check_settings(**values: object) -> None:
    """Counts are whole numbers (>= 1, or >= 0 for the move budget; None where optional), weights finite."""
    for name in ("n_cohorts", "move_budget", "workers", "max_block"):
        v = values[name]
        if v is None and name != "workers":
            continue
        least = 0 if name == "move_budget" else 1
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < least:
            raise InputError(f"{name} must be a whole number >= {least}, not {v!r}", column=name)
    for name in ("complementarity", "goals", "needs"):
        v = values[name]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
            raise InputError(f"{name} must be a finite number, not {v!r}", column=name)


def _city_bounds(community: Community, objective: Any, rules: Any, layout: Any, seconds: float,
                 client: Any, address: str | None, notes: list[str]) -> float:
    """The bound of the cities cut into sub-blocks (time-capped; see :func:`bound.city_bound`)."""
    if not layout.split_cities:
        return 0.0
    offers_all = community.incidence("offers").tocsr()
    needs_all = community.incidence("needs").tocsr()
    ids = community.ids
    cities = []
    for _, members in layout.split_cities:
        ob, nb = block_skills(offers_all, needs_all, members)
        spread = [(recode(community.attribute_codes(a)[members]), w) for a, w in rules.spread.items()]
        cities.append((objective.affinity.restrict([ids[m] for m in members]), ob, nb, objective.needs, spread,
                       rules.lo, rules.hi))
    t0 = time.perf_counter()
    found = run_city_bounds(cities, seconds, client=client, address=address)
    cut = [(key, len(members) - done) for (key, members), (_, done) in zip(layout.split_cities, found, strict=True)
           if done < len(members)]
    if cut:
        notes.append("bound: " + ", ".join(f"{key} ({rows} of its members)" for key, rows in cut)
                     + f" bounded by the looser per-member bound, to keep within the time limit "
                     f"({time.perf_counter() - t0:.1f}s spent on the bound)")
    return sum(b for b, _ in found)
