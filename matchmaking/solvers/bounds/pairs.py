"""A proven bound for pairings over several rounds (coffee roulette): Lagrangian with exact matchings.

Each round splits its attendees into pairs, and into ``k_r`` trios where pairs cannot cover
everyone (one when the count is odd); pairs kept together always form a pair, pairs kept apart
never share a group. The value is the shared objective: each distinct pair's affinity once,
minus a penalty per repeated encounter (:mod:`.rounds` explains ``f``, ``c`` and the slopes).

For slopes ``s = g - mu``, each round's best value is bounded *exactly* by a maximum-weight
perfect matching: the members left over (``k_r`` of them) are matched to ``k_r`` dummy nodes
with the value ``b_u`` of their two best partners (a trio member adds at most that to a pair).
So ``L(mu) = sum_{i<j} c_ij(s_ij) + sum_r M_r(s)`` is a proven bound for every ``mu``; a
projected subgradient method lowers it (the per-round perfect-matching polytope is integral, so
its limit is the linear relaxation "each round a convex combination of pairings, each pair met
at most once", stronger than the b-matching relaxation that ignores odd cycles). Matchings run
on integers rounded *up* (``ceil(s * 2^k)``), so the blossom algorithm's exact optimum is a bound
on the real-valued one.
"""

from __future__ import annotations

import math
import time

import numpy as np
import rustworkx as rx

from matchmaking.solvers.bounds.certify import safe_sum
from matchmaking.solvers.bounds.rounds import Certificate, PairBound, RoundsData, pair_constants


def _matching(n: int, i: np.ndarray, j: np.ndarray, ints: np.ndarray) -> list[tuple[int, int]]:
    g = rx.PyGraph(multigraph=False)
    g.add_nodes_from(range(n))
    g.add_edges_from(list(zip(i.tolist(), j.tolist(), ints.tolist(), strict=True)))
    found = rx.max_weight_matching(g, max_cardinality=True, weight_fn=lambda w: w)
    return [(min(u, v), max(u, v)) for u, v in found]


def _lp_prices(first: np.ndarray, allowed: np.ndarray, avail: np.ndarray, rounds: list, wmax: np.ndarray) -> np.ndarray:
    """Starting pair prices: the duals of "a pair meets at most once" in the b-matching LP.

    LP: maximise ``sum g_ij x_ij`` with ``0 <= x <= 1`` and each member's ``x`` summing to at most
    the partners the rounds give them. With its duals ``mu`` (and node duals ``pi``), every
    ``g - mu <= pi_i + pi_j``, so the first Lagrangian bound is already at most the LP's value.
    """
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    n = len(first)
    i, j = np.nonzero(np.triu(allowed & (wmax > 0), 1))
    if not len(i):
        return np.zeros((n, n))
    degree = avail.sum(axis=0).astype(float)
    extra = np.zeros(n)  # a trio's members have two partners: at most 3 extra per leftover, shared
    pool = 0.0
    for rd in rounds:
        if rd.leftover:
            extra[rd.present] += rd.leftover
            pool += 3.0 * rd.leftover
    P = len(i)
    k = np.arange(P)
    rows = np.r_[i, j, np.arange(n), np.full(n, n)]
    cols = np.r_[k, k, P + np.arange(n), P + np.arange(n)]
    vals = np.r_[np.ones(2 * P), -np.ones(n), np.ones(n)]
    A = csr_matrix((vals, (rows, cols)), shape=(n + 1, P + n))
    bounds = [(0.0, 1.0)] * P + [(0.0, float(e)) for e in extra]
    res = linprog(np.r_[-first[i, j], np.zeros(n)], A_ub=A, b_ub=np.r_[degree, pool], bounds=bounds, method="highs")
    mu = np.zeros((n, n))
    if res.status != 0 or res.upper is None or res.upper.marginals is None:  # pragma: no cover - solver trouble
        return mu
    mu[i, j] = np.clip(-res.upper.marginals[:P], 0.0, wmax[i, j])
    return mu + mu.T


