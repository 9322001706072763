"""The local searches of the grouping problem (numba): simulated annealing and tabu search.

See :mod:`matchmaking.solvers.seating.kernel.groups`: both keep ``GW`` so that a swap or a move
is evaluated in O(1).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from matchmaking.solvers.seating.kernel.core import rand, randint
from matchmaking.solvers.seating.kernel.group_state import (
    FORBIDDEN,
    move_member,
    relink_move,
    relink_swap,
    swap_members,
)
from matchmaking.solvers.seating.kernel.ties import keep_most


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
            relink_move(g, mem, size, pos, i, a, b)
        else:
            rj = E[j]
            for k in range(n):
                x = ri[k] - rj[k]
                ga[k] -= x
                gb[k] += x
            relink_swap(g, mem, pos, i, j, a, b)
        value += d
        accepted += 1
        if value > best[0] + 1e-9:
            best[0] = value
            best_g[:] = g
    GW[:, :] = GT.T
    cur[0] = value
    return accepted


#: No per-(member, table) joining gains: :func:`arrival_gains` on pair values alone.
NO_JOIN = np.zeros((0, 0))


@nb.njit(cache=True)
def arrival_gains(GW, mem, size, free, join, mg):
    """``mg[b, t]``: the most a free member of table ``b`` gains by going to table ``t`` (``-1e300`` with none).

    The gain is the change of its pair sum, ``GW[j, t] - GW[j, b]``, plus ``join[j, t]`` when ``join``
    has rows (the need and spread terms of joining ``t``, :mod:`.mixed`); the tabu searches bound a
    whole table's swaps by it.
    """
    m = mg.shape[0]
    extra = join.shape[0] > 0
    for b in range(m):
        for t in range(m):
            mg[b, t] = -1e300
        for q in range(size[b]):
            j = mem[b, q]
            if not free[j]:
                continue
            for t in range(m):
                v = GW[j, t] - GW[j, b]
                if extra:
                    v += join[j, t]
                if v > mg[b, t]:
                    mg[b, t] = v


@nb.njit(cache=True)
def tabu_groups(E, hptr, hidx, soft, g, GW, mem, size, pos, free, lo, hi, max_iter, stall, tenure_lo, tenure_hi, tabu,
                info, cur, best, best_g, rng):
    """Tabu search: at most ``max_iter`` iterations, each making the best admissible swap or move.

    A member that leaves table ``a`` may not return to it for ``tenure_lo`` to ``tenure_hi``
    iterations (``tabu[i, a]`` holds the iteration it may again), unless the move beats the
    best plan (aspiration). Ties are broken at random. Stops after ``stall`` iterations without
    a new best of this search. ``info`` = (iteration, iterations since the best, moves found)
    carries the search across calls. A table is skipped when no swap there can beat the best
    candidate: the pair gain of ``i`` there, plus the most a member there gains by going to
    ``i``'s table, plus ``soft[i]`` (the most ``-2 E[i, j]`` adds but for ``i``'s hard partners,
    :func:`hard_partners`); the hard partners at skipped tables (pairs whose large negative value
    a swap with ``i`` removes: repeats, apart) are evaluated one by one. Returns the iterations made.
    """
    n = g.shape[0]
    m = GW.shape[1]
    mg = np.empty((m, m))
    skipped = np.full(m, -1, np.int64)  # skipped[b] == stamp: table b skipped for the member scanned now
    it = info[0]
    since = info[1]
    start = it
    stop = it + max_iter
    value = cur[0]
    while it < stop and since < stall:
        it += 1
        arrival_gains(GW, mem, size, free, NO_JOIN, mg)
        bd, bi, bj, bb, ties = -1e300, -1, -1, -1, 0
        for i in range(n):
            if not free[i]:
                continue
            a = g[i]
            gia = GW[i, a]
            ri = E[i]
            stamp = it * n + i
            for b in range(m):
                if b == a:
                    continue
                gi = GW[i, b] - gia
                tabu_i = tabu[i, b] > it
                if (size[b] + 1 <= hi[b] and size[a] - 1 >= lo[a] and gi >= bd and gi > 0.5 * FORBIDDEN
                        and (not tabu_i or value + gi > best[0] + 1e-9)):
                    bd, bi, bj, bb, ties = keep_most(gi, i, -1, b, bd, bi, bj, bb, ties, rng)
                if gi + mg[b, a] + soft[i] < bd:
                    skipped[b] = stamp
                    continue
                for q in range(size[b]):
                    j = mem[b, q]
                    if not free[j]:
                        continue
                    d = gi + GW[j, a] - GW[j, b] - 2.0 * ri[j]
                    if d < bd or d < 0.5 * FORBIDDEN:
                        continue
                    if (tabu_i or tabu[j, a] > it) and value + d <= best[0] + 1e-9:
                        continue
                    bd, bi, bj, bb, ties = keep_most(d, i, j, b, bd, bi, bj, bb, ties, rng)
            for u in range(hptr[i], hptr[i + 1]):  # i's hard partners at the tables skipped
                j = hidx[u]
                b = g[j]
                if b == a or skipped[b] != stamp or not free[j]:
                    continue
                d = GW[i, b] - gia + GW[j, a] - GW[j, b] - 2.0 * ri[j]
                if d < bd or d < 0.5 * FORBIDDEN:
                    continue
                if (tabu[i, b] > it or tabu[j, a] > it) and value + d <= best[0] + 1e-9:
                    continue
                bd, bi, bj, bb, ties = keep_most(d, i, j, b, bd, bi, bj, bb, ties, rng)
        if bi < 0:
            break
        value, since = make_best(E, g, GW, mem, size, pos, tabu, it, tenure_lo, tenure_hi, rng, bi, bj, bb, bd, value,
                                 since, info, best, best_g)
    cur[0] = value
    info[0] = it
    info[1] = since
    return it - start


@nb.njit(cache=True, inline="always")
def make_best(E, g, GW, mem, size, pos, tabu, it, tenure_lo, tenure_hi, rng, bi, bj, bb, bd, value, since, info,
              best, best_g):
    """Make a tabu iteration's chosen move (``bj < 0``: ``bi`` to table ``bb``) or swap of ``bi`` and ``bj``.

    Its members may not return to the tables they left for ``tenure_lo`` to ``tenure_hi``
    iterations; ``info[2]`` counts the moves, ``best``/``best_g`` keep a new best. ``bd`` is its
    gain. Returns the new ``(value, since)`` (``since``: iterations without a new best).
    """
    a = g[bi]
    if bj < 0:
        move_member(E, g, GW, mem, size, pos, bi, bb)
    else:
        swap_members(E, g, GW, mem, pos, bi, bj)
        tabu[bj, bb] = it + tenure_lo + randint(rng, tenure_hi - tenure_lo + 1)
    tabu[bi, a] = it + tenure_lo + randint(rng, tenure_hi - tenure_lo + 1)
    value += bd
    info[2] += 1
    if value > best[0] + 1e-9:
        best[0] = value
        best_g[:] = g
        return value, 0
    return value, since + 1


def hard_partners(E: np.ndarray, free: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each member's *hard* partners (a pair value below ``-2 max(E.max(), 1)``: repeats, history, apart) and
    ``soft[i]``, the most ``-2 E[i, j]`` adds over the free members ``j`` that are not hard partners (at least 0).

    The tabu searches (:func:`tabu_groups`, :func:`.mixed.tabu_mixed`) bound a table's swaps of ``i``
    by ``soft[i]`` and evaluate the few hard partners one by one. Returns ``hptr, hidx, soft`` (CSR lists).

    Examples
    --------
    >>> E = np.array([[0.0, -1e4, 2.0], [-1e4, 0.0, -1.0], [2.0, -1.0, 0.0]])
    >>> hptr, hidx, soft = hard_partners(E, np.ones(3, bool))
    >>> hptr.tolist(), hidx.tolist(), soft.tolist()
    ([0, 1, 2, 2], [1, 0], [0.0, 2.0, 2.0])
    """
    E = np.asarray(E, dtype=np.float64)
    floor = -2.0 * max(float(E.max(initial=0.0)), 1.0)
    hard = floor > E
    np.fill_diagonal(hard, False)
    soft = np.where(hard | ~np.asarray(free, dtype=bool)[None, :], -np.inf, -2.0 * E)
    np.fill_diagonal(soft, -np.inf)
    counts = hard.sum(axis=1)
    hptr = np.zeros(len(E) + 1, dtype=np.int64)
    hptr[1:] = np.cumsum(counts)
    return hptr, np.nonzero(hard)[1].astype(np.int64), np.maximum(soft.max(axis=1, initial=-np.inf), 0.0)
