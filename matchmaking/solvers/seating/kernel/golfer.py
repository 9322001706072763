"""Compiled social-golfer local search over pair classes (numba).

The state is a seating of ``R`` rounds (``tab``: R x n table or -1, ``mem``/``size``/``pos``
as in :mod:`.core`) and a count per *pair class*: every pair ``(i, j)`` belongs to the class
``cls[i, j]`` and ``cnt[c]`` counts the meetings of the pairs of class ``c`` over the rounds;
class ``c`` may hold ``cap[c]`` of them, and each meeting beyond that is one conflict. With one
class per pair and capacity 1 (0 for pairs who met before) the conflicts are the repeated
encounters; with the pair orbits of a group acting on the members
(:mod:`matchmaking.solvers.seating.golfer`) the same search solves the quotient of a
symmetric design. ``bad[i, j]`` marks pairs that may never share a table (apart requests).

The move is the swap of two members of different tables of one round, evaluated exactly in
``O(table size)`` by applying the count changes and undoing them.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from matchmaking.solvers.seating.kernel.core import randint
from matchmaking.solvers.seating.kernel.ties import keep_fewest


@nb.njit(cache=True)
def conflicts(tab, mem, size, cls, cnt, cap):
    """Total conflicts: meetings beyond their class's capacity (recounted from ``tab``; fills ``cnt``)."""
    cnt[:] = 0
    R, T = size.shape
    for r in range(R):
        for t in range(T):
            for a in range(size[r, t]):
                for b in range(a + 1, size[r, t]):
                    cnt[cls[mem[r, t, a], mem[r, t, b]]] += 1
    out = 0
    for c in range(cnt.shape[0]):
        if cnt[c] > cap[c]:
            out += cnt[c] - cap[c]
    return out


@nb.njit(cache=True, inline="always")  # inlined: the read-only calls (write=False) compile to plain counting loops
def _shift(x, r, t, skip, cls, cnt, cap, mem, size, step, write=True):
    """Change the counts of ``x`` with table ``t`` of round ``r`` (but ``skip``) by ``step``; conflicts delta.

    ``write=False`` leaves the counts as they are: the delta of that one change alone.
    """
    d = 0
    for m in mem[r, t, : size[r, t]]:
        if m == x or m == skip:  # noqa: SIM109  (plain comparisons compile simplest)
            continue
        c = cls[x, m]
        if step < 0:
            if cnt[c] > cap[c]:
                d -= 1
        elif cnt[c] >= cap[c]:
            d += 1
        if write:
            cnt[c] += step
    return d


@nb.njit(cache=True)
def _delta(x, y, r, a, b, cls, cnt, cap, mem, size):
    """Exact conflicts delta of swapping ``x`` (table ``a``) and ``y`` (table ``b``) in round ``r``."""
    d = _shift(x, r, a, -1, cls, cnt, cap, mem, size, -1)
    d += _shift(y, r, b, -1, cls, cnt, cap, mem, size, -1)
    d += _shift(x, r, b, y, cls, cnt, cap, mem, size, 1)
    d += _shift(y, r, a, x, cls, cnt, cap, mem, size, 1)
    _shift(y, r, a, x, cls, cnt, cap, mem, size, -1)
    _shift(x, r, b, y, cls, cnt, cap, mem, size, -1)
    _shift(y, r, b, -1, cls, cnt, cap, mem, size, 1)
    _shift(x, r, a, -1, cls, cnt, cap, mem, size, 1)
    return d


@nb.njit(cache=True)
def _delta_pairs(x, y, r, a, b, cls, cnt, cap, mem, size):
    """:func:`_delta` without writes, exact when every class is one pair (no class is touched twice)."""
    return (_shift(x, r, b, y, cls, cnt, cap, mem, size, 1, False) + _shift(y, r, a, x, cls, cnt, cap, mem, size, 1, False)
            + _shift(x, r, a, -1, cls, cnt, cap, mem, size, -1, False)
            + _shift(y, r, b, -1, cls, cnt, cap, mem, size, -1, False))


@nb.njit(cache=True)
def _allowed(x, y, r, a, b, bad, mem, size):
    """No apart pair at a table after the swap (``x`` to ``b``, ``y`` to ``a``)."""
    for q in range(size[r, b]):
        m = mem[r, b, q]
        if m != y and bad[x, m]:
            return False
    for q in range(size[r, a]):
        m = mem[r, a, q]
        if m != x and bad[y, m]:
            return False
    return True


@nb.njit(cache=True)
def swap(x, y, r, tab, mem, pos, size, cls, cnt, cap):
    """Swap ``x`` and ``y`` (other tables of round ``r``), counts included; the conflicts delta."""
    a = tab[r, x]
    b = tab[r, y]
    d = _shift(x, r, a, -1, cls, cnt, cap, mem, size, -1)
    d += _shift(y, r, b, -1, cls, cnt, cap, mem, size, -1)
    d += _shift(x, r, b, y, cls, cnt, cap, mem, size, 1)
    d += _shift(y, r, a, x, cls, cnt, cap, mem, size, 1)
    px = pos[r, x]
    py = pos[r, y]
    mem[r, a, px] = y
    mem[r, b, py] = x
    pos[r, x] = py
    pos[r, y] = px
    tab[r, x] = b
    tab[r, y] = a
    return d


