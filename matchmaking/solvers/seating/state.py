"""The readable Python reference of the seating objective: a seating with every term kept incrementally.

:class:`SeatingState` is slow (about a hundred microseconds a move) but plain; the compiled
kernel (:mod:`matchmaking.solvers.seating.kernel`) keeps the same terms in flat arrays, the
tests compare both move by move, and every plan the search returns is re-scored here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matchmaking.solvers.seating.problem import SeatingProblem

__all__ = ["SeatingState"]


class SeatingState:
    """A full seating (rounds x n table indices) with exact incremental objective terms.

    Pair counts live in a dense matrix (numpy); needs and spread counts, touched a few at a
    time, in plain Python dicts (faster than numpy for single cells).
    """

    def __init__(self, prob: SeatingProblem) -> None:
        self.p = prob
        n, R, T = prob.n, prob.rounds, prob.n_tables
        self.tab = np.full((R, n), -1, dtype=np.int64)
        self.at: list[list[list[int]]] = [[[] for _ in range(T)] for _ in range(R)]
        self.C = np.zeros((n, n), dtype=np.int16)
        self.need_list = [list(map(int, np.flatnonzero(row))) for row in prob.needs]
        self.offer_list = [list(map(int, np.flatnonzero(row))) for row in prob.offers]
        self.offer_set = [set(x) for x in self.offer_list]
        self.NC: list[dict[int, int]] = [dict.fromkeys(ks, 0) for ks in self.need_list]  # covering tablemates
        self.TO: list[list[dict[int, int]]] = [[{} for _ in range(T)] for _ in range(R)]  # offers at a table
        self.SC: list[list[list[dict[int, int]]]] = [[[{} for _ in range(T)] for _ in range(R)] for _ in prob.spread_codes]
        self.codes = [list(map(int, c)) for c in prob.spread_codes]
        self.W = prob.weights
        self.H = prob.met_before
        self.TG = prob.together
        self.has_h = bool(prob.met_before.any())
        self.has_tg = bool(prob.together.any())
        self.needs_w = float(prob.objective.needs)
        self.pairs = 0.0
        self.covered = 0
        self.spread = [0.0 for _ in prob.spread_codes]
        self.repeats = 0

    # ---- totals
    def value(self) -> float:
        """Objective without the repeats term."""
        return self.pairs + self.needs_w * self.covered + sum(self.spread)

    def total(self) -> float:
        return self.value() - self.p.objective.repeat_penalty * self.repeats

    def key(self) -> tuple[int, float]:
        """Smaller is better: any plan without repeats first, then the objective."""
        return (int(self.repeats > 0), -self.total())

    def _repeat_flags(self, i: int, m: np.ndarray, c: np.ndarray, first: int) -> int:
        """Repeats added (first=1) or removed (first=2) when ``i`` joins or leaves ``m`` (pair counts ``c``).

        As in :meth:`Objective.repeats`: a meeting beyond a pair's first, plus every meeting of
        a pair that met before; pairs kept together never count.
        """
        rep = c >= first
        if self.has_tg:
            rep &= ~self.TG[i, m]
        return int(rep.sum()) + (int(self.H[i, m].sum()) if self.has_h else 0)

    # ---- elementary moves (exact)
    def add(self, i: int, r: int, t: int) -> tuple[float, int]:
        """Seat ``i`` at table ``t`` of round ``r``; return (value delta, repeats delta)."""
        mates = self.at[r][t]
        offered = self.TO[r][t]
        dp, dc, dr = 0.0, 0, 0
        if mates:
            m = np.asarray(mates)
            c = self.C[i, m]
            dp = float(self.W[i, m][c == 0].sum())
            dr = self._repeat_flags(i, m, c, 1)
            self.C[i, m] = c + 1
            self.C[m, i] = c + 1
            dc = self._needs_change(i, mates, offered, +1)
        for k in self.offer_list[i]:
            offered[k] = offered.get(k, 0) + 1
        ds = self._spread_change(i, r, t, +1) if self.codes else 0.0
        mates.append(i)
        self.tab[r, i] = t
        self.pairs += dp
        self.covered += dc
        self.repeats += dr
        return dp + self.needs_w * dc + ds, dr

    def remove(self, i: int, r: int) -> tuple[float, int]:
        """Unseat ``i`` in round ``r``; return (value delta, repeats delta)."""
        t = int(self.tab[r, i])
        mates = self.at[r][t]
        mates.remove(i)
        offered = self.TO[r][t]
        for k in self.offer_list[i]:
            offered[k] -= 1
        dp, dc, dr = 0.0, 0, 0
        if mates:
            m = np.asarray(mates)
            c = self.C[i, m]
            dp = -float(self.W[i, m][c == 1].sum())
            dr = -self._repeat_flags(i, m, c, 2)
            self.C[i, m] = c - 1
            self.C[m, i] = c - 1
            dc = self._needs_change(i, mates, offered, -1)
        ds = self._spread_change(i, r, t, -1) if self.codes else 0.0
        self.tab[r, i] = -1
        self.pairs += dp
        self.covered += dc
        self.repeats += dr
        return dp + self.needs_w * dc + ds, dr

    def _needs_change(self, i: int, mates: list[int], offered: dict, sign: int) -> int:
        """Update the need counts when ``i`` joins (``sign=+1``) or leaves (-1) ``mates``; needs covered gained.

        ``offered`` counts the offers at the table without ``i``: they cover ``i``'s needs, and
        ``i``'s offers cover its mates' needs.
        """
        dc = 0
        nc = self.NC[i]
        for k in self.need_list[i]:
            got = offered.get(k, 0)
            if got:
                before = nc[k]
                nc[k] = before + sign * got
                dc += (nc[k] > 0) - (before > 0)
        offs = self.offer_set[i]
        if offs:
            NC = self.NC
            for j in mates:
                ncj = NC[j]
                for k in self.need_list[j]:
                    if k in offs:
                        before = ncj[k]
                        ncj[k] = before + sign
                        dc += (ncj[k] > 0) - (before > 0)
        return int(dc)

    def _spread_change(self, i: int, r: int, t: int, sign: int) -> float:
        """Update the value counts of table ``t``; the change of the spread terms.

        A table's spread is ``max(distinct values - 1, 0)``: it changes only when a value
        appears or disappears at a table that keeps (or had) another value.
        """
        total = 0.0
        for a, codes in enumerate(self.codes):
            v = codes[i]
            if v < 0:
                continue
            counts = self.SC[a][r][t]
            d = len(counts)
            if sign > 0:
                if v in counts:
                    counts[v] += 1
                    continue
                counts[v] = 1
                delta = 1.0 if d >= 1 else 0.0
            else:
                if counts[v] > 1:
                    counts[v] -= 1
                    continue
                del counts[v]
                delta = -1.0 if d >= 2 else 0.0
            delta *= self.p.spread_weights[a]
            self.spread[a] += delta
            total += delta
        return total

    def swap_delta(self, i: int, j: int, r: int) -> tuple[float, int]:
        """(value delta, repeats delta) of swapping ``i`` and ``j`` (other tables of round ``r``), read-only."""
        a, b = int(self.tab[r, i]), int(self.tab[r, j])
        A = [k for k in self.at[r][a] if k != i]
        B = [k for k in self.at[r][b] if k != j]
        la, lb = len(A), len(B)
        rows = np.asarray([i] * (la + lb) + [j] * (la + lb), dtype=np.int64)
        cols = np.asarray(A + B + B + A, dtype=np.int64)
        c = self.C[rows, cols]
        w = self.W[rows, cols]
        leave = np.zeros(len(rows), dtype=bool)
        leave[:la] = True
        leave[la + lb: la + 2 * lb] = True
        dp = float(w[~leave & (c == 0)].sum() - w[leave & (c == 1)].sum())
        rep_add = ~leave & (c >= 1)
        rep_rem = leave & (c >= 2)
        if self.has_tg:
            tg = self.TG[rows, cols]
            rep_add &= ~tg
            rep_rem &= ~tg
        dr = int(rep_add.sum()) - int(rep_rem.sum())
        if self.has_h:
            h = self.H[rows, cols]
            dr += int((h & ~leave).sum()) - int((h & leave).sum())
        dc = 0
        if self.needs_w:
            ta, tb = self.TO[r][a], self.TO[r][b]
            oi, oj = self.offer_set[i], self.offer_set[j]
            for x, ox, here, there, oy in ((i, oi, ta, tb, oj), (j, oj, tb, ta, oi)):
                ncx = self.NC[x]
                for k in self.need_list[x]:
                    old = ncx[k]
                    # x leaves its table (loses its offers but its own) and joins the other (without y)
                    new = old - (here.get(k, 0) - (k in ox)) + (there.get(k, 0) - (k in oy))
                    dc += (new > 0) - (old > 0)
            if oi != oj:
                diff = oi ^ oj
                for mates, sign in ((A, 1), (B, -1)):
                    for m in mates:
                        ncm = self.NC[m]
                        for k in self.need_list[m]:
                            if k in diff:
                                old = ncm[k]
                                new = old + sign * ((k in oj) - (k in oi))
                                dc += (new > 0) - (old > 0)
        ds = 0.0
        for x, codes in enumerate(self.codes):
            vi, vj = codes[i], codes[j]
            if vi == vj:
                continue
            for t, out_, in_ in ((a, vi, vj), (b, vj, vi)):
                counts = self.SC[x][r][t]
                d_old = len(counts)
                d_new = d_old
                if out_ >= 0 and counts[out_] == 1:
                    d_new -= 1
                if in_ >= 0 and in_ not in counts:
                    d_new += 1
                ds += self.p.spread_weights[x] * (max(d_new - 1, 0) - max(d_old - 1, 0))
        return dp + self.needs_w * dc + ds, dr

    def swap(self, i: int, j: int, r: int) -> tuple[float, int]:
        a, b = int(self.tab[r, i]), int(self.tab[r, j])
        v1, r1 = self.remove(i, r)
        v2, r2 = self.remove(j, r)
        v3, r3 = self.add(i, r, b)
        v4, r4 = self.add(j, r, a)
        return v1 + v2 + v3 + v4, r1 + r2 + r3 + r4

    def load(self, tab: np.ndarray) -> None:
        """Replace the seating by ``tab`` (rounds x n), only touching members who move."""
        for r in range(self.p.rounds):
            diff = np.flatnonzero(self.tab[r] != tab[r])
            for i in diff:
                if self.tab[r, i] >= 0:
                    self.remove(int(i), r)
            for i in diff:
                if tab[r, i] >= 0:
                    self.add(int(i), r, int(tab[r, i]))

    def apart_ok(self, i: int, r: int, t: int, leaving: int = -1) -> bool:
        return all(self.tab[r, j] != t or j == leaving for j in self.p.apart[i])


