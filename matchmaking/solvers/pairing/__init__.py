"""Pairings: one-to-one intros, mentoring with capacities, coffee roulette, newcomer welcomes.

One entry point, :func:`pair`, returns the shared :class:`~matchmaking.plans.plan.Plan`
(kind ``pairs``: ``round, group, member``; a group has 2 members, 3 where a count is odd).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence

from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.scoring.affinity import Affinity
from matchmaking.scoring.objective import Objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.pairing._common import (
    Callback,
    build_objective,
    integer_weights,
    max_weight_matching,
    select_members,
)
from matchmaking.solvers.pairing.intro import candidate_graph, intro
from matchmaking.solvers.pairing.mentor import blocking_pairs, deferred_acceptance, mentor
from matchmaking.solvers.pairing.roulette import roulette
from matchmaking.solvers.pairing.welcome import welcome

MODES = ("intro", "mentor", "roulette", "welcome")

__all__ = [
    "MODES",
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
    time_limit: float = 30.0,
    seed: int = 0,
    callback: Callback | None = None,
) -> Plan:
    """Pair members: intros, mentoring, coffee roulette or newcomer welcomes.

    Parameters
    ----------
    community : Community
        The members.
    mode : {"intro", "mentor", "roulette", "welcome"}
        ``intro``: one-to-one introductions, an exact maximum-weight matching (general
        graph; rustworkx's blossom). ``mentor``: two sides with capacities, welfare-optimal
        (OR-Tools min-cost flow) or ``stable`` (Gale-Shapley). ``roulette``: ``rounds``
        rounds, no repeated pair while an unmet one is available, one trio when the count is
        odd, optimised jointly. ``welcome``: each newcomer meets ``k`` veterans, a veteran
        hosts at most ``hosts_per_round`` newcomers a round.
    rounds : int, optional
        Roulette rounds (default 1).
    members : list of str or "column=value", optional
        Who takes part (default: everyone).
    objective : Objective or Affinity, optional
        What a pair is worth. Default: the shared objective for plans of kind ``pairs``
        (``matchmaking.scoring.objective.default_objective``), built from ``pairs`` and
        ``history``; in ``welcome`` mode it adds "same city" (when there is a city column).
    pairs : path or DataFrame, optional
        A pairs file ``a,b,weight``: its weights are the whole affinity (``--pairs``).
    history : DataFrame or MeetingHistory, optional
        Who met whom before: lowers their affinity (novelty) and counts as a repeat.
    constraints : path, DataFrame or Requests, optional
        ``together`` pairs are paired (intro, roulette); ``apart`` pairs never are.
    candidates : int, "auto" or "all"
        Intro: each member's ``candidates`` best partners form the graph; ``"all"``: every
        positive pair; ``"auto"``: every positive pair up to 200,000 of them, else 10 each.
    mentors, mentees : list of str or "column=value"
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
    newcomers, veterans : list of str or "column=value"
        Welcome mode: the two sides (default veterans: everyone else).
    k : int
        Welcome mode: veterans each newcomer meets (one per round, ``k`` rounds).
    hosts_per_round : int
        Welcome mode: newcomers a veteran hosts at most per round.
    method : {"joint", "sequential"}
        Roulette: joint optimisation (default) or round by round (the baseline).
    time_limit : float
        Seconds for the roulette's joint search (it also stops after 200 moves without
        improvement; a plan that stops that way depends on the seed only, not on timing).
    seed : int
        Random seed (roulette's search): same seed, same plan.
    callback : callable, optional
        Called with a dict of progress information (stage, objective, bound...).

    Returns
    -------
    Plan
        Kind ``pairs``, with objective, proven bound, gap, status, notes and an
        explanation per member (``plan.explain(member)``).

    Raises
    ------
    InputError
        On unknown members or bad files. InfeasibleError: requests that cannot hold.

    Examples
    --------
    >>> import matchmaking as mm
    >>> c = mm.datasets.synthetic_community(60, seed=3)
    >>> plan = mm.pair(c)  # intros
    >>> plan.status, plan.gap
    ('optimal', 0.0)
    >>> plan = mm.pair(c, "roulette", rounds=3, time_limit=1)
    >>> plan.metrics()["repeats"], plan.assignments.groupby("round").size().tolist()
    (0, [60, 60, 60])
    >>> plan = mm.pair(c, "mentor", mentors="role=lead", capacity=10)
    >>> plan.extras["blocking_pairs"] >= 0
    True
    """
    t0 = time.perf_counter()
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    if rounds is not None and rounds < 1:
        raise ValueError(f"rounds must be at least 1, not {rounds}")
    requests = Requests.coerce(constraints, community)
    people = community.ids if members is None else select_members(community, members, "members")
    extra_weights: dict[str, object] = {}
    if mode == "welcome" and objective is None and pairs is None and "city" in community.attributes:
        extra_weights["similar"] = {"city": 1.0}
    obj = build_objective(community, objective, pairs=pairs, history=history, requests=requests, **extra_weights)
    if mode == "intro":
        plan = intro(obj, people, candidates=candidates, requests=requests, callback=callback)
    elif mode == "roulette":
        plan = roulette(
            obj, people, rounds=rounds or 1, snooze=snooze, opt_out=opt_out, requests=requests,
            method=method, time_limit=time_limit, seed=seed, callback=callback,
        )
    elif mode == "mentor":
        side_a, side_b = _two_sides(community, mentors, mentees, people, ("mentors", "mentees"), "'role=lead'")
        plan = mentor(
            obj, side_a, side_b, capacity=capacity, demand=demand, stable=stable, ranks=ranks,
            everyone=everyone, requests=requests, callback=callback,
        )
    else:
        side_a, side_b = _two_sides(community, newcomers, veterans, people, ("newcomers", "veterans"),
                                    "'joined>=2026-01-01'")
        plan = welcome(obj, side_a, side_b, k=k, hosts_per_round=hosts_per_round, requests=requests, callback=callback)
        if extra_weights:
            plan.notes.append("the welcome objective adds 'same city' (weight 1) to the affinity: "
                              "recompute it with `matchmaking score ... --similar city`")
    plan.time = time.perf_counter() - t0
    return plan


def _two_sides(
    community: Community, first: object, second: object, people: list[str], names: tuple[str, str], example: str
) -> tuple[list[str], list[str]]:
    """The two sides of a mentor or welcome plan; the second defaults to everyone else."""
    side_a = select_members(community, first, names[0], within=people)
    if not side_a:
        raise ValueError(f"{names[0]} needed: a list of ids or a selection such as {example}")
    side_b = select_members(community, second, names[1], within=people)
    if side_b is None:
        chosen = set(side_a)
        side_b = [m for m in people if m not in chosen]
    return side_a, side_b