class _Round:
    """One round: the forced pairs, the free members, their allowed pairs and the leftover count."""

    def __init__(self, present: np.ndarray, allowed: np.ndarray, forced: list[tuple[int, int]]) -> None:
        here = set(present.tolist())
        self.forced = [(a, b) for a, b in forced if a in here and b in here]
        busy = {u for p in self.forced for u in p}
        self.free = np.asarray([u for u in present.tolist() if u not in busy], dtype=np.int64)
        self.present = present
        sub = allowed[np.ix_(self.free, self.free)]
        self.ei, self.ej = np.nonzero(np.triu(sub, 1))
        m = len(self.free)
        size = len(_matching(m, self.ei, self.ej, np.ones(len(self.ei), dtype=np.int64))) if m > 1 else 0
        self.leftover = m - 2 * size  # members who join a pair as a trio (or stay alone)
        self.allowed = allowed[np.ix_(self.free, present)]

    def value(self, s: np.ndarray) -> tuple[float, np.ndarray]:
        """A proven bound on the round's value with pair values ``s``, and the pairs of the optimum."""
        used = np.zeros(s.shape, dtype=bool)
        forced_value = [s[a, b] for a, b in self.forced]
        for a, b in self.forced:
            used[a, b] = used[b, a] = True
        m, k = len(self.free), self.leftover
        if m == 0:
            return safe_sum(np.asarray(forced_value)), used
        sw = s[np.ix_(self.free, self.free)][self.ei, self.ej]
        bonus = np.zeros(m)
        if k:
            part = np.where(self.allowed, s[np.ix_(self.free, self.present)], -np.inf)
            top = -np.sort(-part, axis=1)[:, :2]
            bonus = np.maximum(np.where(np.isfinite(top), top, 0.0).sum(axis=1), 0.0)
        vals = np.r_[sw, np.repeat(bonus, k)]
        top = float(np.abs(vals).max(initial=0.0)) + 1.0
        scale = 2.0 ** math.floor(math.log2(2.0**40 / (top * (m + k))))
        ints = np.ceil(vals * scale).astype(np.int64)
        shift = 1 - int(ints.min(initial=0))  # same-size (perfect) matchings: a shift changes nothing
        i = np.r_[self.ei, np.repeat(np.arange(m), k)]
        j = np.r_[self.ej, m + np.tile(np.arange(k), m)]
        pairs = _matching(m + k, i, j, ints + shift)
        key = {(int(a), int(b)): int(w) for a, b, w in zip(i, j, ints, strict=True)}
        best = sum(key[(min(a, b), max(a, b))] for a, b in pairs)
        for a, b in pairs:
            if b < m:
                u, v = self.free[a], self.free[b]
                used[u, v] = used[v, u] = True
        # exact integers divided by a power of two: an exactly representable upper bound
        return float(best) / scale + safe_sum(np.asarray(forced_value)), used


