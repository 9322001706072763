"""``intro``: one-to-one introductions, a maximum-weight matching of a general graph.

The graph holds every pair with a positive score when that is few (``candidates="auto"``), else
each member's best partners (:class:`~matchmaking.scoring.candidates.PartnerIndex`, compiled).
The matching is solved on it by the LP relaxation on the bipartite double cover (a sparse
assignment) and its rounding (:mod:`.matching`): an integral LP solution is a proof of
optimality; otherwise the exact blossom finishes when its forecast fits the time left.

Above :attr:`IntroParams.whole_max` members, one scan of every pair no longer fits a time
limit (100,000 members: 5 billion pairs), nor does one LP or one blossom. The members are then
split into random blocks, each matched exactly over its members' best partners inside the
block, and a large-neighbourhood search re-draws the blocks (the current pairs kept as units, so
a block never loses value) until the time is up. The monitor is asked between blocks, so the
time limit holds and the best plan so far comes back.

The bound over all pairs: a pair outside the candidate lists scores at most the smaller of its
members' thresholds (their ``bound_candidates``-th best score when that list was scanned
exactly, else :meth:`~matchmaking.scoring.candidates.PartnerIndex.upper_bounds`), so a matching is
worth at most the LP where a member may also take an outside partner at that value (the
assignment's diagonal).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.plans.plan import Plan
from matchmaking.scoring.affinity import Affinity
from matchmaking.scoring.candidates import PartnerIndex, pair_table
from matchmaking.scoring.objective import Objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.control import Monitor
from matchmaking.solvers.pairing import matching as mt
from matchmaking.solvers.pairing._common import (
    build_plan,
    forced_pairs,
    generic_explain,
    integer_weights,
)
from matchmaking.solvers.pairing.intro_blocks import match_in_blocks
from matchmaking.solvers.params import check_number, check_whole


@dataclass(frozen=True)
class IntroParams:
    """Tuning of the intro engine (validated).

    Attributes
    ----------
    candidates : int
        Best partners kept per member when not every pair is (``candidates="auto"``).
    bound_candidates : int
        Best partners scanned per member for the bound's thresholds (at least ``candidates``).
    max_full_pairs : int
        ``candidates="auto"`` keeps every positive pair up to this many.
    max_all_pairs : int
        ``candidates="all"`` is refused above this many pairs (a size guard before any work).
    whole_max : int
        Up to this many members are matched as one graph; above, in random blocks.
    block_size : int
        Members per random block (see the module docstring).
    blossom_rate : float
        The exact blossom on ``n`` members is forecast at ``n**3 / blossom_rate`` seconds (measured
        pessimistically); it runs only when that fits half the time left.
    repair_size : int
        When the LP's rounding falls short, the blossom first re-matches at most about this many
        members around the LP's odd cycles.
    """

    candidates: int = 10
    bound_candidates: int = 30
    max_full_pairs: int = 200_000
    max_all_pairs: int = 20_000_000
    whole_max: int = 12_000
    block_size: int = 6_000
    blossom_rate: float = 1e10
    repair_size: int = 1500

    def __post_init__(self) -> None:
        check_whole(self, ["candidates", "bound_candidates", "max_full_pairs", "max_all_pairs", "whole_max",
                           "block_size", "repair_size"], prefix="IntroParams.")
        check_number(self, "blossom_rate", low_open=True, prefix="IntroParams.")


def check_candidates(candidates: object) -> int | str:
    """``candidates=``: a whole number >= 1, ``"auto"`` or ``"all"`` (else InputError)."""
    if candidates in ("auto", "all"):
        return candidates  # type: ignore[return-value]
    if isinstance(candidates, bool) or not isinstance(candidates, (int, np.integer)) or candidates < 1:
        raise InputError(f"candidates must be a whole number >= 1, 'auto' or 'all', not {candidates!r}",
                         column="candidates")
    return int(candidates)


def _every_pair(aff: Affinity, candidates: int | str, params: IntroParams) -> bool:
    n = len(aff.community)
    if candidates == "all":
        if n * (n - 1) // 2 > params.max_all_pairs:
            raise InputError(f"candidates='all' would score {n * (n - 1) // 2:,} pairs of {n:,} members (at most "
                             f"{params.max_all_pairs:,}): give a number of candidates per member, or 'auto'",
                             column="candidates")
        return True
    if candidates != "auto":
        return False
    return n * (n - 1) // 2 <= params.max_full_pairs or (
        aff.terms == ["pairs"] and len(aff.explicit) <= params.max_full_pairs)


def _all_positive(aff: Affinity) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair with a positive score: positions ``i < j`` and scores."""
    n = len(aff.community)
    if aff.baseline > 0:
        dense = aff.dense()
        i, j = np.triu_indices(n, 1)
        v = dense[i, j]
    else:
        upper = aff.matrix().tocoo()
        keep = upper.row < upper.col
        i, j, v = upper.row[keep], upper.col[keep], upper.data[keep] + aff.baseline
    keep = v > 0
    return i[keep].astype(np.int64), j[keep].astype(np.int64), v[keep]


