"""Compiled core of :meth:`matchmaking.Affinity.top_partners`: each member's best partners (numba).

A score is ``baseline + sum_f L[i, f] * R[j, f] + E[i, j]``: the factorised terms flattened
into one member x feature matrix ``L`` (weights folded in) and its partner side ``R``, plus the
weighted explicit terms ``E`` (pairs file, history). ``R`` is given transposed, as posting
lists: for feature ``f``, the members ``j`` holding it. A row's scores are accumulated by
walking the posting lists of its features (sparse work: only partners that share something),
and the ``k`` best are kept in a small sorted buffer, best first; among equal scores the lowest
member index wins, as :meth:`~matchmaking.Affinity.top_pairs` promises.

``exact_rows`` walks every posting list. ``sampled_rows`` walks at most ``cap`` entries of each
(from a seeded offset), picks the best partners by those partial sums and then scores them
exactly: a fast, approximate candidate list for communities too large to scan in the time.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, inline="always")
def _offer(bs: np.ndarray, bj: np.ndarray, m: int, k: int, s: float, j: int) -> int:
    """Insert ``(s, j)`` into the sorted buffer (best first) of ``m`` entries; return the new size."""
    if m == k:
        if s < bs[k - 1] or (s == bs[k - 1] and j > bj[k - 1]):
            return m
        pos = k - 1
    else:
        pos = m
        m += 1
    while pos > 0 and (s > bs[pos - 1] or (s == bs[pos - 1] and j < bj[pos - 1])):
        bs[pos] = bs[pos - 1]
        bj[pos] = bj[pos - 1]
        pos -= 1
    bs[pos] = s
    bj[pos] = j
    return m


@nb.njit(cache=True, inline="always")
def _touch(acc: np.ndarray, mark: np.ndarray, touched: np.ndarray, t: int, j: int, v: float) -> int:
    """Add ``v`` to partner ``j``'s sum, listing ``j`` in ``touched`` on its first visit; return the new count."""
    if not mark[j]:
        mark[j] = True
        touched[t] = j
        t += 1
    acc[j] += v
    return t