def pairing_bound(
    weights: np.ndarray,
    avail: np.ndarray,
    *,
    allowed: np.ndarray | None = None,
    forced: list[tuple[int, int]] = (),
    met_before: np.ndarray | None = None,
    repeat_penalty: float = 0.0,
    time_limit: float = 2.0,
    max_iter: int = 500,
    target: float | None = None,
) -> PairBound:
    """A proven upper bound on the objective of any pairing plan over the rounds of ``avail``.

    For a roulette problem ``p`` (:class:`~matchmaking.solvers.pairing.roulette_search.RouletteProblem`):
    ``pairing_bound(p.weight, p.avail, allowed=p.allowed, forced=p.forced, met_before=p.history > 0,
    repeat_penalty=objective.repeat_penalty, target=plan_value)``. Plans are taken to follow the
    roulette's rule: as many pairs as the allowed pairs permit, the members left over (one when a
    count is odd) each joining a pair.

    Parameters
    ----------
    weights : ndarray (n, n)
        Symmetric pair values.
    avail : ndarray (R, n) of bool
        Who attends each round.
    allowed : ndarray (n, n) of bool, optional
        Pairs that may share a group (default: every pair; apart pairs False).
    forced : list of (int, int)
        Pairs kept together (a pair every round both attend; their repeats are free).
    met_before : ndarray (n, n) of bool, optional
        Pairs whose every meeting is a repeat.
    repeat_penalty : float
        Cost of each repeated meeting.
    time_limit, max_iter : float, int
        Budget of the subgradient method (the first iteration always runs).
    target : float, optional
        The value of a known plan: stop once the bound reaches it (proven optimal).

    Examples
    --------
    >>> W = np.array([[0, 4, 1, 1], [4, 0, 1, 1], [1, 1, 0, 4], [1, 1, 4, 0]], dtype=float)
    >>> b = pairing_bound(W, np.ones((2, 4), dtype=bool), repeat_penalty=10)
    >>> round(b.value, 6)  # the best two rounds meet the two 4s once, then two 1s: 4 + 4 + 1 + 1
    10.0
    """
    t0 = time.perf_counter()
    W = np.asarray(weights, dtype=float)
    n = len(W)
    avail = np.asarray(avail, dtype=bool)
    allowed = np.ones((n, n), dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool).copy()
    np.fill_diagonal(allowed, False)
    together = np.zeros((n, n), dtype=bool)
    for a, b in forced:
        together[a, b] = together[b, a] = True
    met = np.zeros((n, n), dtype=bool) if met_before is None else np.asarray(met_before, dtype=bool) & ~together
    rounds = [_Round(np.flatnonzero(avail[r]), allowed, list(forced)) for r in range(len(avail))]
    both = avail.T.astype(np.int64) @ avail.astype(np.int64)
    m_lo = np.where(together, both, 0)
    m_hi = np.where(allowed | together, both, 0)
    np.fill_diagonal(m_hi, 0)
    pen = np.where(together, 0.0, float(repeat_penalty))
    data = RoundsData(W, [], W - np.where(met, float(repeat_penalty), 0.0), pen, m_lo, m_hi)
    wmax = np.where((m_hi >= 2) & (m_lo == 0), np.maximum(data.first + pen, 0.0), 0.0)
    mu = _lp_prices(data.first, allowed & ~together, avail, rounds, wmax)
    best, best_mu, step, since = math.inf, mu, 1.0, 0
    done = 0
    for it in range(1, max_iter + 1):
        done = it
        s = data.first - mu
        c, err = pair_constants(data, s)
        value = safe_sum(c) + err
        met_count = np.zeros((n, n))
        for rd in rounds:
            v, used = rd.value(s)
            value += v
            met_count += used
        if not math.isfinite(best) or value < best - 1e-9 * max(1.0, abs(best)):
            best, best_mu, since = value, mu.copy(), 0
        else:
            since += 1
            if since >= 8:
                step, since = step / 2, 0
        if (target is not None and best <= target) or time.perf_counter() - t0 > time_limit or step < 1e-4:
            break
        grad = np.where(wmax > 0, 1.0 - met_count, 0.0)  # d/dmu of mu + sum_r (g - mu) x_r
        grad = np.triu(grad, 1)
        norm = float((grad * grad).sum())
        if norm == 0:
            break
        gap = max(best - (target if target is not None else 0.95 * best), 1e-6 * max(1.0, abs(best)))
        mu = np.clip(mu - step * gap / norm * grad, 0.0, wmax)
        mu = np.triu(mu, 1) + np.triu(mu, 1).T
    notes = [f"Lagrangian over rounds with exact matchings, {done} iteration(s)"]
    cert = Certificate(data.first - best_mu, [], [])  # verified by recomputing the rounds' matchings
    return PairBound(float(best), cert, "Lagrangian (matchings)", time.perf_counter() - t0, done, notes)
