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
Each block is an independent task (see :func:`form_cohorts`, ``workers``): a constructive
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
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import default_objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.cohorts.check import balance_terms, check_cohorts, read_rules
from matchmaking.solvers.cohorts.demo import demo_section  # noqa: F401 - the demo's entry (until reports/ has it)
from matchmaking.solvers.cohorts.growth import previous_labels, share_budget
from matchmaking.solvers.cohorts.params import CohortParams
from matchmaking.solvers.cohorts.result import assemble, make_plan
from matchmaking.solvers.cohorts.tasks import build_problems, decompose, run_blocks

__all__ = ["form_cohorts", "check_cohorts", "balance_terms", "CohortParams"]


def form_cohorts(
    community: Community,
    *,
    size: object = "8-12",
    n_cohorts: int | None = None,
    similar: Sequence[str] = (),
    spread: Sequence[str] | Mapping[str, float] = (),
    balance: Sequence[str] | Mapping[str, float] = (),
    protect: Sequence[str] = (),
    leaders: str | None = None,
    constraints: object = None,
    pairs: object = None,
    history: object = None,
    complementarity: float = 1.0,
    goals: float = 0.5,
    needs: float = 1.0,
    previous: Plan | pd.DataFrame | None = None,
    move_budget: int | None = None,
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 1,
    max_block: int | None = 5000,
    callback: Callable[[str, dict[str, float]], None] | None = None,
    params: CohortParams | dict | None = None,
) -> Plan:
    """Partition a community into cohorts that fit, with a proven bound and explanations.

    Parameters
    ----------
    community : Community
        The members.
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
    leaders : str, optional
        ``"role=lead"``: leads spread evenly, one per cohort when there are enough.
    constraints : path, DataFrame or Requests, optional
        ``constraints.csv``: together / apart / pin (pin member to cohort number).
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
    time_limit : float
        Seconds for the whole solve (a safety net: the search stops at a local optimum).
    seed : int
        Random seed: the same seed gives the same plan.
    workers : int
        Processes solving blocks in parallel (blocks are independent tasks).
    max_block : int or None
        Blocks above this many members are cut into sub-blocks by first goal (memory and
        time stay linear in the community size; the bound is still taken on the whole block,
        so it holds for any plan keeping cities together). None: never cut.
    callback : callable, optional
        ``callback(block, stats)`` after each block.
    params : CohortParams or dict, optional
        Tuning values (:class:`~matchmaking.solvers.cohorts.params.CohortParams`).

    Returns
    -------
    Plan
        Kind ``cohorts``; ``breakdown`` has the shared objective's terms plus ``balance:*``
        (:func:`balance_terms`);
        ``extras`` has ``violations`` (from :func:`check_cohorts`), ``blocks`` and ``moved``.

    Raises
    ------
    InfeasibleError
        When requests conflict (together across blocks, pins beyond the cohort count) or
        the members cannot be cut into cohorts of the sizes asked.

    Examples
    --------
    >>> import matchmaking as mm
    >>> c = mm.datasets.synthetic_community(200, seed=1, lead_share=0.1, cities=["Lyon", "Nice"])
    >>> plan = mm.form_cohorts(c, size="8-12", similar=["city"], spread=["sector"],
    ...                        protect=["gender"], leaders="role=lead", seed=0)
    >>> plan.status, plan.extras["violations"], plan.bound >= plan.objective
    ('feasible', [], True)
    >>> len(plan.groups()), bool(plan.assignments.groupby("cohort").size().between(8, 12).all())
    (20, True)
    >>> print(plan.explain("m0000"))  # doctest: +ELLIPSIS
    m0000 in cohort ... members): same city (...); ...
    """
    t_start = time.perf_counter()
    params = CohortParams.coerce(params)
    rules = read_rules(community, size=size, similar=similar, spread=spread, balance=balance, protect=protect,
                       leaders=leaders)
    requests = Requests.coerce(constraints, community)
    objective = default_objective(
        community, "cohorts", pairs=pairs, history=history, together=requests.together_pairs(),
        spread=rules.spread, needs=needs, complementarity=complementarity, goals=goals,
    )
    if objective.affinity.baseline:
        raise InputError("cohort affinity must not carry spread terms; pass spread= to form_cohorts", column="spread")
    notes: list[str] = list(rules.notes)
    prev_lab, prev = previous_labels(previous, community.ids, notes)
    growth = prev is not None
    if growth:
        move_budget = 0 if move_budget is None else int(move_budget)
    layout = decompose(community, rules, requests, prev_lab, growth, n_cohorts, max_block, constraints, notes)
    # keep time for the evaluation and the checks after the search
    setup = time.perf_counter() - t_start
    reserve = max(params.reserve_share * time_limit, params.reserve_per_member * len(community))
    budget_left = max(time_limit - setup - reserve, 0.5)
    problems, bound = build_problems(community, objective, rules, layout, prev_lab, growth, move_budget, n_cohorts,
                                     budget_left, seed, workers, params)
    if growth:  # the move budget is shared; give it to blocks in proportion to newcomers
        share_budget(problems, move_budget or 0, rules.lo, rules.hi)
    results = run_blocks(problems, workers, callback)
    assignments, block_rows, stats = assemble(problems, results, community, rules, requests, prev_lab, growth, notes)
    return make_plan(assignments, community, objective, rules, requests, problems, bound, previous=prev,
                     move_budget=move_budget, prev_lab=prev_lab, block_rows=block_rows, stats=stats, notes=notes,
                     t_start=t_start)
