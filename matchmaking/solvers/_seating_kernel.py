"""Compiled core of the seating search: the incremental objective and simulated annealing (numba).

:class:`matchmaking.solvers.seating._State` is the reference implementation, in Python, of
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

import math

import numba as nb
import numpy as np

_MET, _TOGETHER = 1, 2


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
def _rand(s: np.ndarray) -> float:
    return float(_next(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@nb.njit(cache=True)
def _randint(s: np.ndarray, k: int) -> int:
    return int(_rand(s) * k)


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
        f = F[i, m]
        if c == 0:
            dp += W[i, m]
        elif not (f & _TOGETHER):
            dr += 1
        if f & _MET:
            dr += 1
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
        f = F[i, m]
        if c == 1:
            dp -= W[i, m]
        elif not (f & _TOGETHER):
            dr -= 1
        if f & _MET:
            dr -= 1
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
def _relocate(k, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
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
def _apart_ok(i, r, t, tab, aptr, aidx, leaving, n_leaving):
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
def _swap_ok(x, y, r, tab, aptr, aidx, leaving):
    """Whether swapping ``x`` and ``y`` (round ``r``) keeps every apart request (``leaving``: scratch, 2+)."""
    leaving[0] = x
    leaving[1] = y
    return (_apart_ok(x, r, tab[r, y], tab, aptr, aidx, leaving, 2)
            and _apart_ok(y, r, tab[r, x], tab, aptr, aidx, leaving, 2))


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
            c = C[out_, m]  # out_ leaves m
            f = F[out_, m]
            if c == 1:
                dp -= W[out_, m]
            elif not (f & _TOGETHER):
                dr -= 1
            if f & _MET:
                dr -= 1
            c = C[in_, m]  # in_ joins m
            f = F[in_, m]
            if c == 0:
                dp += W[in_, m]
            elif not (f & _TOGETHER):
                dr += 1
            if f & _MET:
                dr += 1
    dc = 0
    if nptr[-1] > 0:
        for side in range(2):
            x, y, here, there = (i, j, a, b) if side == 0 else (j, i, b, a)
            for u in range(nptr[x], nptr[x + 1]):
                k = nidx[u]
                old = NC[x, k]
                new = old - (TO[r, here, k] - OFF[x, k]) + (TO[r, there, k] - OFF[y, k])
                dc += (new > 0) - (old > 0)
        for side in range(2):
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
    return dp, dc, ds, dr


# ---------------------------------------------------------------------------------------------
# Simulated annealing, one chunk of iterations
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True)
def anneal(n_iter, t_from, t_to, lam, guide, p_move, p_group, penalty, needs_w,
           W, F, nptr, nidx, optr, oidx, OFF, codes, sw, aptr, aidx,
           tab, mem, size, pos, C, NC, TO, SC, D, acc,
           slot_r, slot_i, free, partners, lo, hi, grp_r, grp_ptr, grp_idx,
           best_tab, best, rng, probe):
    """Run ``n_iter`` proposals at a temperature cooling geometrically from ``t_from`` to ``t_to``.

    Proposals: a member of a random slot ``(round, member)`` goes to another table (with
    probability ``guide`` the table of one of its best ``partners``) by a swap with a free
    member there, or (probability ``p_move``) by a move when sizes stay within ``lo`` and
    ``hi``; with probability ``p_group`` a together-group swaps with as many free members of
    another table. Metropolis acceptance on ``value - lam * repeats``. ``best`` = (has repeats,
    best total, current is the best, its repeats); ``best_tab`` holds the best plan when the
    chunk returns. Returns the number of accepted proposals.

    With a non-empty ``probe`` array nothing is accepted: the absolute value changes of the
    first proposals that leave the repeats unchanged are written there (to set the
    temperature), and the count written is returned.
    """
    n_slots = slot_r.shape[0]
    n_groups = grp_r.shape[0]
    T = size.shape[1]
    P = partners.shape[1]
    mi = np.empty(64, dtype=np.int64)
    mt = np.empty(64, dtype=np.int64)
    leaving = np.empty(64, dtype=np.int64)
    pick = np.empty(mem.shape[2], dtype=np.int64)
    accepted = 0
    temp = t_from
    ratio = t_to / t_from if t_from > 0 else 1.0
    if n_slots == 0 and n_groups == 0:
        return 0
    for it in range(n_iter):
        if it % 64 == 0 and n_iter > 0:
            temp = t_from * ratio ** (it / n_iter)
        k = 0
        if n_groups > 0 and (n_slots == 0 or _rand(rng) < p_group):
            g = _randint(rng, n_groups)
            r = grp_r[g]
            i0 = grp_idx[grp_ptr[g]]
            a = tab[r, i0]
            b = _randint(rng, T)
            if b == a or size[r, b] == 0:
                continue
            s = grp_ptr[g + 1] - grp_ptr[g]
            nf = 0
            for q in range(size[r, b]):
                j = mem[r, b, q]
                if free[r, j]:
                    pick[nf] = j
                    nf += 1
            if nf < s:
                continue
            for q in range(s):  # partial Fisher-Yates: s distinct free members of table b
                z = q + _randint(rng, nf - q)
                pick[q], pick[z] = pick[z], pick[q]
            for q in range(s):
                mi[k] = grp_idx[grp_ptr[g] + q]
                mt[k] = b
                leaving[k] = mi[k]
                k += 1
            for q in range(s):
                mi[k] = pick[q]
                mt[k] = a
                leaving[k] = pick[q]
                k += 1
            ok = True
            for q in range(k):
                if not _apart_ok(mi[q], r, mt[q], tab, aptr, aidx, leaving, k):
                    ok = False
                    break
            if not ok:
                continue
        else:
            z = _randint(rng, n_slots)
            r = slot_r[z]
            i = slot_i[z]
            a = tab[r, i]
            if P > 0 and _rand(rng) < guide:
                b = tab[r, partners[i, _randint(rng, P)]]
                if b < 0:
                    continue
            else:
                b = _randint(rng, T)
            if b == a or size[r, b] == 0:
                continue
            if _rand(rng) < p_move and size[r, a] - 1 >= lo[r] and size[r, b] < hi[r, b]:
                if not _apart_ok(i, r, b, tab, aptr, aidx, leaving, 0):
                    continue
                mi[0] = i
                mt[0] = b
                k = 1
            else:
                j = mem[r, b, _randint(rng, size[r, b])]
                if not free[r, j]:
                    continue
                if not _swap_ok(i, j, r, tab, aptr, aidx, leaving):
                    continue
                mi[0] = i
                mt[0] = b
                mi[1] = j
                mt[1] = a
                k = 2
        if k == 2 and mt[0] == tab[r, mi[1]] and mt[1] == tab[r, mi[0]]:  # a swap: evaluated read-only
            p1, c1, s1, r1 = swap_delta(mi[0], mi[1], r, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                                        tab, mem, size, C, NC, TO, SC, D)
            dv = p1 + needs_w * c1 + s1
            dr = r1
        else:  # evaluated by making it and undoing it at once
            dv, dr = _relocate(k, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                               tab, mem, size, pos, C, NC, TO, SC, D, acc, r, needs_w, False)
            _relocate(k, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                      tab, mem, size, pos, C, NC, TO, SC, D, acc, r, needs_w, True)
        if probe.shape[0] > 0:
            if dr == 0 and dv != 0 and accepted < probe.shape[0]:
                probe[accepted] = abs(dv)
                accepted += 1
            continue
        d = dv - lam * dr
        if d < 0 and _rand(rng) >= math.exp(d / temp):
            continue
        accepted += 1
        reps = acc[3] + dr
        total = acc[0] + needs_w * acc[1] + acc[2] - penalty * acc[3] + dv - penalty * dr
        rep = 1.0 if reps > 0 else 0.0
        better = rep < best[0] or (rep == best[0] and total > best[1] + 1e-9)
        if not better and best[2] == 1.0:  # leaving the best plan: save it first
            best_tab[:, :] = tab
            best[2] = 0.0
        _relocate(k, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                  tab, mem, size, pos, C, NC, TO, SC, D, acc, r, needs_w, False)
        if better:
            best[0] = rep
            best[1] = total
            best[2] = 1.0
            best[3] = reps
    if best[2] == 1.0:
        best_tab[:, :] = tab
        best[2] = 0.0
    return accepted


# ---------------------------------------------------------------------------------------------
# Python side: build the arrays, run chunks
# ---------------------------------------------------------------------------------------------
def _csr(rows: list) -> tuple[np.ndarray, np.ndarray]:
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
        F[prob.met_before] |= _MET
        F[prob.together] |= _TOGETHER
        self.F = F
        K = max(prob.needs.shape[1], prob.offers.shape[1], 1)
        self.nptr, self.nidx = _csr([np.flatnonzero(row) for row in prob.needs] if self.needs_w else [[]] * n)
        self.optr, self.oidx = _csr([np.flatnonzero(row) for row in prob.offers] if self.needs_w else [[]] * n)
        self.OFF = np.zeros((n, K), dtype=np.uint8)
        if self.needs_w and prob.offers.shape[1]:
            self.OFF[:, : prob.offers.shape[1]] = prob.offers
        A = len(prob.spread_codes)
        self.codes = (np.stack([np.asarray(c, dtype=np.int64) for c in prob.spread_codes]) if A
                      else np.zeros((0, n), dtype=np.int64))
        self.sw = np.asarray(prob.spread_weights, dtype=np.float64).reshape(A)
        V = int(self.codes.max(initial=-1)) + 1 if A else 1
        self.aptr, self.aidx = _csr([sorted(s) for s in prob.apart])
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

    def _consts(self) -> tuple:
        return (self.W, self.F, self.nptr, self.nidx, self.optr, self.oidx, self.OFF, self.codes, self.sw)

    def _state(self) -> tuple:
        return (self.tab, self.mem, self.size, self.pos, self.C, self.NC, self.TO, self.SC, self.D, self.acc)

    def load(self, tab: np.ndarray) -> None:
        """Make the seating ``tab`` (rounds x n, -1 absent) current, moving only who differs."""
        _load(tab.astype(np.int64), *self._consts(), *self._state())

    def total(self) -> float:
        return float(self.acc[0] + self.needs_w * self.acc[1] + self.acc[2] - self.penalty * self.acc[3])

    @property
    def repeats(self) -> int:
        return int(round(self.acc[3]))


@nb.njit(cache=True)
def _load(new, W, F, nptr, nidx, optr, oidx, OFF, codes, sw, tab, mem, size, pos, C, NC, TO, SC, D, acc):
    R, n = new.shape
    for r in range(R):
        for i in range(n):
            if tab[r, i] >= 0 and tab[r, i] != new[r, i]:
                remove(i, r, W, F, nptr, nidx, optr, oidx, OFF, codes, sw, tab, mem, size, pos, C, NC, TO, SC, D, acc)
        for i in range(n):
            if new[r, i] >= 0 and tab[r, i] != new[r, i]:
                add(i, r, new[r, i], W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                    tab, mem, size, pos, C, NC, TO, SC, D, acc)


def search_arrays(prob, rounds: list[int], movable: np.ndarray, partners: np.ndarray | None) -> dict:
    """The proposal tables of :func:`anneal` for the free ``rounds`` (``movable``: rounds x n free singletons)."""
    R, n = prob.rounds, prob.n
    free = np.zeros((R, n), dtype=np.uint8)
    for r in rounds:
        free[r] = movable[r]
    slot_r, slot_i = np.nonzero(free)
    grp_r, grp_members = [], []
    for r in rounds:
        for blk in prob.blocks:
            who = [i for i in blk if prob.attend[r, i] and prob.fixed[r, i] < 0]
            if len(blk) > 1 and 0 < len(who) <= 32:  # bigger groups stay put (CP-SAT re-solves move them)
                grp_r.append(r)
                grp_members.append(who)
    grp_ptr, grp_idx = _csr(grp_members)
    lo = np.zeros(R, dtype=np.int64)
    hi = np.zeros((R, prob.n_tables), dtype=np.int64)
    for r in rounds:  # moves keep tables within one seat of their balanced size
        tg = prob.targets[r]
        lo[r] = max(prob.min_size, 1, int(tg[tg > 0].min(initial=n)) - 1)
        hi[r] = np.minimum(prob.capacities, tg + 1)
    if partners is None:
        partners = np.zeros((n, 0), dtype=np.int64)
    return {"slot_r": slot_r.astype(np.int64), "slot_i": slot_i.astype(np.int64), "free": free,
            "partners": np.ascontiguousarray(partners, dtype=np.int64), "lo": lo, "hi": hi,
            "grp_r": np.asarray(grp_r, dtype=np.int64), "grp_ptr": grp_ptr, "grp_idx": grp_idx}


def run_anneal(kern: Kernel, arrays: dict, rng: np.ndarray, *, n_iter: int, t_from: float, t_to: float,
               lam: float, guide: float, best_tab: np.ndarray, best: np.ndarray,
               p_move: float = 0.1, p_group: float = 0.1, probe: np.ndarray | None = None) -> int:
    """One chunk of :func:`anneal` on ``kern`` (see there); returns the accepted proposals."""
    a = arrays
    # the kernel does not check bounds: check what it writes to
    if best.shape != (4,) or best_tab.shape != kern.tab.shape or best_tab.dtype != np.int64 or rng.shape != (1,):
        raise ValueError("best must have 4 entries, best_tab the kernel's shape and int64 type, rng one state")
    if len(a["grp_ptr"]) > 1 and int(np.diff(a["grp_ptr"]).max()) > 32:
        raise ValueError("together-groups of more than 32 members cannot move in the kernel")
    return anneal(int(n_iter), float(t_from), float(t_to), float(lam), float(guide), float(p_move),
                  float(p_group), kern.penalty, kern.needs_w, *kern._consts(), kern.aptr, kern.aidx, *kern._state(),
                  a["slot_r"], a["slot_i"], a["free"], a["partners"], a["lo"], a["hi"], a["grp_r"], a["grp_ptr"],
                  a["grp_idx"], best_tab, best, rng, np.zeros(0) if probe is None else probe)


# ---------------------------------------------------------------------------------------------
# Tabu search on repeats (social-golfer style)
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True)
def _repeats_with(x, r, t, skip, F, mem, size, C, first):
    """Repeats of ``x`` with the members of table ``t`` (round ``r``) but ``skip``: meetings counted from ``first``."""
    out = 0
    for q in range(size[r, t]):
        m = mem[r, t, q]
        if m == x or m == skip:  # noqa: SIM109  (plain comparisons compile simplest)
            continue
        f = F[x, m]
        if C[x, m] >= first and not (f & _TOGETHER):
            out += 1
        if f & _MET:
            out += 1
    return out


@nb.njit(cache=True)
def _swap(x, y, r, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw, tab, mem, size, pos, C, NC, TO, SC, D, acc):
    """Swap ``x`` and ``y`` (other tables of round ``r``); ``mi``, ``mt``: scratch of 2+."""
    mi[0] = x
    mt[0] = tab[r, y]
    mi[1] = y
    mt[1] = tab[r, x]
    _relocate(2, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
              tab, mem, size, pos, C, NC, TO, SC, D, acc, r, 0.0, False)


@nb.njit(cache=True)
def tabu(n_iter, rounds, W, F, nptr, nidx, optr, oidx, OFF, codes, sw, aptr, aidx,
         tab, mem, size, pos, C, NC, TO, SC, D, acc, free, best_tab, rng, tenure, stall_limit, tabu_until, info):
    """Remove repeats by swaps: the conflict-directed tabu search of Dotú and Van Hentenryck.

    Every iteration evaluates every swap, in every round of ``rounds``, of a free member who
    repeats at their table with a free member of another table, and makes the best swap that
    is not tabu (a member may not return to a table it left for ``tenure`` plus a random
    0-11 iterations) unless it beats the best plan found (aspiration); ties are broken at
    random. After ``stall_limit`` iterations without a new best, the search restarts from the
    best plan after a few random swaps. Stops at zero repeats or after ``n_iter`` iterations.
    The search goes on across calls: ``tabu_until`` (rounds x n x tables) and ``info`` =
    (iteration, iterations since the best, fewest repeats) carry it, ``best_tab`` holds the
    plan with the fewest repeats. Returns the iterations made.
    """
    n = tab.shape[1]
    mi = np.empty(2, dtype=np.int64)
    mt = np.empty(2, dtype=np.int64)
    leaving = np.empty(2, dtype=np.int64)
    it = info[0]
    since = info[1]
    best_rep = info[2]
    stop = it + n_iter
    while it < stop and acc[3] > 0:
        it += 1
        best_d = 1 << 30
        n_ties = 0
        bx = by = br = -1
        for ri in range(rounds.shape[0]):
            r = rounds[ri]
            for x in range(n):
                a = tab[r, x]
                if a < 0 or not free[r, x]:
                    continue
                lx = _repeats_with(x, r, a, -1, F, mem, size, C, 2)
                if lx == 0:
                    continue
                for y in range(n):
                    b = tab[r, y]
                    if b < 0 or b == a or not free[r, y]:
                        continue
                    ly = _repeats_with(y, r, b, -1, F, mem, size, C, 2)
                    d = (_repeats_with(x, r, b, y, F, mem, size, C, 1) + _repeats_with(y, r, a, x, F, mem, size, C, 1)
                         - lx - ly)
                    if d > best_d:
                        continue
                    if (tabu_until[r, x, b] > it or tabu_until[r, y, a] > it) and acc[3] + d >= best_rep:
                        continue
                    if not _swap_ok(x, y, r, tab, aptr, aidx, leaving):
                        continue
                    if d < best_d:
                        best_d = d
                        n_ties = 1
                        bx, by, br = x, y, r
                    else:
                        n_ties += 1
                        if _randint(rng, n_ties) == 0:
                            bx, by, br = x, y, r
        if bx < 0:
            since += 1
        else:
            a = tab[br, bx]
            b = tab[br, by]
            _swap(bx, by, br, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                  tab, mem, size, pos, C, NC, TO, SC, D, acc)
            tabu_until[br, bx, a] = it + tenure + _randint(rng, 12)
            tabu_until[br, by, b] = it + tenure + _randint(rng, 12)
            if acc[3] < best_rep:
                best_rep = acc[3]
                best_tab[:, :] = tab
                since = 0
            else:
                since += 1
        if since > stall_limit:  # restart near the best plan
            _load(best_tab, W, F, nptr, nidx, optr, oidx, OFF, codes, sw, tab, mem, size, pos, C, NC, TO, SC, D, acc)
            for _ in range(3):
                r = rounds[_randint(rng, rounds.shape[0])]
                x = _randint(rng, n)
                y = _randint(rng, n)
                if (free[r, x] and free[r, y] and tab[r, x] >= 0 and tab[r, y] >= 0 and tab[r, x] != tab[r, y]
                        and _swap_ok(x, y, r, tab, aptr, aidx, leaving)):
                    _swap(x, y, r, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                          tab, mem, size, pos, C, NC, TO, SC, D, acc)
            since = 0
    made = it - info[0]
    info[0] = it
    info[1] = since
    info[2] = best_rep
    return made


class Tabu:
    """A resumable :func:`tabu` search on ``kern`` over ``rounds`` (``free``: rounds x n movable)."""

    def __init__(self, kern: Kernel, rounds: list[int], free: np.ndarray, seed: int, *, tenure: int = 4,
                 stall_limit: int = 500) -> None:
        self.kern = kern
        self.rounds = np.asarray(rounds, dtype=np.int64)
        self.free = free.astype(np.uint8)
        self.rng = rng_state(seed)
        self.tenure, self.stall_limit = int(tenure), int(stall_limit)
        self.tabu_until = np.zeros(kern.tab.shape + (kern.size.shape[1],), dtype=np.int64)
        self.info = np.asarray([0, 0, kern.repeats], dtype=np.int64)
        self.best_tab = kern.tab.copy()

    @property
    def best_repeats(self) -> int:
        return int(self.info[2])

    def run(self, n_iter: int) -> int:
        """Up to ``n_iter`` more iterations; the iterations made."""
        k = self.kern
        return int(tabu(int(n_iter), self.rounds, *k._consts(), k.aptr, k.aidx, *k._state(), self.free,
                        self.best_tab, self.rng, self.tenure, self.stall_limit, self.tabu_until, self.info))
