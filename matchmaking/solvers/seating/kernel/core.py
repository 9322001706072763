"""The compiled seating state (numba): the incremental objective in flat arrays, and its moves.

:class:`matchmaking.solvers.seating.state.SeatingState` is the reference implementation, in Python, of
the same exact incremental terms; this module keeps them in flat arrays so that a move costs
about a microsecond instead of a hundred. Every plan the kernel returns is re-scored by the
Python state (and the tests compare both term by term), so the kernel can only make the
search faster, never the reported objective wrong.

Layout (``n`` members, ``R`` rounds, ``T`` tables, ``K`` need/offer labels, ``A`` spread
attributes with at most ``V`` values):

``Problem`` arrays (constant)
    ``W`` pair values (n x n), ``F`` pair flags (bit 1: met before, bit 2: kept together),
    needs and offers as CSR lists (``nptr, nidx``, ``optr, oidx``) and ``OFF`` (n x K),
    ``codes`` (A x n, -1 for no value), ``sw`` (A) spread weights, apart lists (``aptr, aidx``).
``State`` arrays (mutable)
    ``tab`` (R x n table or -1), ``mem`` (R x T x slots) members of each table with ``size``
    (R x T) and ``pos`` (R x n) index in ``mem``, ``C`` (n x n) meetings per pair, ``NC``
    (n x K) tablemates covering a need, ``TO`` (R x T x K) offers at a table, ``SC``
    (A x R x T x V) value counts, ``D`` (A x R x T) distinct values, ``acc`` = (pair value,
    needs covered, spread value, repeats).

Random numbers come from a xorshift generator whose state is an array the caller owns, so a
run depends only on its seed and its iteration count.
"""

from __future__ import annotations

import numba as nb
import numpy as np

MET, TOGETHER = 1, 2


