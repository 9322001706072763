"""Compiled tabu search over one round whose value has need and spread terms besides the pairs (numba).

The pairs are kept as in :mod:`.groups` (``GW[k, t]``, the sum of the pair values ``E[k, j]``
of ``k`` with the members ``j`` at table ``t``). The other terms of the round, given the other
rounds, are

- **needs**: member ``i``'s need ``k`` is *open* (``UO[i, k]``) when no tablemate of another
  round offers it; in this round it counts ``needs_w`` when someone at ``i``'s table offers it;
- **spread**: each table earns ``sw[x]`` per distinct value of attribute ``x`` beyond the first.

Per table ``t`` and label ``k`` the state counts the offers ``TO[t, k]``, the open needs
``NE[t, k]`` and the members with both ``NO[t, k]``; per attribute the value counts ``SC`` and
the distinct values ``D``. Then the change of those terms when ``i`` leaves table ``a`` or
joins table ``b`` costs O(labels of ``i``) (:func:`leave_delta`, :func:`join_delta`):

- leaving ``a``, ``i`` loses its open needs that nobody else at ``a`` offers; for each label
  ``k`` ``i`` offers, the open needs of ``a`` lose their cover when ``i`` was the only one
  offering it there (``TO = 1``: ``NE - UO[i, k]`` members), or the other offerer's own open
  need when ``i`` was its only cover (``TO = 2``: ``NO - UO[i, k]``);
- joining ``b`` is the mirror image.

A swap of ``i`` (table ``a``) and ``j`` (table ``b``) is exactly ``i`` leaving ``a``, joining
``b``, then ``j`` leaving ``b`` and joining ``a`` on the counts with ``i`` already moved; the
neighbourhood loop moves ``i`` in the counts once per table ``b`` and evaluates every ``j``
there. Labels are stored as CSR lists: ``uptr, uidx`` the open needs, ``optr, oidx`` the offers.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from matchmaking.solvers.seating.kernel.group_search import arrival_gains, make_best
from matchmaking.solvers.seating.kernel.group_state import FORBIDDEN
from matchmaking.solvers.seating.kernel.ties import keep_most


@nb.njit(cache=True)
def count(i, t, s, optr, oidx, uptr, uidx, OFF, codes, TO, NE, NO, SC, D):
    """Add (``s = 1``) or take away (``s = -1``) member ``i`` at table ``t`` in the counts."""
    for u in range(optr[i], optr[i + 1]):
        TO[t, oidx[u]] += s
    for u in range(uptr[i], uptr[i + 1]):
        k = uidx[u]
        NE[t, k] += s
        if OFF[i, k]:
            NO[t, k] += s
    for x in range(codes.shape[0]):
        v = codes[x, i]
        if v < 0:
            continue
        if s > 0:
            if SC[x, t, v] == 0:
                D[x, t] += 1
            SC[x, t, v] += 1
        else:
            SC[x, t, v] -= 1
            if SC[x, t, v] == 0:
                D[x, t] -= 1


@nb.njit(cache=True)
def counts_init(g, m, optr, oidx, uptr, uidx, OFF, codes, V):
    """The counts ``TO, NE, NO`` (m x K) and ``SC`` (A x m x V), ``D`` (A x m) of the seating ``g``."""
    K = OFF.shape[1]
    A = codes.shape[0]
    TO = np.zeros((m, K), np.int64)
    NE = np.zeros((m, K), np.int64)
    NO = np.zeros((m, K), np.int64)
    SC = np.zeros((A, m, V), np.int64)
    D = np.zeros((A, m), np.int64)
    for i in range(g.shape[0]):
        count(i, g[i], 1, optr, oidx, uptr, uidx, OFF, codes, TO, NE, NO, SC, D)
    return TO, NE, NO, SC, D


@nb.njit(cache=True)
def leave_delta(i, a, needs_w, sw, optr, oidx, uptr, uidx, OFF, UO, codes, TO, NE, NO, SC, D):
    """Change of the need and spread terms when ``i`` leaves table ``a`` (the counts hold ``i`` at ``a``)."""
    dc = 0
    for u in range(uptr[i], uptr[i + 1]):
        k = uidx[u]
        if TO[a, k] - OFF[i, k] > 0:
            dc -= 1
    for u in range(optr[i], optr[i + 1]):
        k = oidx[u]
        c = TO[a, k]
        if c == 1:
            dc -= NE[a, k] - UO[i, k]
        elif c == 2:
            dc -= NO[a, k] - UO[i, k]
    ds = 0.0
    for x in range(codes.shape[0]):
        v = codes[x, i]
        if v >= 0 and SC[x, a, v] == 1 and D[x, a] >= 2:
            ds -= sw[x]
    return needs_w * dc + ds


@nb.njit(cache=True)
def join_delta(i, b, needs_w, sw, optr, oidx, uptr, uidx, UO, codes, TO, NE, NO, SC, D):
    """Change of the need and spread terms when ``i`` joins table ``b`` (the counts do not hold ``i``)."""
    dc = 0
    for u in range(uptr[i], uptr[i + 1]):
        if TO[b, uidx[u]] > 0:
            dc += 1
    for u in range(optr[i], optr[i + 1]):
        k = oidx[u]
        c = TO[b, k]
        if c == 0:
            dc += NE[b, k]
        elif c == 1:
            dc += NO[b, k]
    ds = 0.0
    for x in range(codes.shape[0]):
        v = codes[x, i]
        if v >= 0 and SC[x, b, v] == 0 and D[x, b] >= 1:
            ds += sw[x]
    return needs_w * dc + ds


@nb.njit(cache=True)
def extra_value(g, m, needs_w, sw, optr, oidx, uptr, uidx, OFF, codes, V):
    """The need and spread terms of the seating ``g`` (open needs covered, distinct values beyond one)."""
    TO, NE, NO, SC, D = counts_init(g, m, optr, oidx, uptr, uidx, OFF, codes, V)
    dc = 0
    for i in range(g.shape[0]):
        for u in range(uptr[i], uptr[i + 1]):
            k = uidx[u]
            if TO[g[i], k] - OFF[i, k] > 0:
                dc += 1
    ds = 0.0
    for x in range(codes.shape[0]):
        for t in range(m):
            if D[x, t] > 1:
                ds += sw[x] * (D[x, t] - 1)
    return needs_w * dc + ds


@nb.njit(cache=True)
def _swap_candidate(i, j, a, b, d, bd, bi, bj, bb, ties, it, value, tabu_i, counted, tabu, best, needs_w, sw, optr,
                    oidx, uptr, uidx, OFF, UO, codes, TO, NE, NO, SC, D, rng):
    """Finish the swap of ``i`` (leaving ``a``, not in the counts) and ``j`` (table ``b``) of pair change ``d``.

    ``i`` is added at ``b`` in the counts unless ``counted``; returns the kept candidate and ``counted``.
    """
    if not counted:
        count(i, b, 1, optr, oidx, uptr, uidx, OFF, codes, TO, NE, NO, SC, D)
        counted = True
    d += (leave_delta(j, b, needs_w, sw, optr, oidx, uptr, uidx, OFF, UO, codes, TO, NE, NO, SC, D)
          + join_delta(j, a, needs_w, sw, optr, oidx, uptr, uidx, UO, codes, TO, NE, NO, SC, D))
    if d >= bd and (not (tabu_i or tabu[j, a] > it) or value + d > best[0] + 1e-9):
        bd, bi, bj, bb, ties = keep_most(d, i, j, b, bd, bi, bj, bb, ties, rng)
    return bd, bi, bj, bb, ties, counted


@nb.njit(cache=True)
def tabu_mixed(E, g, GW, mem, size, pos, free, lo, hi, needs_w, sw, optr, oidx, uptr, uidx, OFF, UO, codes,
               TO, NE, NO, SC, D, max_iter, stall, tenure_lo, tenure_hi, tabu, info, cur, best, best_g, rng,
               hptr, hidx, soft):
    """Tabu search over the whole round value: at most ``max_iter`` iterations, each the best admissible swap or move.

    As :func:`.groups.tabu_groups` (tabu tenure on returning to a table left, aspiration, random
    ties, ``info`` = (iteration, iterations since the best, moves made), stop after ``stall``
    iterations without a new best), with the exact change of the need and spread terms added
    to every candidate. A swap is evaluated in full only when its pair change, plus what its
    second member gains by joining (with the first gone, at most ``dmax`` more than now; leaving
    never gains with non-negative weights), can beat the best candidate. A whole table is skipped
    the same way when its best such bound (``mg``, the most a member there gains by going to
    ``a``, plus ``soft[i]``) cannot; ``i``'s hard partners there (``hptr, hidx``: the pairs whose
    large negative value a swap with ``i`` itself removes, :func:`.group_search.hard_partners`) are then
    evaluated one by one. Returns the iterations made.
    """
    n = g.shape[0]
    m = GW.shape[1]
    it = info[0]
    since = info[1]
    start = it
    stop = it + max_iter
    value = cur[0]
    prune = needs_w >= 0.0
    for x in range(sw.shape[0]):
        prune = prune and sw[x] >= 0.0
    JJ = np.zeros((n, m))  # JJ[j, t]: j joining table t (kept for the two tables each move changes)
    mg = np.empty((m, m))  # mg[b, t]: the most a free member of b gains (pairs, joining) by going to t
    skipped = np.full(m, -1, np.int64)  # skipped[b] == stamp: table b skipped for the member scanned now
    for j in range(n):
        if free[j]:
            for t in range(m):
                JJ[j, t] = join_delta(j, t, needs_w, sw, optr, oidx, uptr, uidx, UO, codes, TO, NE, NO, SC, D)
    while it < stop and since < stall:
        it += 1
        if prune:
            arrival_gains(GW, mem, size, free, JJ, mg)
        bd, bi, bj, bb, ties = -1e300, -1, -1, -1, 0
        for i in range(n):
            if not free[i]:
                continue
            a = g[i]
            stamp = it * n + i
            li = leave_delta(i, a, needs_w, sw, optr, oidx, uptr, uidx, OFF, UO, codes, TO, NE, NO, SC, D)
            gia = GW[i, a]
            dmax = 0.0
            if prune:
                for u in range(optr[i], optr[i + 1]):
                    dmax += needs_w * NE[a, oidx[u]]
                for x in range(codes.shape[0]):
                    v = codes[x, i]
                    if v >= 0 and SC[x, a, v] == 1:
                        dmax += sw[x]
            count(i, a, -1, optr, oidx, uptr, uidx, OFF, codes, TO, NE, NO, SC, D)
            ri = E[i]
            for b in range(m):
                if b == a or size[b] == 0 and hi[b] == 0:
                    continue
                gi = GW[i, b] - gia + li + JJ[i, b]  # b's counts do not hold i
                tabu_i = tabu[i, b] > it
                if (size[b] + 1 <= hi[b] and size[a] - 1 >= lo[a] and gi >= bd and gi > 0.5 * FORBIDDEN
                        and (not tabu_i or value + gi > best[0] + 1e-9)):
                    bd, bi, bj, bb, ties = keep_most(gi, i, -1, b, bd, bi, bj, bb, ties, rng)
                if size[b] == 0:
                    continue
                if prune and gi + mg[b, a] + soft[i] + dmax < bd:  # no soft partner of i at b can beat bd
                    skipped[b] = stamp
                    continue
                counted = False
                for q in range(size[b]):
                    j = mem[b, q]
                    if not free[j]:
                        continue
                    d = gi + GW[j, a] - GW[j, b] - 2.0 * ri[j]
                    if d < 0.5 * FORBIDDEN or prune and d + JJ[j, a] + dmax < bd:
                        continue
                    bd, bi, bj, bb, ties, counted = _swap_candidate(
                        i, j, a, b, d, bd, bi, bj, bb, ties, it, value, tabu_i, counted, tabu, best, needs_w, sw,
                        optr, oidx, uptr, uidx, OFF, UO, codes, TO, NE, NO, SC, D, rng)
                if counted:
                    count(i, b, -1, optr, oidx, uptr, uidx, OFF, codes, TO, NE, NO, SC, D)
            for u in range(hptr[i], hptr[i + 1]):  # i's hard partners at the tables skipped
                j = hidx[u]
                b = g[j]
                if b == a or skipped[b] != stamp or not free[j]:
                    continue
                d = GW[i, b] - gia + li + JJ[i, b] + GW[j, a] - GW[j, b] - 2.0 * ri[j]
                if d < 0.5 * FORBIDDEN or d + JJ[j, a] + dmax < bd:
                    continue
                bd, bi, bj, bb, ties, counted = _swap_candidate(
                    i, j, a, b, d, bd, bi, bj, bb, ties, it, value, tabu[i, b] > it, False, tabu, best, needs_w, sw,
                    optr, oidx, uptr, uidx, OFF, UO, codes, TO, NE, NO, SC, D, rng)
                count(i, b, -1, optr, oidx, uptr, uidx, OFF, codes, TO, NE, NO, SC, D)
            count(i, a, 1, optr, oidx, uptr, uidx, OFF, codes, TO, NE, NO, SC, D)
        if bi < 0:
            break
        a = g[bi]
        count(bi, a, -1, optr, oidx, uptr, uidx, OFF, codes, TO, NE, NO, SC, D)
        count(bi, bb, 1, optr, oidx, uptr, uidx, OFF, codes, TO, NE, NO, SC, D)
        if bj >= 0:
            count(bj, bb, -1, optr, oidx, uptr, uidx, OFF, codes, TO, NE, NO, SC, D)
            count(bj, a, 1, optr, oidx, uptr, uidx, OFF, codes, TO, NE, NO, SC, D)
        value, since = make_best(E, g, GW, mem, size, pos, tabu, it, tenure_lo, tenure_hi, rng, bi, bj, bb, bd, value,
                                 since, info, best, best_g)
        for j in range(n):
            if free[j]:
                JJ[j, a] = join_delta(j, a, needs_w, sw, optr, oidx, uptr, uidx, UO, codes, TO, NE, NO, SC, D)
                JJ[j, bb] = join_delta(j, bb, needs_w, sw, optr, oidx, uptr, uidx, UO, codes, TO, NE, NO, SC, D)
    cur[0] = value
    info[0] = it
    info[1] = since
    return it - start
