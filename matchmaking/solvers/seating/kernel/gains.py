"""A table of pair gains for the annealing: what each member brings to, or takes from, each table.

The textbook evaluation of a swap (:func:`.core.swap_delta`) reads the pair values, meeting
counts and flags of both members with everyone at both tables: on 2,000 people those are
about 40 scattered reads of three ``n x n`` matrices, 1.3 microseconds of the 1.7 a proposal
costs. The gain table, as in the tabu searches for grouping problems, keeps per round ``r``,
table ``t`` and member ``x``

``GV[r, t, x]``, ``GR[r, t, x]``
    the pair value and repeats of ``x``'s pairs with the members of ``t``: what ``x`` would
    gain by joining ``t`` (``x`` sits elsewhere, :func:`.core.joins`), or loses by leaving it
    (``x`` sits there, :func:`.core.leaves`).

A swap is then four reads and one pair correction (:func:`swap_pairs`). Making a relocation of
``i`` costs ``O(n)`` updates, along rows: its pair value moves from every member's entry for the
old table to the new one (:func:`shift_plain`), with exact terms for the few members who meet
``i`` or have a flag with it (:func:`special`, :func:`shift_round`), and the meeting counts of
``i`` with both tables change its terms in the other rounds (:func:`shift_others`). ``i``'s own
entries need nothing: what it loses by leaving a table is what it gains by joining it again. So
the table pays where most proposals are refused, in the cold part of the cooling.

The needs of the two tables' other members (the rest of a swap's cost) are counted the same
way: ``UNC[r, t, k]`` and ``ONE[r, t, k]``, the members of table ``t`` needing ``k`` whom no tablemate
of any round covers yet, or exactly one does (:func:`swap_mates`, :func:`shift_needs`). The
tests rebuild both after random relocations and compare them entry by entry.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from matchmaking.solvers.seating.kernel.core import joins, leaves

__all__ = ["build_gains", "build_needs", "empty_gains", "shift_needs", "shift_others", "shift_plain", "shift_round",
           "special", "swap_mates", "swap_pairs"]


@nb.njit(cache=True, inline="always")
def _term(x, m, same, C, F, W):
    """(value, repeats) of the pair ``(x, m)`` in ``x``'s entry for ``m``'s table (``same``: ``x`` sits there)."""
    if same:
        return leaves(C[m, x], F[m, x], W[m, x])
    return joins(C[m, x], F[m, x], W[m, x])


@nb.njit(cache=True)
def build_gains(W, F, C, tab, mem, size, GV, GR):
    """Fill ``GV``, ``GR`` (rounds x tables x n) from the state (members absent from a round: 0)."""
    R, T = size.shape
    n = tab.shape[1]
    GV[:, :, :] = 0.0
    GR[:, :, :] = 0
    for r in range(R):
        for t in range(T):
            for q in range(size[r, t]):
                m = mem[r, t, q]
                for x in range(n):
                    tx = tab[r, x]
                    if tx < 0 or x == m:
                        continue
                    v, d = _term(x, m, tx == t, C, F, W)
                    GV[r, t, x] += v
                    GR[r, t, x] += d


@nb.njit(cache=True, inline="always")
def swap_pairs(i, j, a, b, r, GV, GR, C, F, W):
    """(pair value, repeats) deltas of swapping ``i`` at table ``a`` and ``j`` at ``b`` in round ``r``, from the table."""
    v, d = joins(C[i, j], F[i, j], W[i, j])  # in both arrival entries, though the other one leaves
    return (GV[r, b, i] - GV[r, a, i] + GV[r, a, j] - GV[r, b, j] - 2.0 * v,
            GR[r, b, i] - GR[r, a, i] + GR[r, a, j] - GR[r, b, j] - 2 * d)


@nb.njit(cache=True)
def special(i, r, tab, mem, size, fptr, fidx, stamp, mark, out):
    """Members whose pair with ``i`` is not plain while ``i`` moves between two tables of round ``r``.

    Plain: no flag with ``i`` and no meeting with ``i`` outside round ``r``, so that ``i``'s term
    in their entry is its pair value alone before and after the move (a pair meeting only in
    round ``r`` loses, by leaving, the value it gains by joining). The others (``i``'s tablemates
    in the other rounds, flagged pairs) are written to ``out`` once each (``stamp`` marks them with
    ``mark``); returns their number.
    """
    k = 0
    for r2 in range(tab.shape[0]):
        t2 = tab[r2, i]
        if r2 == r or t2 < 0:
            continue
        for q in range(size[r2, t2]):
            x = mem[r2, t2, q]
            if x != i and stamp[x] != mark:
                stamp[x] = mark
                out[k] = x
                k += 1
    for u in range(fptr[i], fptr[i + 1]):
        x = fidx[u]
        if stamp[x] != mark:
            stamp[x] = mark
            out[k] = x
            k += 1
    return k


@nb.njit(cache=True)
def shift_round(i, r, t, sign, W, F, C, tab, spec, k, GV, GR):
    """Take out (``sign`` -1, before ``i`` leaves table ``t``) or put in (1, once it has arrived) the exact
    terms ``(x, i)`` of the ``k`` members ``spec`` in their entries for ``t``, less the plain term
    :func:`shift_plain` moves for everyone.
    """
    for q in range(k):
        x = spec[q]
        tx = tab[r, x]
        if tx < 0:
            continue
        v, d = _term(x, i, tx == t, C, F, W)
        GV[r, t, x] += sign * (v - W[i, x])
        GR[r, t, x] += sign * d


@nb.njit(cache=True)
def shift_plain(i, r, a, b, W, GV):
    """Move the plain term of ``i`` (its pair value) from every member's entry for ``a`` to ``b`` (round ``r``).

    Entries of members absent from the round are written too and not kept (nobody reads them);
    ``i``'s own get its pair value with itself, 0.
    """
    ga = GV[r, a]
    gb = GV[r, b]
    w = W[i]
    for x in range(w.shape[0]):
        ga[x] -= w[x]
        gb[x] += w[x]


@nb.njit(cache=True)
def shift_others(i, r, a, b, sign, W, F, C, tab, mem, size, GV, GR):
    """Add or take out, in the rounds other than ``r``, the terms of ``i`` with the members of tables ``a``, ``b``.

    A relocation of ``i`` from ``a`` to ``b`` in round ``r`` changes how often ``i`` meets each
    of them, so both ends of each such pair change in every other round both attend.
    """
    R = tab.shape[0]
    for side in range(2):
        t = a if side == 0 else b
        for q in range(size[r, t]):
            m = mem[r, t, q]
            if m == i:
                continue
            for r2 in range(R):
                if r2 == r:
                    continue
                ti = tab[r2, i]
                tm = tab[r2, m]
                if ti < 0 or tm < 0:
                    continue
                v, d = _term(i, m, ti == tm, C, F, W)
                GV[r2, tm, i] += sign * v
                GR[r2, tm, i] += sign * d
                GV[r2, ti, m] += sign * v
                GR[r2, ti, m] += sign * d


@nb.njit(cache=True, inline="always")
def _count_needs(m, sign, nptr, nidx, NC, tab, UNC, ONE):
    """Add ``sign`` times member ``m``'s open and once-covered needs to its tables' counts in every round."""
    for u in range(nptr[m], nptr[m + 1]):
        k = nidx[u]
        c = NC[m, k]
        if c > 1:
            continue
        for r in range(tab.shape[0]):
            t = tab[r, m]
            if t >= 0:
                if c == 0:
                    UNC[r, t, k] += sign
                else:
                    ONE[r, t, k] += sign


@nb.njit(cache=True)
def build_needs(nptr, nidx, NC, tab, UNC, ONE):
    """Fill ``UNC``, ``ONE`` (rounds x tables x labels): the members of each table with a need no
    tablemate of any round covers yet (``UNC``) or exactly one does (``ONE``)."""
    UNC[:, :, :] = 0
    ONE[:, :, :] = 0
    for m in range(tab.shape[1]):
        _count_needs(m, 1, nptr, nidx, NC, tab, UNC, ONE)


@nb.njit(cache=True)
def shift_needs(r, a, b, sign, nptr, nidx, NC, tab, mem, size, UNC, ONE):
    """Take out (-1, before a relocation between tables ``a`` and ``b`` of round ``r``) or put back (1,
    after) the counts of the members of both tables, whose cover the relocation changes."""
    for side in range(2):
        t = a if side == 0 else b
        for q in range(size[r, t]):
            _count_needs(mem[r, t, q], sign, nptr, nidx, NC, tab, UNC, ONE)


@nb.njit(cache=True, inline="always")
def swap_mates(i, j, a, b, r, optr, oidx, OFF, NEED, NC, UNC, ONE):
    """Needs newly covered (minus uncovered) among the other members of tables ``a`` and ``b`` when ``i``
    (at ``a``) and ``j`` (at ``b``) swap in round ``r``: the part :func:`.core.swap_rest` leaves out
    without ``mates``. A table gains the cover of what the arriving member offers and the leaving
    one does not, for members nobody covered, and loses the reverse for members only one covered.
    """
    dc = 0
    for side in range(2):
        x, y, t = (i, j, a) if side == 0 else (j, i, b)  # x leaves t, y arrives
        for u in range(optr[y], optr[y + 1]):
            k = oidx[u]
            if not OFF[x, k]:
                dc += UNC[r, t, k] - (1 if NEED[x, k] and NC[x, k] == 0 else 0)
        for u in range(optr[x], optr[x + 1]):
            k = oidx[u]
            if not OFF[y, k]:
                dc -= ONE[r, t, k] - (1 if NEED[x, k] and NC[x, k] == 1 else 0)
    return dc


def empty_gains() -> tuple[np.ndarray, ...]:
    """The arrays that switch the table off (the textbook evaluation by scanning both tables)."""
    z = np.zeros(1, dtype=np.int64)  # read-only here: fptr = [0], fidx empty; stamp and spec unused
    c = np.zeros((0, 0, 0), dtype=np.int32)
    return np.zeros((0, 0, 0)), c, z, z[:0], z, z, np.zeros((0, 0), dtype=np.uint8), c, c
