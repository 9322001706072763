"""``intro``: one-to-one introductions, an exact maximum-weight matching of a general graph."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

from matchmaking.plans.plan import Plan
from matchmaking.scoring.affinity import Affinity
from matchmaking.scoring.objective import Objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.pairing._common import (
    Callback,
    forced_pairs,
    generic_explain,
    integer_weights,
    make_plan,
    max_weight_matching,
    report_progress,
)

#: With more positive pairs than this, ``candidates="auto"`` keeps each member's 10 best.
MAX_FULL_PAIRS = 200_000
AUTO_K = 10
#: The bound of a candidate-restricted intro uses each member's max(3 k, 30) best partners.
BOUND_FACTOR, BOUND_MIN_K = 3, 30


def candidate_graph(aff: Affinity, candidates: int | str = "auto") -> tuple[pd.DataFrame, bool]:
    """The pairs worth matching: ``(table a, b, score, complete)``.

    ``complete`` is True when the table holds every pair with a positive score (so a
    matching optimal over it is optimal over all pairs); otherwise it holds each member's
    ``candidates`` best partners (:meth:`Affinity.top_pairs`).

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community, affinity
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abc"), "offers": ["x", "", ""],
    ...     "needs": ["", "x", "x"]}))
    >>> table, complete = candidate_graph(affinity(c, goals=0))
    >>> table.values.tolist(), complete
    ([['a', 'b', 1.0], ['a', 'c', 1.0]], True)
    """
    n = len(aff.community)
    base = aff.baseline
    if candidates == "all":
        full = True
    elif candidates == "auto":  # every pair when that is few, or when only a pairs file scores
        full = n * (n - 1) // 2 <= MAX_FULL_PAIRS or (aff.terms == ["pairs"] and len(aff.explicit) <= MAX_FULL_PAIRS)
    else:
        full = False
    if full:
        if base > 0:
            dense = aff.dense()
            i, j = np.triu_indices(n, 1)
            v = dense[i, j]
        else:
            upper = aff.matrix().tocoo()
            keep = upper.row < upper.col
            i, j, v = upper.row[keep], upper.col[keep], upper.data[keep] + base
        keep = v > 0
        ids = np.asarray(aff.community.ids, dtype=object)
        table = pd.DataFrame({"a": ids[i[keep]], "b": ids[j[keep]], "score": v[keep]})
        return table.reset_index(drop=True), True
    k = AUTO_K if candidates in ("auto", "all") else int(candidates)
    if k < 1:
        raise ValueError("candidates must be >= 1, 'auto' or 'all'")
    return aff.top_pairs(k), False


def match_table(table: pd.DataFrame, members: Sequence[str]) -> tuple[list[tuple[str, str]], float, bool]:
    """Exact maximum-weight matching of a table of pairs ``a, b, score`` (the intro engine).

    Scores are scaled to integers (:func:`integer_weights`) for rustworkx's blossom; returns
    the matched pairs, the scale and whether the scaling was exact.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"a": ["x", "y", "x"], "b": ["y", "z", "z"], "score": [1.5, 1.0, 1.0]})
    >>> match_table(t, ["x", "y", "z"])
    ([('x', 'y')], 2.0, True)
    """
    ints, scale, exact = integer_weights(table["score"].to_numpy())
    index = pd.Index(list(members))
    i = index.get_indexer(table["a"]).astype(np.int64)
    j = index.get_indexer(table["b"]).astype(np.int64)
    matched = max_weight_matching(len(members), i, j, ints)
    return [(members[u], members[v]) for u, v in matched], scale, exact


def candidate_bound(aff: Affinity, table: pd.DataFrame, k: int) -> float:
    """A bound over all pairs for matchings of a community, from its top-``k`` candidate pairs.

    A pair outside ``table`` (each member's ``k`` best partners, :meth:`Affinity.top_pairs`)
    scores at most ``min(t_a, t_b)`` where ``t_x`` is member x's k-th best score (0 for a
    member with fewer than ``k`` positive partners; at least the affinity's baseline): otherwise
    it would be in one of the two lists. (This LP is never above "half the sum of each member's
    best score", the classic vertex bound.) So a matching is worth at most the fractional matching LP where each member may
    also take an "outside" partner worth ``t_x / 2``; that LP is solved exactly as a
    min-cost flow on the bipartite double cover (OR-Tools).
    """
    ids = aff.community.ids
    n = len(ids)
    pos = {m: x for x, m in enumerate(ids)}
    i = table["a"].map(pos).to_numpy(dtype=np.int64)
    j = table["b"].map(pos).to_numpy(dtype=np.int64)
    w = table["score"].to_numpy(dtype=float)
    ends = pd.DataFrame({"m": np.r_[i, j], "s": np.r_[w, w]}).sort_values(["m", "s"], ascending=[True, False])
    kth = ends.groupby("m")["s"].nth(k - 1) if k >= 1 else pd.Series(dtype=float)
    t = np.zeros(n)
    t[ends.loc[kth.index, "m"].to_numpy(dtype=np.int64)] = kth.to_numpy()
    t = np.clip(t, max(aff.baseline, 0.0), None)  # pairs with no sparse entry score the baseline
    ints, scale, exact = integer_weights(np.r_[np.clip(w, 0, None), t / 2])
    we, wt = ints[: len(w)], ints[len(w) :]
    src, sink = 2 * n, 2 * n + 1
    nodes = np.arange(n)
    one = np.ones(n, dtype=np.int64)
    zero = np.zeros(n, dtype=np.int64)
    # arcs: candidate pairs both ways | L_u -> sink: an outside partner | R_u -> sink | src -> L_u |
    # src -> R_u: an outside partner (other copy) | src -> sink: unused capacity
    tails = np.r_[i, j, nodes, nodes + n, np.full(n, src), np.full(n, src), [src]]
    heads = np.r_[j + n, i + n, np.full(n, sink), np.full(n, sink), nodes, nodes + n, [sink]]
    caps = np.r_[np.ones(2 * len(i), dtype=np.int64), one, one, one, one, [2 * n]]
    costs = np.r_[-we, -we, -wt, zero, zero, -wt, [0]]
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32), caps, costs.astype(np.int64))
    supplies = np.zeros(2 * n + 2, dtype=np.int64)
    supplies[src], supplies[sink] = 2 * n, -2 * n
    flow.set_nodes_supplies(np.arange(2 * n + 2, dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:  # pragma: no cover - always feasible (bypass arc)
        raise RuntimeError("min-cost flow failed")
    slack = 0.0 if exact else n * 0.5 / scale
    return -flow.optimal_cost() / (2 * scale) + slack


def intro(
    objective: Objective,
    members: Sequence[str],
    *,
    candidates: int | str = "auto",
    requests: Requests | None = None,
    callback: Callback | None = None,
) -> Plan:
    """Maximum-weight one-to-one introductions (see :func:`matchmaking.pair`, mode ``intro``)."""
    t0 = time.perf_counter()
    requests = requests or Requests()
    forced = forced_pairs(requests, members)
    busy = {m for p in forced for m in p}
    free = [m for m in members if m not in busy]
    aff = objective.affinity.restrict(free)
    table, complete = candidate_graph(aff, candidates)
    candidates_table = table
    k = AUTO_K if candidates in ("auto", "all") else int(candidates)
    if requests.apart:
        apart = {frozenset(p) for p in requests.apart}
        table = table[[frozenset((a, b)) not in apart for a, b in zip(table["a"], table["b"], strict=True)]]
    table = _with_repeat_penalty(table, objective)
    table = table[table["score"] > 0]
    report_progress(callback, stage="matching", nodes=len(free), edges=len(table))
    found, scale, exact = match_table(table, free)
    pairs = found + list(forced)
    matched_members = {m for p in pairs for m in p}
    unmatched = [m for m in members if m not in matched_members]
    slack = 0.0 if exact else len(free) * 0.5 / scale  # integer rounding: see integer_weights
    notes = []
    forced_score = 0.0
    if forced:
        forced_score = float(objective.affinity.score([a for a, _ in forced], [b for _, b in forced])["total"].sum())
        notes.append(f"{len(forced)} pair(s) fixed by together requests")
    if complete:
        notes.append("exact maximum-weight matching (rustworkx blossom) over all pairs with a positive score")
    else:
        notes.append(
            f"exact maximum-weight matching (rustworkx blossom) over each member's {k} best partners "
            f"({len(table)} candidate pairs)"
        )
    if unmatched:
        notes.append(f"{len(unmatched)} member(s) without an intro: no positive-score partner left for them")
    plan = make_plan(
        [(1, p) for p in pairs],
        objective,
        bound=np.inf,
        status="feasible",
        method="blossom (rustworkx)",
        time=time.perf_counter() - t0,
        notes=notes,
        extras={
            "candidate_pairs": int(len(table)),
            "complete_graph": complete,
            "unmatched": unmatched,
            "integer_scale": scale,
        },
        explainer=_explain_intro,
    )
    if complete:
        plan.bound = plan.objective + slack
        plan.status = "optimal" if exact else "feasible"
    else:
        # the bound looks further than the matching (each member's BOUND_FACTOR * k best): tighter, still cheap
        k_bound = max(BOUND_FACTOR * k, BOUND_MIN_K)
        wider = aff.top_pairs(k_bound)
        lp = min(candidate_bound(aff, candidates_table, k), candidate_bound(aff, wider[wider["score"] > 0], k_bound))
        plan.bound = max(plan.objective + slack, lp + forced_score)
        plan.extras["candidate_optimum"] = plan.objective
        plan.notes.append(
            f"bound over all pairs ({plan.bound:.2f}): matching LP over each member's {k_bound} best partners, "
            f"where any other pair is worth at most its members' {k_bound}-th best scores; "
            "the plan is optimal over the candidate pairs"
        )
    report_progress(callback, stage="done", objective=plan.objective, bound=plan.bound)
    return plan


def _with_repeat_penalty(table: pd.DataFrame, objective: Objective) -> pd.DataFrame:
    """Scores minus the objective's repeat penalty for pairs that met before."""
    met = objective.affinity.met
    if not objective.repeat_penalty or not len(met) or not len(table):
        return table
    lo = np.minimum(table["a"].to_numpy(dtype=str), table["b"].to_numpy(dtype=str))
    hi = np.maximum(table["a"].to_numpy(dtype=str), table["b"].to_numpy(dtype=str))
    before = set(zip(met["a"], met["b"], strict=True))
    hit = np.asarray([(x, y) in before for x, y in zip(lo, hi, strict=True)], dtype=bool)
    return table.assign(score=table["score"].to_numpy() - objective.repeat_penalty * hit)


def _explain_intro(plan: Plan, member: str) -> str:
    if member in set(plan.assignments["member"]):
        return generic_explain(plan, member)
    if member in plan.extras.get("unmatched", ()):
        return (
            f"{member} has no intro this time: every partner with a positive score was matched to "
            "someone who adds more to the total (or none has a positive score)"
        )
    return f"{member} is not in this plan"