# ---------------------------------------------------------------------------------------------
# Random numbers: xorshift64*, state in a one-element uint64 array
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True)
def _next(s: np.ndarray) -> np.uint64:
    x = s[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    s[0] = x
    return x * np.uint64(2685821657736338717)


@nb.njit(cache=True)
def rand(s: np.ndarray) -> float:
    return float(_next(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@nb.njit(cache=True)
def randint(s: np.ndarray, k: int) -> int:
    return int(rand(s) * k)


def rng_state(seed: int) -> np.ndarray:
    """A generator state for ``seed`` (splitmix64 of the seed, never zero)."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    z ^= z >> 31
    return np.asarray([z or 1], dtype=np.uint64)


# ---------------------------------------------------------------------------------------------
# Elementary moves: seat i at table t / unseat i; each returns (pairs, covered, spread, repeats) deltas
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, inline="always")
def joins(c, f, w):
    """(pair value, repeats) gained when a pair that met ``c`` times (flags ``f``, value ``w``) meets again.

    The value counts at the first meeting; a meeting beyond the first is a repeat unless the
    pair is kept together, and every meeting of a pair that met before is one.
    """
    dr = 1 if c > 0 and not (f & TOGETHER) else 0
    if f & MET:
        dr += 1
    return (w if c == 0 else 0.0), dr


@nb.njit(cache=True, inline="always")
def leaves(c, f, w):
    """(pair value, repeats) lost when a pair that met ``c >= 1`` times meets once less (see :func:`joins`)."""
    dr = 1 if c > 1 and not (f & TOGETHER) else 0
    if f & MET:
        dr += 1
    return (w if c == 1 else 0.0), dr


@nb.njit(cache=True)
def _account(acc, dp, dc, ds, dr):
    """Add the deltas to the running totals ``acc``; return them."""
    acc[0] += dp
    acc[1] += dc
    acc[2] += ds
    acc[3] += dr
    return dp, dc, ds, dr


@nb.njit(cache=True)
def add(i, r, t, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
        tab, mem, size, pos, C, NC, TO, SC, D, acc):
    dp = 0.0
    dc = 0
    dr = 0
    s = size[r, t]
    for q in range(s):
        m = mem[r, t, q]
        c = C[i, m]
        gp, gr = joins(c, F[i, m], W[i, m])
        dp += gp
        dr += gr
        C[i, m] = c + 1
        C[m, i] = c + 1
        # i's offers cover the needs of m
        for u in range(nptr[m], nptr[m + 1]):
            k = nidx[u]
            if OFF[i, k]:
                if NC[m, k] == 0:
                    dc += 1
                NC[m, k] += 1
    # the table's offers cover i's needs
    for u in range(nptr[i], nptr[i + 1]):
        k = nidx[u]
        got = TO[r, t, k]
        if got:
            if NC[i, k] == 0:
                dc += 1
            NC[i, k] += got
    for u in range(optr[i], optr[i + 1]):
        TO[r, t, oidx[u]] += 1
    ds = 0.0
    for a in range(codes.shape[0]):
        v = codes[a, i]
        if v < 0:
            continue
        if SC[a, r, t, v] == 0:
            if D[a, r, t] >= 1:
                ds += sw[a]
            D[a, r, t] += 1
        SC[a, r, t, v] += 1
    mem[r, t, s] = i
    pos[r, i] = s
    size[r, t] = s + 1
    tab[r, i] = t
    return _account(acc, dp, dc, ds, dr)


@nb.njit(cache=True)
def remove(i, r, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
           tab, mem, size, pos, C, NC, TO, SC, D, acc):
    t = tab[r, i]
    s = size[r, t] - 1
    p = pos[r, i]
    last = mem[r, t, s]
    mem[r, t, p] = last
    pos[r, last] = p
    size[r, t] = s
    tab[r, i] = -1
    pos[r, i] = -1
    for u in range(optr[i], optr[i + 1]):
        TO[r, t, oidx[u]] -= 1
    dp = 0.0
    dc = 0
    dr = 0
    for q in range(s):
        m = mem[r, t, q]
        c = C[i, m]
        lp, lr = leaves(c, F[i, m], W[i, m])
        dp -= lp
        dr -= lr
        C[i, m] = c - 1
        C[m, i] = c - 1
        for u in range(nptr[m], nptr[m + 1]):
            k = nidx[u]
            if OFF[i, k]:
                NC[m, k] -= 1
                if NC[m, k] == 0:
                    dc -= 1
    for u in range(nptr[i], nptr[i + 1]):
        k = nidx[u]
        got = TO[r, t, k]
        if got:
            NC[i, k] -= got
            if NC[i, k] == 0:
                dc -= 1
    ds = 0.0
    for a in range(codes.shape[0]):
        v = codes[a, i]
        if v < 0:
            continue
        SC[a, r, t, v] -= 1
        if SC[a, r, t, v] == 0:
            D[a, r, t] -= 1
            if D[a, r, t] >= 1:
                ds -= sw[a]
    return _account(acc, dp, dc, ds, dr)


@nb.njit(cache=True)
def relocate(k, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
              tab, mem, size, pos, C, NC, TO, SC, D, acc, r, needs_w, reverse):
    """Make the ``k`` relocations (member ``mi[q]`` to table ``mt[q]``) in round ``r``; (value, repeats) delta.

    ``mt`` is overwritten with the tables the members left, so that calling again with
    ``reverse`` (the relocations in reverse order) undoes the move.
    """
    dv = 0.0
    dr = 0
    for z in range(k):
        q = k - 1 - z if reverse else z
        i = mi[q]
        old = tab[r, i]
        a1, b1, c1, d1 = remove(i, r, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                                tab, mem, size, pos, C, NC, TO, SC, D, acc)
        a2, b2, c2, d2 = add(i, r, mt[q], W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                             tab, mem, size, pos, C, NC, TO, SC, D, acc)
        mt[q] = old
        dv += a1 + a2 + needs_w * (b1 + b2) + c1 + c2
        dr += d1 + d2
    return dv, dr


@nb.njit(cache=True)
def apart_ok(i, r, t, tab, aptr, aidx, leaving, n_leaving):
    for u in range(aptr[i], aptr[i + 1]):
        j = aidx[u]
        if tab[r, j] == t:
            gone = False
            for q in range(n_leaving):
                if leaving[q] == j:
                    gone = True
            if not gone:
                return False
    return True


@nb.njit(cache=True)
def swap_ok(x, y, r, tab, aptr, aidx, leaving):
    """Whether swapping ``x`` and ``y`` (round ``r``) keeps every apart request (``leaving``: scratch, 2+)."""
    leaving[0] = x
    leaving[1] = y
    return (apart_ok(x, r, tab[r, y], tab, aptr, aidx, leaving, 2)
            and apart_ok(y, r, tab[r, x], tab, aptr, aidx, leaving, 2))


@nb.njit(cache=True)
def swap_delta(i, j, r, W, F, nptr, nidx, optr, oidx, OFF, codes, sw, tab, mem, size, C, NC, TO, SC, D):
    """(pairs, covered, spread, repeats) deltas of swapping ``i`` and ``j`` (other tables of round ``r``), read-only."""
    a = tab[r, i]
    b = tab[r, j]
    dp = 0.0
    dr = 0
    for side in range(2):
        t, out_, in_ = (a, i, j) if side == 0 else (b, j, i)
        for q in range(size[r, t]):
            m = mem[r, t, q]
            if m == out_:
                continue
            lp, lr = leaves(C[out_, m], F[out_, m], W[out_, m])  # out_ leaves m
            gp, gr = joins(C[in_, m], F[in_, m], W[in_, m])  # in_ joins m
            dp += gp - lp
            dr += gr - lr
    dc, ds = swap_rest(i, j, r, nptr, nidx, OFF, codes, sw, tab, mem, size, NC, TO, SC, D, True)
    return dp, dc, ds, dr


@nb.njit(cache=True)
def swap_rest(i, j, r, nptr, nidx, OFF, codes, sw, tab, mem, size, NC, TO, SC, D, mates):
    """(covered, spread) deltas of swapping ``i`` and ``j`` (other tables of round ``r``), read-only.

    Without ``mates`` the needs of the two tables' other members are left out (the gain table
    counts them, :func:`.gains.swap_mates`).
    """
    a = tab[r, i]
    b = tab[r, j]
    dc = 0
    if nptr[-1] > 0:
        for side in range(2):
            x, y, here, there = (i, j, a, b) if side == 0 else (j, i, b, a)
            for u in range(nptr[x], nptr[x + 1]):
                k = nidx[u]
                old = NC[x, k]
                new = old - (TO[r, here, k] - OFF[x, k]) + (TO[r, there, k] - OFF[y, k])
                dc += (new > 0) - (old > 0)
        for side in range(2 if mates else 0):
            t, out_, sign = (a, i, 1) if side == 0 else (b, j, -1)
            for q in range(size[r, t]):
                m = mem[r, t, q]
                if m == out_:
                    continue
                for u in range(nptr[m], nptr[m + 1]):
                    k = nidx[u]
                    change = sign * (OFF[j, k] - OFF[i, k])  # a's mates lose i's offer, gain j's
                    if change != 0:
                        old = NC[m, k]
                        dc += (old + change > 0) - (old > 0)
    ds = 0.0
    for x in range(codes.shape[0]):
        vi = codes[x, i]
        vj = codes[x, j]
        if vi == vj:
            continue
        for side in range(2):
            t, out_, in_ = (a, vi, vj) if side == 0 else (b, vj, vi)
            d_old = D[x, r, t]
            d_new = d_old
            if out_ >= 0 and SC[x, r, t, out_] == 1:
                d_new -= 1
            if in_ >= 0 and SC[x, r, t, in_] == 0:
                d_new += 1
            ds += sw[x] * (max(d_new - 1, 0) - max(d_old - 1, 0))
    return dc, ds


# ---------------------------------------------------------------------------------------------
# Python side: build the arrays, run chunks
# ---------------------------------------------------------------------------------------------
def csr(rows: list) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(x) for x in rows])
    idx = np.asarray([int(v) for x in rows for v in x], dtype=np.int64)
    return ptr, idx


class Kernel:
    """The compiled state of a seating problem (see the module docstring), loaded from a plan."""

    def __init__(self, prob, tab: np.ndarray) -> None:
        n, R, T = prob.n, prob.rounds, prob.n_tables
        self.prob = prob
        self.needs_w = float(prob.objective.needs)
        self.penalty = float(prob.objective.repeat_penalty)
        self.W = np.ascontiguousarray(prob.weights, dtype=np.float64)
        F = np.zeros((n, n), dtype=np.uint8)
        F[prob.met_before] |= MET
        F[prob.together] |= TOGETHER
        self.F = F
        K = max(prob.needs.shape[1], prob.offers.shape[1], 1)
        self.nptr, self.nidx = csr([np.flatnonzero(row) for row in prob.needs] if self.needs_w else [[]] * n)
        self.optr, self.oidx = csr([np.flatnonzero(row) for row in prob.offers] if self.needs_w else [[]] * n)
        self.OFF = np.zeros((n, K), dtype=np.uint8)
        if self.needs_w and prob.offers.shape[1]:
            self.OFF[:, : prob.offers.shape[1]] = prob.offers
        A = len(prob.spread_codes)
        self.codes = (np.stack([np.asarray(c, dtype=np.int64) for c in prob.spread_codes]) if A
                      else np.zeros((0, n), dtype=np.int64))
        self.sw = np.asarray(prob.spread_weights, dtype=np.float64).reshape(A)
        V = int(self.codes.max(initial=-1)) + 1 if A else 1
        self.aptr, self.aidx = csr([sorted(s) for s in prob.apart])
        group = max((len(b) for b in prob.blocks), default=1)
        slots = int(prob.capacities.max(initial=1)) + 2 * group + 2
        self.tab = np.full((R, n), -1, dtype=np.int64)
        self.mem = np.full((R, T, slots), -1, dtype=np.int64)
        self.size = np.zeros((R, T), dtype=np.int64)
        self.pos = np.full((R, n), -1, dtype=np.int64)
        self.C = np.zeros((n, n), dtype=np.int16)
        self.NC = np.zeros((n, K), dtype=np.int32)
        self.TO = np.zeros((R, T, K), dtype=np.int32)
        self.SC = np.zeros((A, R, T, max(V, 1)), dtype=np.int32)
        self.D = np.zeros((A, R, T), dtype=np.int32)
        self.acc = np.zeros(4, dtype=np.float64)
        self.load(tab)

    def consts(self) -> tuple:
        return (self.W, self.F, self.nptr, self.nidx, self.optr, self.oidx, self.OFF, self.codes, self.sw)

    def state(self) -> tuple:
        return (self.tab, self.mem, self.size, self.pos, self.C, self.NC, self.TO, self.SC, self.D, self.acc)

    def load(self, tab: np.ndarray) -> None:
        """Make the seating ``tab`` (rounds x n, -1 absent) current, moving only who differs."""
        load_tab(tab.astype(np.int64), *self.consts(), *self.state())

    def total(self) -> float:
        return float(self.acc[0] + self.needs_w * self.acc[1] + self.acc[2] - self.penalty * self.acc[3])

    @property
    def repeats(self) -> int:
        return int(round(self.acc[3]))


@nb.njit(cache=True)
def load_tab(new, W, F, nptr, nidx, optr, oidx, OFF, codes, sw, tab, mem, size, pos, C, NC, TO, SC, D, acc):
    R, n = new.shape
    for r in range(R):
        for i in range(n):
            if tab[r, i] >= 0 and tab[r, i] != new[r, i]:
                remove(i, r, W, F, nptr, nidx, optr, oidx, OFF, codes, sw, tab, mem, size, pos, C, NC, TO, SC, D, acc)
        for i in range(n):
            if new[r, i] >= 0 and tab[r, i] != new[r, i]:
                add(i, r, new[r, i], W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                    tab, mem, size, pos, C, NC, TO, SC, D, acc)