def candidate_graph(
    aff: Affinity, candidates: int | str = "auto", params: IntroParams | None = None
) -> tuple[pd.DataFrame, bool]:
    """The pairs worth matching: ``(table a, b, score, complete)``.

    ``complete`` is True when the table holds every pair with a positive score (so a
    matching optimal over it is optimal over all pairs); otherwise it holds each member's
    ``candidates`` best partners (:meth:`Affinity.top_pairs`).

    Examples
    --------
    >>> import pandas as pd
    >>> import matchmaking as mm
    >>> people = pd.DataFrame({"id": ["ana", "ben", "cy", "dee"], "offers": ["seo", "", "tax", ""],
    ...                        "needs": ["", "seo", "", "tax"]})
    >>> table, complete = candidate_graph(mm.affinity(mm.Community.from_frame(people), goals=0))
    >>> table.values.tolist(), complete
    ([['ana', 'ben', 1.0], ['cy', 'dee', 1.0]], True)
    """
    params = params or IntroParams()
    candidates = check_candidates(candidates)
    ids = np.asarray(aff.community.ids, dtype=object)
    if _every_pair(aff, candidates, params):
        i, j, v = _all_positive(aff)
        return pd.DataFrame({"a": ids[i], "b": ids[j], "score": v}), True
    k = params.candidates if candidates == "auto" else int(candidates)
    partners, scores = PartnerIndex(aff).top(k)
    return pair_table(aff, np.arange(len(ids)), partners, scores), bool((partners[:, -1] < 0).all())


