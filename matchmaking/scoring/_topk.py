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
        acc = np.zeros(n)
        mark = np.zeros(n, dtype=np.bool_)
        touched = np.empty(n, dtype=np.int64)
        bs = np.empty(k)
        bj = np.empty(k, dtype=np.int64)
        for r in range(c * nr // chunks, (c + 1) * nr // chunks):
            i = rows[r]
            t = 0
            for a in range(lptr[i], lptr[i + 1]):
                f, v = lidx[a], lval[a]
                for b in range(rptr[f], rptr[f + 1]):
                    j = ridx[b]
                    if not mark[j]:
                        mark[j] = True
                        touched[t] = j
                        t += 1
                    acc[j] += v * rval[b]
            for a in range(eptr[i], eptr[i + 1]):
                j = eidx[a]
                if not mark[j]:
                    mark[j] = True
                    touched[t] = j
                    t += 1
                acc[j] += evals[a]
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
            for x in range(t):
                acc[touched[x]] = 0.0
                mark[touched[x]] = False
            for x in range(m):
                out_j[r, x] = bj[x]
                out_s[r, x] = bs[x]
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
        acc = np.zeros(n)
        mark = np.zeros(n, dtype=np.bool_)
        touched = np.empty(n, dtype=np.int64)
        ws = np.empty(wide)
        wj = np.empty(wide, dtype=np.int64)
        bs = np.empty(k)
        bj = np.empty(k, dtype=np.int64)
        for r in range(c * nr // chunks, (c + 1) * nr // chunks):
            i = rows[r]
            t = 0
            for a in range(lptr[i], lptr[i + 1]):
                f, v = lidx[a], lval[a]
                length = rptr[f + 1] - rptr[f]
                steps = min(length, cap)
                start = (i * 2654435761 + f * 40503 + seed * 97) % length if length else 0
                for s_ in range(steps):
                    b = rptr[f] + (start + s_) % length
                    j = ridx[b]
                    if not mark[j]:
                        mark[j] = True
                        touched[t] = j
                        t += 1
                    acc[j] += v * rval[b]
            for a in range(eptr[i], eptr[i + 1]):
                j = eidx[a]
                if not mark[j]:
                    mark[j] = True
                    touched[t] = j
                    t += 1
                acc[j] += evals[a]
            m = 0
            for x in range(t):
                j = touched[x]
                if j != i:
                    m = _offer(ws, wj, m, wide, acc[j], j)
            for x in range(t):
                acc[touched[x]] = 0.0
                mark[touched[x]] = False
            q = 0
            for x in range(m):
                j = wj[x]
                s = _exact_score(i, j, lptr, lidx, lval, cptr, cidx, cval, eptr, eidx, evals, baseline)
                if s > min_score:
                    q = _offer(bs, bj, q, k, s, j)
            for x in range(q):
                out_j[r, x] = bj[x]
                out_s[r, x] = bs[x]
    return out_j, out_s


@nb.njit(cache=True)
def pair_scores(ii, jj, lptr, lidx, lval, cptr, cidx, cval, eptr, eidx, evals, baseline):
    """Exact scores of the pairs ``(ii[k], jj[k])``."""
    out = np.empty(len(ii))
    for x in range(len(ii)):
        out[x] = _exact_score(ii[x], jj[x], lptr, lidx, lval, cptr, cidx, cval, eptr, eidx, evals, baseline)
    return out