@nb.njit(cache=True)
def _in_conflict(x, r, tab, mem, size, cls, cnt, cap):
    t = tab[r, x]
    for q in range(size[r, t]):
        m = mem[r, t, q]
        if m != x and cnt[cls[x, m]] > cap[cls[x, m]]:
            return True
    return False


@nb.njit(cache=True, nogil=True)
def golfer_tabu(n_iter, rounds, tab, mem, size, pos, cls, cnt, cap, bad, free, best_tab, rng,
                t_min, t_span, stall_limit, kicks, tabu_until, info, pairs):
    """Conflict-directed tabu search on the conflicts (after Dotú and Van Hentenryck, 2005).

    Every iteration evaluates every swap, in every round of ``rounds``, of a free member in
    conflict at their table with a free member of another table, and makes the best one that
    is not tabu (a member may not return to the table it left for ``t_min`` plus a random
    ``0..t_span-1`` iterations) unless it gives fewer conflicts than the best plan found
    (aspiration); ties are broken at random. After ``stall_limit`` iterations without a new
    best, the search goes back to the best plan and makes ``kicks`` random swaps there. Stops
    at zero conflicts or after ``n_iter`` iterations; ``info`` = (iteration, iterations since
    the best, fewest conflicts, current conflicts) and ``tabu_until`` (R x n x T) carry the
    search across calls, ``best_tab`` holds the best plan. ``pairs``: every class is one pair
    (the swap deltas are then read without writing the counts). Returns the iterations made.
    """
    n = tab.shape[1]
    it = info[0]
    since = info[1]
    best = info[2]
    cur = info[3]
    stop = it + n_iter
    while it < stop and cur > 0:
        it += 1
        best_d, n_ties, bx, by, br = 1 << 30, 0, -1, -1, -1
        for r in rounds:
            for x in range(n):
                a = tab[r, x]
                if a < 0 or not free[r, x] or not _in_conflict(x, r, tab, mem, size, cls, cnt, cap):
                    continue
                for y in range(n):
                    b = tab[r, y]
                    if b < 0 or b == a or not free[r, y]:
                        continue
                    if pairs:
                        d = _delta_pairs(x, y, r, a, b, cls, cnt, cap, mem, size)
                    else:
                        d = _delta(x, y, r, a, b, cls, cnt, cap, mem, size)
                    if d > best_d:
                        continue
                    if (tabu_until[r, x, b] > it or tabu_until[r, y, a] > it) and cur + d >= best:
                        continue
                    if not _allowed(x, y, r, a, b, bad, mem, size):
                        continue
                    best_d, n_ties, bx, by, br = keep_fewest(d, x, y, r, best_d, n_ties, bx, by, br, rng)
        since += 1
        if bx >= 0:
            a = tab[br, bx]
            b = tab[br, by]
            cur += swap(bx, by, br, tab, mem, pos, size, cls, cnt, cap)
            tabu_until[br, bx, a] = it + t_min + randint(rng, t_span)
            tabu_until[br, by, b] = it + t_min + randint(rng, t_span)
            if cur < best:
                best = cur
                best_tab[:, :] = tab
                since = 0
        if since > stall_limit:  # back to the best plan, shaken by a few random swaps
            _load(best_tab, tab, mem, size, pos)
            cur = conflicts(tab, mem, size, cls, cnt, cap)
            for _ in range(kicks):
                r = rounds[randint(rng, rounds.shape[0])]
                x = randint(rng, n)
                y = randint(rng, n)
                a = tab[r, x]
                b = tab[r, y]
                if free[r, x] and free[r, y] and a >= 0 and b >= 0 and a != b and _allowed(x, y, r, a, b, bad,
                                                                                          mem, size):
                    cur += swap(x, y, r, tab, mem, pos, size, cls, cnt, cap)
            since = 0
    made = it - info[0]
    info[0] = it
    info[1] = since
    info[2] = best
    info[3] = cur
    return made


@nb.njit(cache=True)
def _load(src, tab, mem, size, pos):
    """Rebuild ``tab``, ``mem``, ``size`` and ``pos`` from the seating ``src``."""
    R, n = src.shape
    size[:, :] = 0
    for r in range(R):
        for i in range(n):
            t = src[r, i]
            tab[r, i] = t
            if t >= 0:
                mem[r, t, size[r, t]] = i
                pos[r, i] = size[r, t]
                size[r, t] += 1
            else:
                pos[r, i] = -1


def arrays(tab: np.ndarray, n_tables: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(mem, size, pos)`` of the seating ``tab`` (R x n, -1 absent) at ``n_tables`` tables."""
    R, n = tab.shape
    slots = max(1, int(max((np.bincount(tab[r][tab[r] >= 0], minlength=n_tables).max(initial=0)
                            for r in range(R)), default=1)))
    mem = np.full((R, n_tables, slots), -1, dtype=np.int64)
    size = np.zeros((R, n_tables), dtype=np.int64)
    pos = np.full((R, n), -1, dtype=np.int64)
    src = np.ascontiguousarray(tab, dtype=np.int64)
    _load(src, src.copy(), mem, size, pos)
    return mem, size, pos
