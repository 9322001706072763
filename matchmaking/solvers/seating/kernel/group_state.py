"""The state of the grouping search (numba): per-member, per-table sums and the table lists.

See :mod:`matchmaking.solvers.seating.kernel.groups` for the problem and the searches on it.
``GW[k, t]`` is the sum of ``E[k, j]`` over the members ``j`` at table ``t``; ``mem`` (m x
slots), ``size`` (m) and ``pos`` (n) list the members of each table.
"""

from __future__ import annotations

import numba as nb
import numpy as np

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


@nb.njit(cache=True, inline="always")
def relink_move(g, mem, size, pos, i, a, b):
    """Member ``i`` leaves table ``a`` for table ``b`` in ``g``, ``mem``, ``size`` and ``pos`` (not the sums)."""
    last = mem[a, size[a] - 1]
    p = pos[i]
    mem[a, p] = last
    pos[last] = p
    size[a] -= 1
    mem[b, size[b]] = i
    pos[i] = size[b]
    size[b] += 1
    g[i] = b


@nb.njit(cache=True, inline="always")
def relink_swap(g, mem, pos, i, j, a, b):
    """Members ``i`` (table ``a``) and ``j`` (table ``b``) trade places in ``g``, ``mem`` and ``pos``."""
    pi = pos[i]
    pj = pos[j]
    mem[a, pi] = j
    pos[j] = pi
    mem[b, pj] = i
    pos[i] = pj
    g[i] = b
    g[j] = a


@nb.njit(cache=True)
def move_member(E, g, GW, mem, size, pos, i, b):
    """Move ``i`` to table ``b`` (GW, mem, size, pos kept)."""
    a = g[i]
    row = E[i]
    for k in range(g.shape[0]):
        x = row[k]
        GW[k, a] -= x
        GW[k, b] += x
    relink_move(g, mem, size, pos, i, a, b)


@nb.njit(cache=True)
def swap_members(E, g, GW, mem, pos, i, j):
    """Swap ``i`` and ``j`` (other tables)."""
    a = g[i]
    b = g[j]
    ri = E[i]
    rj = E[j]
    for k in range(g.shape[0]):
        x = ri[k] - rj[k]
        GW[k, a] -= x
        GW[k, b] += x
    relink_swap(g, mem, pos, i, j, a, b)


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