@nb.njit(cache=True, inline="always")
def _scratch(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One thread's work arrays: partners' sums, visited marks and the list of visited partners."""
    return np.zeros(n), np.zeros(n, dtype=np.bool_), np.empty(n, dtype=np.int64)


@nb.njit(cache=True, inline="always")
def _gather(i: int, cap: int, seed: int, lptr, lidx, lval, rptr, ridx, rval, eptr, eidx, evals,
            acc: np.ndarray, mark: np.ndarray, touched: np.ndarray) -> int:
    """Sum ``L[i] . R[j] + E[i, j]`` into ``acc`` for every partner ``j`` reached; return how many were.

    Each feature's posting list is walked whole (``cap < 0``), or for at most ``cap`` entries
    from an offset drawn from ``i``, the feature and ``seed``. Within a feature each partner is
    met once, so the sums do not depend on the order of the walk.
    """
    t = 0
    for a in range(lptr[i], lptr[i + 1]):
        f, v = lidx[a], lval[a]
        lo, length = rptr[f], rptr[f + 1] - rptr[f]
        if cap < 0:
            for b in range(lo, lo + length):
                t = _touch(acc, mark, touched, t, ridx[b], v * rval[b])
        elif length:
            start = (i * 2654435761 + f * 40503 + seed * 97) % length
            for s_ in range(min(length, cap)):
                b = lo + (start + s_) % length
                t = _touch(acc, mark, touched, t, ridx[b], v * rval[b])
    for a in range(eptr[i], eptr[i + 1]):
        t = _touch(acc, mark, touched, t, eidx[a], evals[a])
    return t


@nb.njit(cache=True, inline="always")
def _clear(acc: np.ndarray, mark: np.ndarray, touched: np.ndarray, t: int) -> None:
    """Zero the sums and marks of the ``t`` touched partners (ready for the next row)."""
    for x in range(t):
        acc[touched[x]] = 0.0
        mark[touched[x]] = False


@nb.njit(cache=True, inline="always")
def _store(out_j: np.ndarray, out_s: np.ndarray, r: int, bj: np.ndarray, bs: np.ndarray, m: int) -> None:
    """Copy the ``m`` best partners of the buffer into row ``r`` of the outputs."""
    for x in range(m):
        out_j[r, x] = bj[x]
        out_s[r, x] = bs[x]


@nb.njit(cache=True)
def _exact_score(i: int, j: int, lptr, lidx, lval, cptr, cidx, cval, eptr, eidx, evals, baseline: float) -> float:
    """``baseline + L[i] . R[j] + E[i, j]`` by merging the sorted sparse rows."""
    s = baseline
    a, a_end = lptr[i], lptr[i + 1]
    b, b_end = cptr[j], cptr[j + 1]
    while a < a_end and b < b_end:
        fa, fb = lidx[a], cidx[b]
        if fa == fb:
            s += lval[a] * cval[b]
            a += 1
            b += 1
        elif fa < fb:
            a += 1
        else:
            b += 1
    lo, hi = eptr[i], eptr[i + 1]
    while lo < hi:  # binary search of j in the explicit row
        mid = (lo + hi) // 2
        if eidx[mid] < j:
            lo = mid + 1
        else:
            hi = mid
    if lo < eptr[i + 1] and eidx[lo] == j:
        s += evals[lo]
    return s


@nb.njit(cache=True, parallel=True)
def exact_rows(rows, n, k, lptr, lidx, lval, rptr, ridx, rval, eptr, eidx, evals, baseline, min_score, full):
    """The ``k`` best partners of each row: ``(partners, scores)``, each ``len(rows) x k`` (-1: none).

    ``full``: every member is a candidate (the baseline alone beats ``min_score``); otherwise only
    members sharing a feature or an explicit entry with the row are.
    """
    nr = len(rows)
    out_j = np.full((nr, k), -1, dtype=np.int64)
    out_s = np.full((nr, k), -np.inf)
    chunks = min(nr, 64)
    for c in nb.prange(chunks):
        acc, mark, touched = _scratch(n)
        bs, bj = np.empty(k), np.empty(k, dtype=np.int64)
        for r in range(c * nr // chunks, (c + 1) * nr // chunks):
            i = rows[r]
            t = _gather(i, -1, 0, lptr, lidx, lval, rptr, ridx, rval, eptr, eidx, evals, acc, mark, touched)
            m = 0
            if full:
                for j in range(n):
                    s = baseline + acc[j]
                    if j != i and s > min_score:
                        m = _offer(bs, bj, m, k, s, j)
            else:
                for x in range(t):
                    j = touched[x]
                    s = baseline + acc[j]
                    if j != i and s > min_score:
                        m = _offer(bs, bj, m, k, s, j)
            _clear(acc, mark, touched, t)
            _store(out_j, out_s, r, bj, bs, m)
    return out_j, out_s


@nb.njit(cache=True, parallel=True)
def sampled_rows(rows, n, k, cap, seed, lptr, lidx, lval, rptr, ridx, rval, cptr, cidx, cval, eptr, eidx, evals,
                 baseline, min_score):
    """Like :func:`exact_rows`, walking at most ``cap`` entries of each posting list.

    The partners reached are ranked by their partial sums; the ``4 k`` best are then scored
    exactly (``R`` as rows: ``cptr, cidx, cval``) and the ``k`` best of those kept. Same rows,
    ``cap`` and ``seed``: same result.
    """
    nr = len(rows)
    out_j = np.full((nr, k), -1, dtype=np.int64)
    out_s = np.full((nr, k), -np.inf)
    wide = 4 * k
    chunks = min(nr, 64)
    for c in nb.prange(chunks):
        acc, mark, touched = _scratch(n)
        ws, wj = np.empty(wide), np.empty(wide, dtype=np.int64)
        bs, bj = np.empty(k), np.empty(k, dtype=np.int64)
        for r in range(c * nr // chunks, (c + 1) * nr // chunks):
            i = rows[r]
            t = _gather(i, max(cap, 0), seed, lptr, lidx, lval, rptr, ridx, rval, eptr, eidx, evals, acc, mark, touched)
            m = 0
            for x in range(t):
                j = touched[x]
                if j != i:
                    m = _offer(ws, wj, m, wide, acc[j], j)
            _clear(acc, mark, touched, t)
            q = 0
            for x in range(m):
                j = wj[x]
                s = _exact_score(i, j, lptr, lidx, lval, cptr, cidx, cval, eptr, eidx, evals, baseline)
                if s > min_score:
                    q = _offer(bs, bj, q, k, s, j)
            _store(out_j, out_s, r, bj, bs, q)
    return out_j, out_s


@nb.njit(cache=True)
def pair_scores(ii, jj, lptr, lidx, lval, cptr, cidx, cval, eptr, eidx, evals, baseline):
    """Exact scores of the pairs ``(ii[k], jj[k])``."""
    out = np.empty(len(ii))
    for x in range(len(ii)):
        out[x] = _exact_score(ii[x], jj[x], lptr, lidx, lval, cptr, cidx, cval, eptr, eidx, evals, baseline)
    return out
