"""Pairings: one-to-one intros, mentoring with capacities, coffee roulette, newcomer welcomes.

One entry point, :func:`pair`, returns the shared :class:`~matchmaking.plans.plan.Plan`
(kind ``pairs``: ``round, group, member``; a group has 2 members, 3 where a count is odd).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.scoring.affinity import Affinity
from matchmaking.scoring.objective import Objective
from matchmaking.solvers.control import (
    Callback,
    Monitor,
    StoppingCriterion,
    check_seed,
    check_time_limit,
)
from matchmaking.solvers.pairing import inputs
from matchmaking.solvers.pairing._common import (
    build_objective,
    integer_weights,
    max_weight_matching,
)
from matchmaking.solvers.pairing.inputs import MODES
from matchmaking.solvers.pairing.intro import IntroParams, candidate_graph, intro
from matchmaking.solvers.pairing.mentor import blocking_pairs, deferred_acceptance, mentor
from matchmaking.solvers.pairing.roulette import RouletteParams, roulette
from matchmaking.solvers.pairing.welcome import welcome

__all__ = [
    "MODES",
    "IntroParams",
    "RouletteParams",
    "blocking_pairs",
    "candidate_graph",
    "deferred_acceptance",
    "integer_weights",
    "max_weight_matching",
    "pair",
]


def pair(
    community: Community,
    mode: str = "intro",
    *,
    requests: object = None,
    time_limit: float = 30.0,
    seed: int = 0,
    callback: Callback | None = None,
    stop: StoppingCriterion | Iterable[StoppingCriterion] | None = None,
    rounds: int | None = None,
    members: Sequence[str] | str | None = None,
    objective: Objective | Affinity | None = None,
    pairs: object = None,
    history: object = None,
    constraints: object = None,
    candidates: int | str = "auto",
    mentors: Sequence[str] | str | None = None,
    mentees: Sequence[str] | str | None = None,
    capacity: int | str | Mapping[str, int] = 1,
    demand: int | str | Mapping[str, int] = 1,
    stable: str | None = None,
    ranks: object = None,
    everyone: bool = True,
    snooze: object = None,
    opt_out: Iterable[str] = (),
    newcomers: Sequence[str] | str | None = None,
    veterans: Sequence[str] | str | None = None,
    k: int = 2,
    hosts_per_round: int = 1,
    method: str = "joint",
    intro_params: IntroParams | None = None,
    roulette_params: RouletteParams | None = None,
) -> Plan:
    """Pair members: intros, mentoring, coffee roulette or newcomer welcomes.

    The shared solver contract (``requests=``, ``time_limit=``, ``seed=``, ``callback=``,
    ``stop=``; see :mod:`matchmaking.solvers.control`), then each mode's settings.

    Parameters
    ----------
    community : Community
        The members.
    mode : {"intro", "mentor", "roulette", "welcome"}
        ``intro``: one-to-one introductions, a maximum-weight matching (general graph).
        ``mentor``: two sides with capacities, welfare-optimal (OR-Tools min-cost flow) or
        ``stable`` (Gale-Shapley). ``roulette``: ``rounds`` rounds, no repeated pair while an
        unmet one is available, one trio when the count is odd, optimised jointly (proven
        optimal by CP-SAT when small). ``welcome``: each newcomer meets ``k`` veterans, a
        veteran hosts at most ``hosts_per_round`` newcomers a round.
    requests : Requests, path or DataFrame, optional
        Hard requests: ``together`` pairs are paired (intro, roulette), ``apart`` pairs never
        are, ``exclude`` members take no part. Pins and hosts have no meaning here (an error).
    time_limit : float
        Seconds for the whole solve (default 30); at the limit the best plan so far comes back.
    seed : int
        Random seed (roulette's search, intro blocks): same seed and effort, same plan.
    callback : callable, optional
        Called with a :class:`~matchmaking.solvers.control.Progress`; returning False stops
        the solve and the best plan so far comes back.
    stop : criterion or list of criteria, optional
        :class:`~matchmaking.MaxRuntime`, :class:`~matchmaking.MaxIterations`,
        :class:`~matchmaking.NoImprovement`, :class:`~matchmaking.GapReached` (any of them).
    rounds : int, optional
        Roulette rounds (default 1, at most 1,000).
    members : selection, optional
        Who takes part: ``"city=Paris"``, ``"role=lead & seniority>=3"`` or a list of ids
        (:meth:`Community.select`; a selection matching nobody is an error). Default: everyone.
    objective : Objective or Affinity, optional
        What a pair is worth. Default: the shared objective for plans of kind ``pairs``
        (``matchmaking.scoring.objective.default_objective``), built from ``pairs`` and
        ``history``; in ``welcome`` mode it adds "same city" (when there is a city column).
    pairs : path or DataFrame, optional
        A pairs file ``a,b,weight``: its weights are the whole affinity (``--pairs``).
    history : DataFrame or MeetingHistory, optional
        Who met whom before: lowers their affinity (novelty) and counts as a repeat.
    constraints : path, DataFrame or Requests, optional
        An alias of ``requests`` (merged with it).
    candidates : int, "auto" or "all"
        Intro: each member's ``candidates`` best partners form the graph; ``"all"``: every
        positive pair; ``"auto"``: every positive pair up to 200,000 of them, else 10 each.
    mentors, mentees : selection
        Mentor mode: the two sides (default mentees: everyone else).
    capacity, demand : int, mapping or str
        Mentor mode: mentees per mentor (default 1), mentors per mentee (default 1); a
        mapping member -> int, or the name of an attribute column holding the numbers.
    stable : {None, "mentees", "mentors"}
        Mentor mode: None for the welfare optimum; otherwise a stable assignment
        (deferred acceptance) with that side proposing.
    ranks : path or DataFrame, optional
        Mentor mode: preferences ``member, candidate, rank`` (1 = first choice) used by the
        stable option and the blocking-pair check (default: ranked by affinity).
    everyone : bool
        Mentor mode: first match as many mentees as the capacities allow, then maximise
        welfare (True, default), or maximise welfare alone.
    snooze : mapping or DataFrame, optional
        Roulette: rounds a member skips (``{"ana": [2, 3]}`` or a table ``member, round``).
    opt_out : list of str
        Roulette: members out of every round.
    newcomers, veterans : selection
        Welcome mode: the two sides (default veterans: everyone else).
    k : int
        Welcome mode: veterans each newcomer meets (one per round, ``k`` rounds).
    hosts_per_round : int
        Welcome mode: newcomers a veteran hosts at most per round.
    method : {"joint", "sequential"}
        Roulette: joint optimisation (default; exact when small) or round by round (the baseline).
    intro_params, roulette_params : IntroParams, RouletteParams, optional
        Tuning of the intro and roulette engines.

    Returns
    -------
    Plan
        Kind ``pairs``, with objective, proven bound, gap, status, notes, the requests and
        rules it was made for (``plan.check()``) and an explanation per member.

    Raises
    ------
    InputError
        Any bad input (file, row and column where known). InfeasibleError: requests that
        cannot hold.

    Examples
    --------
    >>> import matchmaking as mm
    >>> c = mm.datasets.synthetic_community(60, seed=3)
    >>> plan = mm.pair(c)  # intros
    >>> plan.status, plan.gap, plan.check()
    ('optimal', 0.0, [])
    >>> plan = mm.pair(c, "roulette", rounds=3, time_limit=5)
    >>> plan.metrics()["repeats"], plan.assignments.groupby("round").size().tolist()
    (0, [60, 60, 60])
    >>> plan = mm.pair(c, "mentor", mentors="role=lead", capacity=10)
    >>> plan.extras["blocking_pairs"] >= 0
    True
    """
    inputs.choice(mode, "mode", MODES)
    monitor = Monitor(time_limit=check_time_limit(time_limit), stop=stop, callback=callback)
    seed = check_seed(seed)
    n_rounds = inputs.whole(1 if rounds is None else rounds, "rounds", high=inputs.MAX_ROUNDS)
    inputs.check_history(history)
    for name, value, kind in (("intro_params", intro_params, IntroParams), ("roulette_params", roulette_params,
                                                                             RouletteParams)):
        if value is not None and not isinstance(value, kind):
            raise InputError(f"{name} must be a {kind.__name__}, not {value!r}", column=name)
    reqs = inputs.pair_requests(requests, constraints, community)
    people = inputs.select(community, members, "members") or community.ids
    if reqs.exclude:
        out = set(inputs.ids(community, reqs.exclude, "exclude"))
        people = [m for m in people if m not in out]
    extra_weights: dict[str, object] = {}
    if mode == "welcome" and objective is None and pairs is None and "city" in community.attributes:
        extra_weights["similar"] = {"city": 1.0}
    obj = build_objective(community, objective, pairs=pairs, history=history, requests=reqs, **extra_weights)
    if mode == "intro":
        return intro(obj, people, candidates=candidates, requests=reqs, monitor=monitor, seed=seed,
                     params=intro_params)
    if mode == "roulette":
        return roulette(
            obj, people, rounds=n_rounds, snooze=snooze, opt_out=inputs.ids(community, opt_out, "opt_out"),
            requests=reqs, method=inputs.choice(method, "method", ("joint", "sequential")),  # type: ignore[arg-type]
            monitor=monitor, seed=seed, params=roulette_params,
        )
    if mode == "mentor":
        if not isinstance(everyone, bool):
            raise InputError(f"everyone must be True or False, not {everyone!r}", column="everyone")
        side_a, side_b = _two_sides(community, mentors, mentees, people, ("mentors", "mentees"), "'role=lead'")
        return mentor(
            obj, side_a, side_b, capacity=capacity, demand=demand,
            stable=inputs.choice(stable, "stable", (None, "mentees", "mentors")),  # type: ignore[arg-type]
            ranks=ranks, everyone=everyone, requests=reqs, monitor=monitor,
        )
    side_a, side_b = _two_sides(community, newcomers, veterans, people, ("newcomers", "veterans"),
                                "'joined>=2026-01-01'")
    plan = welcome(obj, side_a, side_b, k=inputs.whole(k, "k"), hosts_per_round=inputs.whole(hosts_per_round,
                   "hosts_per_round"), requests=reqs, monitor=monitor)
    if extra_weights:
        plan.notes.append("the welcome objective adds 'same city' (weight 1) to the affinity: "
                          "recompute it with `matchmaking score ... --similar city`")
    return plan


def _two_sides(
    community: Community, first: object, second: object, people: list[str], names: tuple[str, str], example: str
) -> tuple[list[str], list[str]]:
    """The two sides of a mentor or welcome plan; the second defaults to everyone else."""
    if first is None:
        raise InputError(f"{names[0]} needed: a list of ids or a selection such as {example}", column=names[0])
    side_a = inputs.select(community, first, names[0], within=people)
    side_b = inputs.select(community, second, names[1], within=people)
    if side_b is None:
        chosen = set(side_a)  # type: ignore[arg-type]
        side_b = [m for m in people if m not in chosen]
    return side_a, side_b  # type: ignore[return-value]
