"""The group-based crossover of two seatings of a round (numba).

See :mod:`matchmaking.solvers.seating.kernel.groups`.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from matchmaking.solvers.seating.kernel.core import rand
from matchmaking.solvers.seating.kernel.group_state import tables_of


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
