"""The search state of one block: labels plus every count the exact move evaluation needs."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from matchmaking.solvers.cohorts.blocks import Block


class State:
    """Labels plus every count the exact move evaluation needs."""

    def __init__(self, b: Block, labels: np.ndarray) -> None:
        self.b = b
        self.penalty = b.params.penalty
        n, k = len(b.members), b.k
        self.lab = labels.astype(np.int64).copy()
        Z = sp.csr_matrix((np.ones(n), (np.arange(n), self.lab)), shape=(n, k))
        self.S = np.asarray((b.W @ Z).todense(), dtype=np.float64)
        self.size = np.bincount(self.lab, minlength=k).astype(np.int64)
        both = b.offers & b.needs
        offered = np.zeros((k, b.offers.shape[1]), dtype=np.int64)
        needed = np.zeros_like(offered)
        needed_offered = np.zeros_like(offered)
        np.add.at(offered, self.lab, b.offers)
        np.add.at(needed, self.lab, b.needs)
        np.add.at(needed_offered, self.lab, both)
        # python lists: fast scalar access in the move evaluation
        self.O, self.N, self.NO = offered.tolist(), needed.tolist(), needed_offered.tolist()
        self.off_list, self.need_list, self.both_list = (_row_lists(x) for x in (b.offers, b.needs, both))
        self.profd = []
        for o, nd, bo in zip(self.off_list, self.need_list, self.both_list, strict=True):
            so, sn, sb = set(o), set(nd), set(bo)
            self.profd.append({sk: (int(sk in so), int(sk in sn), int(sk in sb)) for sk in sorted(so | sn)})
        self.prof = [[(sk, *v) for sk, v in p.items()] for p in self.profd]
        self.cat: list[tuple[np.ndarray, np.ndarray, float, str]] = []  # codes, counts (k x V), weight, kind
        for codes, w in b.spread:
            self.cat.append((codes, value_counts(codes, self.lab, k), w, "spread"))
        for codes in b.protect:
            self.cat.append((codes, value_counts(codes, self.lab, k), b.params.penalty, "protect"))
        self.leads = np.bincount(self.lab, weights=b.lead.astype(float), minlength=k).astype(np.int64)
        total = int(b.lead.sum())
        self.lead_lo, self.lead_hi = total // k, -(-total // k)
        self.bal = [(x, w, np.bincount(self.lab, weights=x, minlength=k)) for x, w in b.balance]
        self.partners: dict[int, list[tuple[int, int]]] = {}
        for sign, pairs in ((1, b.together), (-1, b.apart)):
            for x, y in pairs:
                self.partners.setdefault(x, []).append((y, sign))
                self.partners.setdefault(y, []).append((x, sign))
        self.moved = 0
        if b.home is not None:
            self.moved = int(((b.home >= 0) & (self.lab != b.home)).sum())

    # -------------------------------------------------------------- evaluation
    def delta(self, i: int, t: int, j: int = -1, wij: float = 0.0) -> float | None:
        """Exact change of the search score when ``i`` moves to cohort ``t`` (and ``j``, if given,
        moves from ``t`` to ``i``'s cohort: a swap, ``wij`` their affinity); None if not allowed."""
        b = self.b
        f = int(self.lab[i])
        swap = j >= 0
        S = self.S
        d = S[i, t] - S[i, f]
        if swap:
            d += S[j, f] - S[j, t] - 2.0 * wij
        else:
            if self.size[f] - 1 < b.lo or self.size[t] + 1 > b.hi:
                return None
        if b.home is not None and b.budget is not None:
            home = b.home
            moved = self.moved
            hi_, hj = int(home[i]), (int(home[j]) if swap else -1)
            if hi_ >= 0:
                moved += int(t != hi_) - int(f != hi_)
            if hj >= 0:
                moved += int(f != hj) - int(t != hj)
            if moved > b.budget:
                return None
        # needs covered: only the skills of the moving members change
        if b.needs_weight:
            d += b.needs_weight * self._needs_delta(i, f, t, j)
        # categorical: spread (distinct values) and protect (singletons)
        for codes, counts, w, kind in self.cat:
            v = codes[i]
            u = codes[j] if swap else -1
            if v == u:
                continue
            ch = []
            if v >= 0:
                ch += [(f, v, -1), (t, v, 1)]
            if u >= 0:
                ch += [(t, u, -1), (f, u, 1)]
            for c, val, dc in ch:
                x = int(counts[c, val])
                if kind == "spread":
                    d += w * ((x + dc > 0) - (x > 0))
                else:
                    d -= w * ((x + dc == 1) - (x == 1))
        # leads
        dlead = int(b.lead[i]) - (int(b.lead[j]) if swap else 0)
        if dlead:
            lf, lt = int(self.leads[f]), int(self.leads[t])
            d -= self.penalty * (self._lead_pen(lf - dlead) + self._lead_pen(lt + dlead)
                            - self._lead_pen(lf) - self._lead_pen(lt))
        # balance: |mean| of standardised values per cohort
        if self.bal:
            nf, nt = int(self.size[f]), int(self.size[t])
            nf1, nt1 = (nf, nt) if swap else (nf - 1, nt + 1)
            for x, w, sums in self.bal:
                dx = x[i] - (x[j] if swap else 0.0)
                sf, st_ = sums[f], sums[t]
                d -= w * (abs(sf - dx) / max(nf1, 1) + abs(st_ + dx) / max(nt1, 1)
                          - abs(sf) / max(nf, 1) - abs(st_) / max(nt, 1))
        # together / apart
        if self.partners:
            new = {i: t, j: f} if swap else {i: t}
            for m, src, dst in ((i, f, t), (j, t, f)) if swap else ((i, f, t),):
                for p, sign in self.partners.get(m, ()):
                    if p in new and p < m:
                        continue  # counted once
                    lp_old, lp_new = int(self.lab[p]), new.get(p, int(self.lab[p]))
                    same_old, same_new = src == lp_old, dst == lp_new
                    bad_old = (not same_old) if sign > 0 else same_old
                    bad_new = (not same_new) if sign > 0 else same_new
                    d -= self.penalty * (bad_new - bad_old)
        return float(d)

    def _needs_delta(self, i: int, f: int, t: int, j: int) -> int:
        """Change in (member, need) couples covered inside cohorts ``f`` and ``t``."""
        if j < 0:
            items = self.prof[i]
        else:
            acc = dict(self.profd[i])
            for sk, (o, n, no) in self.profd[j].items():
                o0, n0, no0 = acc.get(sk, (0, 0, 0))
                acc[sk] = (o0 - o, n0 - n, no0 - no)
            items = [(sk, o, n, no) for sk, (o, n, no) in acc.items() if o or n or no]
        Of, Nf, NOf, Ot, Nt, NOt = self.O[f], self.N[f], self.NO[f], self.O[t], self.N[t], self.NO[t]
        out = 0
        for sk, o, n, no in items:
            a, b, c = Of[sk], Nf[sk], NOf[sk]
            out -= b if a >= 2 else (b - c if a == 1 else 0)
            a, b, c = a - o, b - n, c - no
            out += b if a >= 2 else (b - c if a == 1 else 0)
            a, b, c = Ot[sk], Nt[sk], NOt[sk]
            out -= b if a >= 2 else (b - c if a == 1 else 0)
            a, b, c = a + o, b + n, c + no
            out += b if a >= 2 else (b - c if a == 1 else 0)
        return out

    def w(self, i: int, j: int) -> float:
        """Affinity of ``i`` and ``j`` (a look-up in ``i``'s sparse row)."""
        W = self.b.W
        lo, hi = W.indptr[i], W.indptr[i + 1]
        hit = np.flatnonzero(W.indices[lo:hi] == j)
        return float(W.data[lo + hit[0]]) if len(hit) else 0.0

    def _lead_pen(self, x: int) -> int:
        return max(0, x - self.lead_hi) + max(0, self.lead_lo - x)

    def apply(self, i: int, t: int, j: int = -1) -> None:
        """Move ``i`` to cohort ``t`` (swapping with ``j`` when given)."""
        f = int(self.lab[i])
        self._move(i, f, t)
        if j >= 0:
            self._move(j, t, f)

    def _move(self, i: int, f: int, t: int) -> None:
        b = self.b
        W = b.W
        lo, hi = W.indptr[i], W.indptr[i + 1]
        cols, vals = W.indices[lo:hi], W.data[lo:hi]
        self.S[cols, f] -= vals
        self.S[cols, t] += vals
        self.size[f] -= 1
        self.size[t] += 1
        for M, lst in ((self.O, self.off_list), (self.N, self.need_list), (self.NO, self.both_list)):
            for sk in lst[i]:
                M[f][sk] -= 1
                M[t][sk] += 1
        for codes, counts, _, _ in self.cat:
            if codes[i] >= 0:
                counts[f, codes[i]] -= 1
                counts[t, codes[i]] += 1
        if b.lead[i]:
            self.leads[f] -= 1
            self.leads[t] += 1
        for x, _, sums in self.bal:
            sums[f] -= x[i]
            sums[t] += x[i]
        if b.home is not None and b.home[i] >= 0:
            h = int(b.home[i])
            self.moved += int(t != h) - int(f != h)
        self.lab[i] = t

    def value(self) -> float:
        """The block's objective at these labels (pairs, needs covered, spread; no balance), from the counts."""
        b = self.b
        out = 0.5 * float(self.S[np.arange(len(self.lab)), self.lab].sum())
        if b.needs_weight and b.offers.shape[1]:
            off, need, both = np.asarray(self.O), np.asarray(self.N), np.asarray(self.NO)
            out += b.needs_weight * float(np.where(off >= 2, need, np.where(off == 1, need - both, 0)).sum())
        for _, counts, w, kind in self.cat:
            if kind == "spread":
                out += w * float(np.clip((counts > 0).sum(axis=1) - 1, 0, None).sum())
        return out

    def violations(self) -> np.ndarray:
        """Members involved in a hard-rule violation."""
        b = self.b
        bad = np.zeros(len(self.lab), dtype=bool)
        for codes, counts, _, kind in self.cat:
            if kind == "protect":
                ok = codes >= 0
                bad[ok] |= counts[self.lab[ok], codes[ok]] == 1
        pen = np.asarray([self._lead_pen(x) for x in self.leads]) > 0
        bad |= pen[self.lab] & (b.lead | (self.leads[self.lab] < self.lead_lo))
        for x, y in b.together:
            if self.lab[x] != self.lab[y]:
                bad[[x, y]] = True
        for x, y in b.apart:
            if self.lab[x] == self.lab[y]:
                bad[[x, y]] = True
        return np.flatnonzero(bad)


def value_counts(codes: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Members of each cohort (rows) with each value (columns) of an attribute's codes."""
    v = int(codes.max()) + 1 if len(codes) and codes.max() >= 0 else 1
    out = np.zeros((k, v), dtype=np.int64)
    ok = codes >= 0
    np.add.at(out, (labels[ok], codes[ok]), 1)
    return out


def _row_lists(matrix: np.ndarray) -> list[list[int]]:
    """The column positions of the nonzero entries of each row, ascending, as Python lists."""
    csr = sp.csr_matrix(matrix)
    idx, ptr = csr.indices.tolist(), csr.indptr.tolist()
    return [idx[ptr[r]:ptr[r + 1]] for r in range(len(ptr) - 1)]