def adjust(
    aff: Affinity, objective: Objective, requests: Requests, i: np.ndarray, j: np.ndarray, s: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs (positions in ``aff``) as the matching values them: apart pairs dropped,
    the repeat penalty taken off pairs that met before, pairs worth nothing dropped."""
    keep = np.ones(len(i), dtype=bool)
    if requests.apart and len(i):
        pos = {m: x for x, m in enumerate(aff.community.ids)}
        n = len(pos)
        banned = {min(pos[a], pos[b]) * n + max(pos[a], pos[b]) for a, b in requests.apart if a in pos and b in pos}
        if banned:
            keep &= ~np.isin(np.minimum(i, j) * n + np.maximum(i, j), np.fromiter(banned, dtype=np.int64))
    if objective.repeat_penalty and len(aff.met) and len(i):
        met = np.asarray(aff.times_met()[i, j]).ravel() > 0
        s = s - objective.repeat_penalty * met
    keep &= s > 0
    return i[keep], j[keep], s[keep]


def solve_matching(
    n: int, i: np.ndarray, j: np.ndarray, s: np.ndarray, monitor: Monitor, params: IntroParams, *, exact: bool = True
) -> tuple[np.ndarray, bool, float, list[str]]:
    """A matching of ``n`` nodes over the weighted edges: ``(mate, proven, bound, notes)``.

    LP on the double cover, rounded; proven optimal when the rounding meets the LP (integer
    weights), else finished by the blossom when ``exact`` and its forecast fits the time left.
    ``bound`` is a proven bound over these edges (the optimum when proven, else the LP).
    """
    ints, scale, exact_ints = integer_weights(s, limit=mt.safe_int_limit(n))
    slack = 0.0 if exact_ints else n * 0.5 / scale  # each weight is off by at most 0.5 / scale
    sigma, twice = mt.two_matching(n, i, j, ints)
    lo, hi = np.minimum(i, j).tolist(), np.maximum(i, j).tolist()
    mate = mt.round_cycles(sigma, dict(zip(zip(lo, hi, strict=True), ints.tolist(), strict=True)))
    mt.greedy_fill(mate, i, j, ints)
    value = mt.matching_weight(mate, i, j, ints)
    if 2 * value >= twice - 1:  # integer weights: no matching beats floor(LP)
        return mate, True, value / scale + slack, []
    if exact:  # the exact blossom around the odd cycles, where the rounding lost
        near = mt.neighbourhood(n, i, j, mt.odd_cycle_nodes(sigma), mate, radius=3, limit=params.repair_size)
        if mt.blossom_seconds(len(near), params.blossom_rate) <= 0.5 * monitor.remaining():
            monitor.report("exact", message=f"blossom around the LP's odd cycles ({len(near)} members)", force=True)
            mt.repair(mate, near, i, j, ints)
            value = mt.matching_weight(mate, i, j, ints)
            if 2 * value >= twice - 1:
                return mate, True, value / scale + slack, []
    nodes = np.unique(np.r_[i, j])
    forecast = mt.blossom_seconds(len(nodes), params.blossom_rate)
    if exact and forecast <= 0.5 * monitor.remaining():
        monitor.report("exact", message=f"blossom on {len(nodes)} members (forecast {forecast:.1f} s)", force=True)
        local = np.full(n, -1, dtype=np.int64)
        local[nodes] = np.arange(len(nodes))
        found = mt.blossom(len(nodes), local[i], local[j], ints)
        mate = np.full(n, -1, dtype=np.int64)
        has = found >= 0
        mate[nodes[has]] = nodes[found[has]]
        return mate, True, mt.matching_weight(mate, i, j, ints) / scale + slack, []
    gap = (twice / 2 - value) / max(twice / 2, 1)
    why = "the exact blossom was not forecast to fit the time left" if exact else "blocks are matched by the LP"
    note = f"matching from the LP relaxation, rounded (within {100 * gap:.3f}% of the LP over the candidate pairs): {why}"
    return mate, False, twice / (2 * scale) + slack, [note]


def bound_over_all_pairs(
    index: PartnerIndex, partners: np.ndarray, scores: np.ndarray, thresholds: np.ndarray
) -> float:
    """The LP bound over all pairs from candidate lists and per-member thresholds (module docstring)."""
    n = index.n
    rows = np.repeat(np.arange(n), partners.shape[1])
    cols, vals = partners.ravel(), scores.ravel()
    keep = (cols >= 0) & (vals > 0)
    lo, hi = np.minimum(rows[keep], cols[keep]), np.maximum(rows[keep], cols[keep])
    key, first = np.unique(lo * n + hi, return_index=True)
    i, j, s = key // n, key % n, vals[keep][first]
    ints, scale, exact = integer_weights(np.r_[s, thresholds], limit=mt.safe_int_limit(n))
    _, twice = mt.two_matching(n, i, j, ints[: len(s)], diagonal=ints[len(s):])
    slack = 0.0 if exact else n * 0.5 / scale
    return twice / (2 * scale) + slack


def intro(
    objective: Objective,
    members: Sequence[str],
    *,
    candidates: int | str = "auto",
    requests: Requests | None = None,
    monitor: Monitor,
    seed: int = 0,
    params: IntroParams | None = None,
) -> Plan:
    """Maximum-weight one-to-one introductions (see :func:`matchmaking.pair`, mode ``intro``)."""
    params = params or IntroParams()
    candidates = check_candidates(candidates)
    requests = requests or Requests()
    forced = forced_pairs(requests, members)
    busy = {m for p in forced for m in p}
    free = [m for m in members if m not in busy]
    aff = objective.affinity.restrict(free)
    n = len(free)
    k = params.candidates if candidates == "auto" else int(candidates) if candidates != "all" else n
    monitor.report("start", message=f"{n} members to pair", force=True)
    notes: list[str] = []
    extras: dict[str, object] = {}
    complete = n < 2 or _every_pair(aff, candidates, params)
    if complete:
        i, j, s = _all_positive(aff)
        bound_lists = None
        method = "matching LP + blossom over every positive pair"
    elif n <= params.whole_max:
        index = PartnerIndex(aff)
        big_k = max(params.bound_candidates, k)
        partners, scores = index.top(big_k)
        monitor.report("candidates", message=f"{big_k} best partners of {n} members", force=True)
        complete = bool((partners[:, -1] < 0).all()) if n > 1 else True  # the lists hold every positive pair
        width = big_k if complete else k
        table = pair_table(aff, np.arange(n), partners[:, :width], scores[:, :width])
        pos = {m: x for x, m in enumerate(free)}
        i = table["a"].map(pos).to_numpy(np.int64)
        j = table["b"].map(pos).to_numpy(np.int64)
        s = table["score"].to_numpy()
        thresholds = np.where(partners[:, -1] >= 0, scores[:, -1], 0.0)
        bound_lists = (index, partners, scores, np.clip(thresholds, max(aff.baseline, 0.0), None))
        method = f"matching LP + blossom over each member's {k} best partners"
        if complete:
            method = "matching LP + blossom over every positive pair"
            notes.append(f"every member has at most {big_k - 1} partners with a positive score: all of them are "
                         "candidates")
    else:
        return _finish(objective, requests, forced, free, aff, *match_in_blocks(
            aff, objective, requests, k, monitor, params, seed), monitor)
    i, j, s = adjust(aff, objective, requests, i, j, s)
    monitor.report("matching", message=f"{len(i)} candidate pairs", force=True)
    mate, proven, bound, more = solve_matching(n, i, j, s, monitor, params)
    notes += more
    extras.update(candidate_pairs=int(len(i)), complete_graph=complete)
    if complete:
        notes.append("optimal over all pairs with a positive score" if proven else
                     "bound: the matching LP over every positive pair")
    else:
        monitor.report("bound", force=True)
        bound = bound_over_all_pairs(*bound_lists)  # type: ignore[misc]
        if proven:
            notes.append("the plan is optimal over the candidate pairs")
        notes.append(f"bound over all pairs: matching LP over each member's {bound_lists[1].shape[1]} best "  # type: ignore[index]
                     "partners, any other pair worth at most its members' last-listed scores")
    return _finish(objective, requests, forced, free, aff, mate, bound, method, notes, extras, monitor)


def _finish(
    objective: Objective, requests: Requests, forced: list[tuple[str, str]], free: list[str], aff: Affinity,
    mate: np.ndarray, bound: float, method: str, notes: list[str], extras: dict, monitor: Monitor,
) -> Plan:
    pairs = [(free[u], free[int(v)]) for u, v in enumerate(mate) if v > u] + list(forced)
    matched = {m for p in pairs for m in p}
    unmatched = [m for m in free if m not in matched]
    if forced:
        notes.insert(0, f"{len(forced)} pair(s) fixed by together requests")
        if math.isfinite(bound):
            bound += float(objective.affinity.score([a for a, _ in forced], [b for _, b in forced])["total"].sum())
    if unmatched:
        notes.append(f"{len(unmatched)} member(s) without an intro: none of their candidate partners with a "
                     "positive score was left for them")
    extras.update(unmatched=unmatched)
    return build_plan(
        [(1, p) for p in pairs], objective, requests=requests, rules={"max_size": 2},
        bound=bound, method=method, monitor=monitor, notes=notes,
        extras=extras, explainer=_explain_intro,
    )


def _explain_intro(plan: Plan, member: str) -> str:
    if member in set(plan.assignments["member"]):
        return generic_explain(plan, member)
    if member in plan.extras.get("unmatched", ()):
        return (
            f"{member} has no intro this time: every partner with a positive score was matched to "
            "someone who adds more to the total (or none has a positive score)"
        )
    return f"{member} is not in this plan"
