"""``mentor``: two sides with capacities, welfare-optimal (min-cost flow) or stable (deferred acceptance)."""

from __future__ import annotations

import functools
import heapq
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

from matchmaking.errors import InputError
from matchmaking.model.io import MAX_GROUP, ROW, read_table, require_columns, source_name
from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import Objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.control import Monitor
from matchmaking.solvers.pairing._common import (
    bipartite_edge_coloring,
    build_plan,
    drop_apart,
    generic_explain,
    integer_weights,
    per_member,
    together_note,
)

#: Rank of an unacceptable partner.
UNACCEPTABLE = np.iinfo(np.int32).max


def side_weights(objective: Objective, side_a: Sequence[str], side_b: Sequence[str]) -> np.ndarray:
    """Dense ``len(side_a) x len(side_b)`` matrix of what each cross pair adds to the objective."""
    aff = objective.affinity
    both = list(side_a) + list(side_b)
    w = aff.matrix(both)[: len(side_a), len(side_a) :].toarray() + aff.baseline
    if objective.repeat_penalty and len(aff.met):
        w -= objective.repeat_penalty * (aff.times_met(side_a + side_b)[: len(side_a), len(side_a) :].toarray() > 0)
    return w


def ranks_from_weights(w: np.ndarray, acceptable: np.ndarray) -> np.ndarray:
    """Each row's rank (0 = best) of each column, by weight then column order; unacceptable last.

    Examples
    --------
    >>> ranks_from_weights(np.array([[1.0, 3.0, 2.0]]), np.array([[True, True, False]])).tolist()
    [[1, 0, 2147483647]]
    """
    order = np.argsort(-np.where(acceptable, w, -np.inf), axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(w.shape[0])[:, None]
    ranks[rows, order] = np.arange(w.shape[1])[None, :]
    return np.where(acceptable, ranks, UNACCEPTABLE).astype(np.int64)


def read_ranks(source: object, side_a: Sequence[str], side_b: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read preferences ``member, candidate, rank`` (1 = first choice) for both sides.

    Returns ``(rank_a, rank_b)``: ``rank_a[i, j]`` is how side-a member ``i`` ranks side-b
    member ``j`` (0 = best; unlisted = unacceptable), ``rank_b[j, i]`` the other way.

    Raises
    ------
    InputError
        Naming file, row and column: unknown member, a candidate on the same side, a rank
        that is not a whole number >= 1.
    """
    fname = "DataFrame" if isinstance(source, pd.DataFrame) else source_name(source)  # type: ignore[arg-type]
    table = read_table(source, name=fname)  # type: ignore[arg-type]
    require_columns(table, ["member", "candidate", "rank"], fname)
    pa = {m: k for k, m in enumerate(side_a)}
    pb = {m: k for k, m in enumerate(side_b)}
    rank_a = np.full((len(side_a), len(side_b)), UNACCEPTABLE, dtype=np.int64)
    rank_b = np.full((len(side_b), len(side_a)), UNACCEPTABLE, dtype=np.int64)
    for who, cand, rank, row in zip(table["member"], table["candidate"], table["rank"], table[ROW], strict=True):
        try:
            value = int(str(rank).strip())
        except ValueError:
            value = 0
        if not 1 <= value <= MAX_GROUP:
            raise InputError(f"rank {rank[:40]!r} is not a whole number >= 1 (1 = first choice)", file=fname, row=row,
                             column="rank")
        if who in pa:
            if cand not in pb:
                raise InputError(f"{cand!r} is not a mentee (member {who!r} is a mentor)", file=fname, row=row, column="candidate")
            rank_a[pa[who], pb[cand]] = value - 1
        elif who in pb:
            if cand not in pa:
                raise InputError(f"{cand!r} is not a mentor (member {who!r} is a mentee)", file=fname, row=row, column="candidate")
            rank_b[pb[who], pa[cand]] = value - 1
        else:
            raise InputError(f"{who!r} is neither a mentor nor a mentee", file=fname, row=row, column="member")
    return rank_a, rank_b


def deferred_acceptance(
    proposer_ranks: np.ndarray,
    receiver_ranks: np.ndarray,
    proposer_quota: Sequence[int],
    receiver_quota: Sequence[int],
) -> list[tuple[int, int]]:
    """Gale-Shapley deferred acceptance with quotas on both sides (proposer-optimal stable).

    ``proposer_ranks[p, r]`` is how proposer ``p`` ranks receiver ``r`` (lower is better,
    :data:`UNACCEPTABLE` = never); ``receiver_ranks[r, p]`` the other way. A proposer with a
    free slot proposes to its next acceptable receiver; a receiver holds its best
    ``quota`` proposals and rejects the rest. With responsive preferences the result is
    stable (no blocking pair) and best for the proposers among stable assignments.

    Returns the ``(proposer, receiver)`` pairs, sorted.

    Examples
    --------
    >>> p = np.array([[0, 1], [0, 1], [1, 0]])      # proposers 0, 1 prefer receiver 0
    >>> r = np.array([[1, 0, 2], [0, 1, 2]])         # receiver 0 prefers proposer 1
    >>> deferred_acceptance(p, r, [1, 1, 1], [1, 2])
    [(0, 1), (1, 0), (2, 1)]
    """
    n_p, n_r = proposer_ranks.shape
    prefs = np.argsort(proposer_ranks, axis=1, kind="stable")
    n_ok = (proposer_ranks < UNACCEPTABLE).sum(axis=1)
    nxt = np.zeros(n_p, dtype=np.int64)
    held: list[list[tuple[int, int]]] = [[] for _ in range(n_r)]  # max-heap by rank: (-rank, proposer)
    free = [int(q) for q in proposer_quota]
    queue = [p for p in range(n_p) if free[p] > 0]
    while queue:
        p = queue.pop()
        while free[p] > 0 and nxt[p] < n_ok[p]:
            r = int(prefs[p, nxt[p]])
            nxt[p] += 1
            rank = int(receiver_ranks[r, p])
            if rank >= UNACCEPTABLE or receiver_quota[r] <= 0:
                continue
            heap = held[r]
            if len(heap) < receiver_quota[r]:
                heapq.heappush(heap, (-rank, p))
                free[p] -= 1
            elif -heap[0][0] > rank:
                _, loser = heapq.heapreplace(heap, (-rank, p))
                free[p] -= 1
                free[loser] += 1
                queue.append(loser)
    return sorted((p, r) for r in range(n_r) for _, p in held[r])


def blocking_pairs(
    pairs: Sequence[tuple[int, int]],
    rank_a: np.ndarray,
    rank_b: np.ndarray,
    cap_a: Sequence[int],
    cap_b: Sequence[int],
) -> list[tuple[int, int]]:
    """Every blocking pair of an assignment, checked independently of how it was built.

    ``(i, j)`` blocks when they are not paired, find each other acceptable, and each has a
    free slot or prefers the other to their worst current partner.

    Examples
    --------
    >>> ra = np.array([[0, 1], [0, 1]]); rb = np.array([[1, 0], [0, 1]])
    >>> blocking_pairs([(0, 0), (1, 1)], ra, rb, [1, 1], [1, 1])
    [(1, 0)]
    """
    n_a, n_b = rank_a.shape
    worst_a = np.full(n_a, -1, dtype=np.int64)
    worst_b = np.full(n_b, -1, dtype=np.int64)
    count_a = np.zeros(n_a, dtype=np.int64)
    count_b = np.zeros(n_b, dtype=np.int64)
    paired = np.zeros((n_a, n_b), dtype=bool)
    for i, j in pairs:
        paired[i, j] = True
        count_a[i] += 1
        count_b[j] += 1
        worst_a[i] = max(worst_a[i], rank_a[i, j])
        worst_b[j] = max(worst_b[j], rank_b[j, i])
    thresh_a = np.where(count_a < np.asarray(cap_a), UNACCEPTABLE, worst_a)
    thresh_b = np.where(count_b < np.asarray(cap_b), UNACCEPTABLE, worst_b)
    wants_a = rank_a < thresh_a[:, None]
    wants_b = (rank_b < thresh_b[:, None]).T
    block = wants_a & wants_b & ~paired & (rank_a < UNACCEPTABLE) & (rank_b.T < UNACCEPTABLE)
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(block), strict=True)]


def welfare_optimal(
    w: np.ndarray, acceptable: np.ndarray, cap_a: np.ndarray, cap_b: np.ndarray, *, everyone: bool
) -> tuple[list[tuple[int, int]], float]:
    """Maximum total weight assignment under capacities (OR-Tools min-cost flow, exact).

    With ``everyone``, the most pairs the capacities allow first, then the most weight.
    Returns the pairs and a proven upper bound on the weight (the optimum, plus the
    rounding slack of :func:`integer_weights` when weights are not exact in integers).
    """
    n_a, n_b = w.shape
    i, j = np.nonzero(acceptable if everyone else acceptable & (w > 0))
    ints, scale, exact = integer_weights(w[i, j])
    src, sink = n_a + n_b, n_a + n_b + 1
    total = int(min(cap_a.sum(), cap_b.sum()))
    tails = np.r_[i, np.full(n_a, src), n_a + np.arange(n_b)]
    heads = np.r_[n_a + j, np.arange(n_a), np.full(n_b, sink)]
    caps = np.r_[np.ones(len(i), dtype=np.int64), cap_a, cap_b]
    costs = np.r_[-ints, np.zeros(n_a + n_b, dtype=np.int64)]
    if not everyone:
        tails, heads = np.r_[tails, [src]], np.r_[heads, [sink]]
        caps, costs = np.r_[caps, [total]], np.r_[costs, [0]]
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64),
                                              costs.astype(np.int64))
    supplies = np.zeros(n_a + n_b + 2, dtype=np.int64)
    supplies[src], supplies[sink] = total, -total
    flow.set_nodes_supplies(np.arange(n_a + n_b + 2, dtype=np.int32), supplies)
    status = flow.solve_max_flow_with_min_cost() if everyone else flow.solve()
    if status != flow.OPTIMAL:  # pragma: no cover - always feasible
        raise RuntimeError(f"min-cost flow failed: {status}")
    x = flow.flows(np.arange(len(i), dtype=np.int32))
    chosen = np.flatnonzero(x > 0)
    pairs = [(int(i[k]), int(j[k])) for k in chosen]
    value = float(w[i[chosen], j[chosen]].sum())
    slack = 0.0 if exact else total * 0.5 / scale
    return pairs, max(value, -flow.optimal_cost() / scale + slack)


def mentor(
    objective: Objective,
    mentors: Sequence[str],
    mentees: Sequence[str],
    *,
    capacity: int | str | Mapping[str, int] = 1,
    demand: int | str | Mapping[str, int] = 1,
    stable: str | None = None,
    ranks: object = None,
    everyone: bool = True,
    requests: Requests | None = None,
    monitor: Monitor,
) -> Plan:
    """Mentors and mentees (see :func:`matchmaking.pair`, mode ``mentor``)."""
    if stable not in (None, "mentees", "mentors"):
        raise InputError(f"stable must be None, 'mentees' or 'mentors' (the proposing side), not {stable!r}",
                         column="stable")
    overlap = sorted(set(mentors) & set(mentees))
    if overlap:
        raise InputError(f"{overlap[0]!r} is both a mentor and a mentee", column="mentees")
    mentors, mentees = list(mentors), list(mentees)
    if not mentees:
        raise InputError("no mentees: every selected member is a mentor", column="mentees")
    community = objective.affinity.community
    cap_a = per_member(capacity, mentors, "capacity", 1, community)
    cap_b = per_member(demand, mentees, "demand", 1, community)
    for what, cap, side in (("capacity", cap_a, "mentor"), ("demand", cap_b, "mentee")):
        if len(cap) and not cap.any():
            raise InputError(f"{what} is 0 for every {side}: nobody could be paired (give at least 1)", column=what)
    w = side_weights(objective, mentors, mentees)
    if ranks is not None:
        rank_a, rank_b = read_ranks(ranks, mentors, mentees)
        acceptable = (rank_a < UNACCEPTABLE) & (rank_b.T < UNACCEPTABLE)
        origin = "the ranks file"
    else:
        acceptable = np.ones(w.shape, dtype=bool) if everyone else w > 0
        origin = "affinity"
    drop_apart(acceptable, requests, mentors, mentees)
    if ranks is None:
        rank_a = ranks_from_weights(w, acceptable)
        rank_b = ranks_from_weights(w.T, acceptable.T)
    monitor.report("welfare", message=f"{len(mentors)} mentors, {len(mentees)} mentees", force=True)
    best_pairs, best_bound = welfare_optimal(w, acceptable, cap_a, cap_b, everyone=everyone)
    best_value = float(sum(w[i, j] for i, j in best_pairs))
    notes = [f"{len(mentors)} mentors (capacity {_describe(cap_a)}), {len(mentees)} mentees (wanting {_describe(cap_b)})"]
    if stable is None:
        pairs, method, proven = best_pairs, "welfare-optimal (min-cost flow)", False  # Plan.build: bound reached
        bound = best_bound
        if everyone:
            notes.append("welfare is maximised among assignments that give mentors to as many mentees as possible")
    else:
        if stable == "mentees":
            found = deferred_acceptance(rank_b, rank_a, cap_b, cap_a)
            pairs = [(i, j) for j, i in found]
        else:
            pairs = deferred_acceptance(rank_a, rank_b, cap_a, cap_b)
        method, proven = f"stable (deferred acceptance, {stable} propose; ranks from {origin})", False
        _, bound = welfare_optimal(w, acceptable, cap_a, cap_b, everyone=False)
    value = float(sum(w[i, j] for i, j in pairs))
    blocking = blocking_pairs(pairs, rank_a, rank_b, cap_a, cap_b)
    served = np.bincount([j for _, j in pairs], minlength=len(mentees))
    short = int((served < cap_b).sum())
    notes.append(f"{len(blocking)} blocking pair(s) (checked independently, preferences from {origin})")
    if stable is not None:
        notes.append(f"welfare lost to stability: {best_value - value:.2f} ({best_value:.2f} welfare-optimal)")
    if short:
        notes.append(f"{short} mentee(s) got fewer mentors than they want (capacities or acceptable pairs ran out)")
    colors = bipartite_edge_coloring([i for i, _ in pairs], [j for _, j in pairs], max(1, int(max(cap_a.max(initial=0), cap_b.max(initial=0)))))
    order = sorted(range(len(pairs)), key=lambda k: (colors[k], pairs[k]))
    groups = [(colors[k] + 1, (mentors[pairs[k][0]], mentees[pairs[k][1]])) for k in order]
    if any(c > 0 for c in colors):
        notes.append("a mentor with several mentees meets one per round (session)")
    notes += together_note(requests, "mentor")
    rules = {"min_size": 2, "max_size": 2}
    plan = build_plan(
        groups,
        objective,
        requests=requests,
        rules=rules,
        monitor=monitor,
        bound=bound,
        proven=proven,
        status=None if stable is None else "feasible",
        method=method,
        notes=notes,
        extras={
            "mentors": mentors,
            "mentees": mentees,
            "welfare": value,
            "welfare_optimal": best_value,
            "welfare_lost_to_stability": best_value - value,
            "blocking_pairs": len(blocking),
            "blocking": pd.DataFrame([(mentors[i], mentees[j]) for i, j in blocking], columns=["mentor", "mentee"]),
            "rank_of": {(mentors[i], mentees[j]): (int(rank_a[i, j]), int(rank_b[j, i])) for i, j in pairs},
            "capacity": dict(zip(mentors, cap_a.tolist(), strict=True)),
            "demand": dict(zip(mentees, cap_b.tolist(), strict=True)),
        },
        explainer=_explain_mentor,
        checker=functools.partial(_check_mentor, mentors=list(mentors), mentees=list(mentees),
                                  limits={**dict(zip(mentors, cap_a.tolist(), strict=True)),
                                          **dict(zip(mentees, cap_b.tolist(), strict=True))}),
    )
    return plan


def _check_mentor(plan: Plan, *, mentors: list[str], mentees: list[str], limits: dict[str, int]) -> list[str]:
    """Mentor rules, re-read from the assignments: one mentor and one mentee a group, capacities
    and demands, no pair twice."""
    mentors, mentees = set(mentors), set(mentees)  # type: ignore[assignment]
    out = []
    load: dict[str, int] = {}
    seen: set[frozenset] = set()
    for (rnd, grp), who in plan.groups().items():
        if len(who) != 2 or len(mentors.intersection(who)) != 1 or len(mentees.intersection(who)) != 1:
            out.append(f"round {rnd}, group {grp}: not one mentor and one mentee ({', '.join(who)})")
            continue
        key = frozenset(who)
        if key in seen:
            out.append(f"round {rnd}, group {grp}: {' and '.join(sorted(who))} are paired twice")
        seen.add(key)
        for m in who:
            load[m] = load.get(m, 0) + 1
    for m, n in sorted(load.items()):
        cap = limits.get(m)
        if cap is not None and n > cap:
            out.append(f"{m} has {n} partners, more than the {cap} allowed")
    return out


def _describe(values: np.ndarray) -> str:
    if not len(values):
        return "0"
    lo, hi = int(values.min()), int(values.max())
    return str(lo) if lo == hi else f"{lo}-{hi}"


def _explain_mentor(plan: Plan, member: str) -> str:
    ex = plan.extras
    mine = [(a, b) for (a, b) in ex["rank_of"] if member in (a, b)]
    if member in ex["mentors"]:
        head = f"{member} mentors {len(mine)} of up to {ex['capacity'][member]} mentee(s)"
        ranks = [f"{b} (ranked #{ex['rank_of'][(a, b)][0] + 1} by {member})" for a, b in mine]
    elif member in ex["mentees"]:
        head = f"{member} has {len(mine)} mentor(s)"
        ranks = [f"{a} (ranked #{ex['rank_of'][(a, b)][1] + 1} by {member})" for a, b in mine]
    else:
        return f"{member} is not in this plan"
    if not mine:
        return head + ": no acceptable partner with a free slot"
    return head + ": " + ", ".join(ranks) + "\n" + generic_explain(plan, member)
