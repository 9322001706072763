"""Compiled search over one round as a weighted grouping problem (the MDGP, numba).

One round whose objective is a sum of pair values is the maximally diverse grouping problem:
split the round's attendees into tables of given sizes so that the sum of the values ``E[i, j]``
of the pairs sharing a table is largest. ``E`` holds the effective value of each pair in this
round: its affinity, a large negative value for pairs asked apart, and the repeat cost for
pairs who meet in another round (see :mod:`matchmaking.solvers.seating.rounds`).

The state keeps, for every member ``k`` and table ``t``, ``GW[k, t]`` = the sum of ``E[k, j]``
over the members ``j`` at ``t`` (O(n) to update after a swap), so that a swap of ``i`` (table
``a``) and ``j`` (table ``b``) is worth ``GW[i, b] - GW[i, a] + GW[j, a] - GW[j, b] - 2 E[i, j]``
and a move of ``i`` to ``b`` ``GW[i, b] - GW[i, a]``, both in O(1). On that state:

- :func:`anneal_groups`: simulated annealing over swaps (and moves within table-size bounds);
- :func:`tabu_groups`: a tabu search taking the best swap or move of the whole neighbourhood at
  each iteration (a member may not return to a table it left for a few iterations unless that
  beats the best plan). A bound prunes the neighbourhood: for ``i`` at ``a`` and a table
  ``b``, no swap with a member of ``b`` beats ``GW[i, b] - GW[i, a] + max_j (GW[j, a] - GW[j, b])``;
- :func:`cross_groups`: a group-based crossover of two seatings (the child inherits whole
  tables, alternately from each parent, the most valuable first, and seats the rest greedily);
- :func:`partition_distance`: how many members must change table to turn one seating into
  another (label free).

Members ``0..n-1`` are the round's attendees; ``free[i]`` says whether ``i`` may move.
Random numbers come from :func:`matchmaking.solvers.seating.kernel.core.rand`.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from matchmaking.solvers.seating.kernel.core import rand, randint

FORBIDDEN = -1e12  # the value of a pair asked apart: never chosen while any other move exists


@nb.njit(cache=True)
def gw_init(E, g, m):
    """``GW[k, t]``: the sum of ``E[k, j]`` over the members ``j != k`` at table ``t``."""
    n = g.shape[0]
    GW = np.zeros((n, m))
    for k in range(n):
        row = E[k]
        for j in range(n):
            if j != k:
                GW[k, g[j]] += row[j]
    return GW


@nb.njit(cache=True)
def tables_of(g, m, slots):
    """``mem`` (m x slots) members of each table, ``size`` (m), ``pos`` (n): index of each member in ``mem``."""
    n = g.shape[0]
    mem = np.full((m, slots), -1, np.int64)
    size = np.zeros(m, np.int64)
    pos = np.zeros(n, np.int64)
    for i in range(n):
        t = g[i]
        mem[t, size[t]] = i
        pos[i] = size[t]
        size[t] += 1
    return mem, size, pos


@nb.njit(cache=True)
def group_value(E, g):
    """The sum of ``E`` over the pairs sharing a table."""
    n = g.shape[0]
    v = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            if g[i] == g[j]:
                v += E[i, j]
    return v


@nb.njit(cache=True)
def _move(E, g, GW, mem, size, pos, i, b):
    """Move ``i`` to table ``b`` (GW, mem, size, pos kept)."""
    a = g[i]
    row = E[i]
    for k in range(g.shape[0]):
        x = row[k]
        GW[k, a] -= x
        GW[k, b] += x
    last = mem[a, size[a] - 1]
    p = pos[i]
    mem[a, p] = last
    pos[last] = p
    size[a] -= 1
    mem[b, size[b]] = i
    pos[i] = size[b]
    size[b] += 1
    g[i] = b


@nb.njit(cache=True)
def _swap(E, g, GW, mem, pos, i, j):
    """Swap ``i`` and ``j`` (other tables)."""
    a = g[i]
    b = g[j]
    ri = E[i]
    rj = E[j]
    for k in range(g.shape[0]):
        x = ri[k] - rj[k]
        GW[k, a] -= x
        GW[k, b] += x
    pi = pos[i]
    pj = pos[j]
    mem[a, pi] = j
    pos[j] = pi
    mem[b, pj] = i
    pos[i] = pj
    g[i] = b
    g[j] = a


@nb.njit(cache=True)
def anneal_groups(E, g, GW, mem, size, pos, mov, free, lo, hi, p_move, n_iter, t_from, t_to, cur, best, best_g, rng,
                  partners, guide):
    """``n_iter`` annealing proposals, the temperature falling geometrically from ``t_from`` to ``t_to``.

    A proposal takes a random movable member ``mov[z]``; with probability ``p_move`` it moves
    to a random table when both sizes stay within ``lo``/``hi``, else it swaps with a random
    movable member of another table: with probability ``guide`` a member of the table of one of
    its best ``partners`` (n x P), which aims the proposals where they pay. ``cur[0]`` is the
    current value, ``best[0]`` and ``best_g`` the best seen. ``GW`` is kept. Returns the
    accepted proposals.

    The walk runs on a table-major copy of ``GW`` (m x n): an accepted proposal then updates two
    contiguous rows, which is most of the cost on big rounds.
    """
    n = g.shape[0]
    n_mov = mov.shape[0]
    m = GW.shape[1]
    if n_mov < 2:
        return 0
    GT = np.ascontiguousarray(GW.T)
    P = partners.shape[1]
    ratio = t_to / t_from if t_from > 0 else 1.0
    temp = t_from
    accepted = 0
    value = cur[0]
    for it in range(n_iter):
        if it % 256 == 0:
            temp = t_from * ratio ** (it / n_iter)
        i = mov[randint(rng, n_mov)]
        a = g[i]
        if p_move > 0.0 and rand(rng) < p_move:
            b = randint(rng, m)
            if b == a or size[a] - 1 < lo[a] or size[b] + 1 > hi[b]:
                continue
            d = GT[b, i] - GT[a, i]
            j = -1
        else:
            if P > 0 and rand(rng) < guide:
                b = g[partners[i, randint(rng, P)]]
                if b == a or size[b] == 0:
                    continue
                j = mem[b, randint(rng, size[b])]
                if not free[j]:
                    continue
            else:
                j = mov[randint(rng, n_mov)]
                b = g[j]
                if b == a:
                    continue
            d = GT[b, i] - GT[a, i] + GT[a, j] - GT[b, j] - 2.0 * E[i, j]
        if d < 0.0 and (d < 0.5 * FORBIDDEN or rand(rng) >= math.exp(d / temp)):
            continue
        ga = GT[a]
        gb = GT[b]
        ri = E[i]
        if j < 0:
            for k in range(n):
                ga[k] -= ri[k]
                gb[k] += ri[k]
            last = mem[a, size[a] - 1]
            p = pos[i]
            mem[a, p] = last
            pos[last] = p
            size[a] -= 1
            mem[b, size[b]] = i
            pos[i] = size[b]
            size[b] += 1
            g[i] = b
        else:
            rj = E[j]
            for k in range(n):
                x = ri[k] - rj[k]
                ga[k] -= x
                gb[k] += x
            pi = pos[i]
            pj = pos[j]
            mem[a, pi] = j
            pos[j] = pi
            mem[b, pj] = i
            pos[i] = pj
            g[i] = b
            g[j] = a
        value += d
        accepted += 1
        if value > best[0] + 1e-9:
            best[0] = value
            best_g[:] = g
    GW[:, :] = GT.T
    cur[0] = value
    return accepted


@nb.njit(cache=True)
def tabu_groups(E, g, GW, mem, size, pos, free, lo, hi, max_iter, stall, tenure_lo, tenure_hi, tabu, info, cur,
                best, best_g, rng):
    """Tabu search: at most ``max_iter`` iterations, each making the best admissible swap or move.

    A member that leaves table ``a`` may not return to it for ``tenure_lo`` to ``tenure_hi``
    iterations (``tabu[i, a]`` holds the iteration it may again), unless the move beats the
    best plan (aspiration). Ties are broken at random. Stops after ``stall`` iterations without
    a new best of this search. ``info`` = (iteration, iterations since the best, moves found)
    carries the search across calls. Returns the iterations made.
    """
    n = g.shape[0]
    m = GW.shape[1]
    mg = np.empty((m, m))
    it = info[0]
    since = info[1]
    start = it
    stop = it + max_iter
    value = cur[0]
    while it < stop and since < stall:
        it += 1
        for b in range(m):  # mg[b, a]: the most a member of b gains by going to a
            for a in range(m):
                mg[b, a] = -1e300
            for q in range(size[b]):
                j = mem[b, q]
                if not free[j]:
                    continue
                for a in range(m):
                    v = GW[j, a] - GW[j, b]
                    if v > mg[b, a]:
                        mg[b, a] = v
        bd = -1e300
        bi = -1
        bj = -1
        bb = -1
        ties = 0
        for i in range(n):
            if not free[i]:
                continue
            a = g[i]
            gia = GW[i, a]
            for b in range(m):
                if b == a:
                    continue
                gi = GW[i, b] - gia
                tabu_i = tabu[i, b] > it
                if (size[b] + 1 <= hi[b] and size[a] - 1 >= lo[a] and gi >= bd and gi > 0.5 * FORBIDDEN
                        and (not tabu_i or value + gi > best[0] + 1e-9)):
                    if gi > bd:
                        bd, bi, bj, bb, ties = gi, i, -1, b, 1
                    else:
                        ties += 1
                        if rand(rng) * ties < 1.0:
                            bi, bj, bb = i, -1, b
                if gi + mg[b, a] < bd:
                    continue
                ri = E[i]
                for q in range(size[b]):
                    j = mem[b, q]
                    if not free[j]:
                        continue
                    d = gi + GW[j, a] - GW[j, b] - 2.0 * ri[j]
                    if d < bd or d < 0.5 * FORBIDDEN:
                        continue
                    if (tabu_i or tabu[j, a] > it) and value + d <= best[0] + 1e-9:
                        continue
                    if d > bd:
                        bd, bi, bj, bb, ties = d, i, j, b, 1
                    else:
                        ties += 1
                        if rand(rng) * ties < 1.0:
                            bi, bj, bb = i, j, b
        if bi < 0:
            break
        a = g[bi]
        if bj < 0:
            _move(E, g, GW, mem, size, pos, bi, bb)
        else:
            _swap(E, g, GW, mem, pos, bi, bj)
            tabu[bj, bb] = it + tenure_lo + randint(rng, tenure_hi - tenure_lo + 1)
        tabu[bi, a] = it + tenure_lo + randint(rng, tenure_hi - tenure_lo + 1)
        value += bd
        info[2] += 1
        if value > best[0] + 1e-9:
            best[0] = value
            best_g[:] = g
            since = 0
        else:
            since += 1
    cur[0] = value
    info[0] = it
    info[1] = since
    return it - start


@nb.njit(cache=True)
def cross_groups(E, g1, g2, free, target, rng):
    """A child of seatings ``g1`` and ``g2`` (same table sizes ``target``, same fixed members).

    Fixed members keep their table. Then, alternately from each parent, the parent's table
    whose members not seated yet are worth most passes them to a table of the child: the same
    table when it holds fixed members, else the free table of the child with the most seats.
    The members left are seated greedily where they add most, every table filled to
    ``target``. Returns the child (table of each member).
    """
    n = g1.shape[0]
    m = target.shape[0]
    child = np.full(n, -1, np.int64)
    size = np.zeros(m, np.int64)
    pinned = np.zeros(m, np.int64)
    for i in range(n):
        if not free[i]:
            child[i] = g1[i]
            size[g1[i]] += 1
            pinned[g1[i]] += 1
    mem1, size1, _ = tables_of(g1, m, n)
    mem2, size2, _ = tables_of(g2, m, n)
    done = np.zeros(m, np.bool_)
    pick = np.empty(n, np.int64)
    for k in range(m):
        if k % 2 == 0:
            pm, ps = mem1, size1
        else:
            pm, ps = mem2, size2
        best_v = -1e300
        best_t = -1
        open_free = -1  # the free child table (no fixed member) with the most seats left
        for t in range(m):
            if not done[t] and pinned[t] == 0 and (open_free < 0 or target[t] > target[open_free]):
                open_free = t
        for t in range(m):
            if pinned[t] > 0 and done[t] or pinned[t] == 0 and open_free < 0:
                continue
            c = 0
            for q in range(ps[t]):
                i = pm[t, q]
                if child[i] < 0:
                    pick[c] = i
                    c += 1
            if c == 0:
                continue
            own = c
            if pinned[t] > 0:  # with the fixed members it will join
                for q in range(ps[t]):
                    i = pm[t, q]
                    if child[i] == t and not free[i]:
                        pick[c] = i
                        c += 1
            v = 0.0
            for x in range(own):
                i = pick[x]
                for y in range(x + 1, c):
                    v += E[i, pick[y]]
            v += 1e-9 * rand(rng)
            if v > best_v:
                best_v = v
                best_t = t
        if best_t < 0:
            break
        into = best_t if pinned[best_t] > 0 else open_free
        done[into] = True
        for q in range(ps[best_t]):
            i = pm[best_t, q]
            if child[i] < 0 and size[into] < target[into]:
                child[i] = into
                size[into] += 1
    for i in range(n):  # the rest, greedily
        if child[i] >= 0:
            continue
        bv = -1e300
        bt = -1
        for t in range(m):
            if size[t] >= target[t]:
                continue
            v = 0.0
            for j in range(n):
                if child[j] == t:
                    v += E[i, j]
            if v > bv:
                bv = v
                bt = t
        child[i] = bt
        size[bt] += 1
    return child


@nb.njit(cache=True)
def partition_distance(g1, g2, m):
    """Members that must change table to turn ``g1`` into ``g2``, tables matched greedily by overlap."""
    n = g1.shape[0]
    ov = np.zeros((m, m), np.int64)
    for i in range(n):
        ov[g1[i], g2[i]] += 1
    used_a = np.zeros(m, np.bool_)
    used_b = np.zeros(m, np.bool_)
    kept = 0
    for _ in range(m):
        bv = -1
        ba = -1
        bb = -1
        for a in range(m):
            if used_a[a]:
                continue
            for b in range(m):
                if not used_b[b] and ov[a, b] > bv:
                    bv = ov[a, b]
                    ba = a
                    bb = b
        if ba < 0:
            break
        used_a[ba] = True
        used_b[bb] = True
        kept += bv
    return n - kept
