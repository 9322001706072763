"""The proven upper bound: over every plan whose cohorts stay inside the blocks' cities.

The pair term of a block is at most half the sum over its members of their ``hi - 1`` best
positive affinities in the block (:func:`best_row_sum`). A city cut into sub-blocks takes that
sum over the whole city (:func:`city_bound`), exactly row chunk by row chunk (compiled best
partners), until its deadline; the rows left take :func:`row_sum_bound`, a looser bound computed from the
factorised terms in one pass (linear in the city), so the bound stays proven whatever the time.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from matchmaking.scoring.affinity import Affinity
from matchmaking.solvers.cohorts.blocks import feasible_k


def cohort_bound(W: sp.csr_matrix, offers: np.ndarray, needs: np.ndarray, needs_weight: float,
                 spread: Sequence[tuple[np.ndarray, float]], hi: int, k_range: tuple[int, int]) -> float:
    """Upper bound on one block's objective over every partition with cohorts of at most ``hi``.

    Pair term: half the sum over members of their ``hi - 1`` best positive affinities.
    Needs: a need counts only if someone else in the block offers it. Spread: at most
    ``max over k in k_range of min(k V, n) - k`` per attribute with ``V`` values.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> W = sp.csr_matrix(np.array([[0, 2, 1], [2, 0, 0], [1, 0, 0]], dtype=float))
    >>> z = np.zeros((3, 0), dtype=np.uint8)
    >>> cohort_bound(W, z, z, 1.0, [], hi=2, k_range=(2, 2))  # best plan: pair (0, 1), value 2
    2.5
    """
    return best_row_sum(W.tocsr(), max(hi - 1, 0)) / 2.0 + group_bound(offers, needs, needs_weight, spread, k_range)


def group_bound(offers: np.ndarray, needs: np.ndarray, needs_weight: float,
                spread: Sequence[tuple[np.ndarray, float]], k_range: tuple[int, int]) -> float:
    """The needs and spread parts of :func:`cohort_bound`."""
    out = 0.0
    if needs_weight and offers.shape[1]:
        total = offers.sum(axis=0)
        others = total[None, :] - offers
        out += needs_weight * float((needs.astype(bool) & (others > 0)).sum())
    for codes, w in spread:
        v = len(np.unique(codes[codes >= 0]))
        nn = int((codes >= 0).sum())
        best = max((min(k * v, nn) - k for k in range(k_range[0], k_range[1] + 1)), default=0)
        out += w * max(best, 0)
    return out


def factor_bound(aff: Affinity, offers: np.ndarray, needs: np.ndarray, needs_weight: float,
                 spread: Sequence[tuple[np.ndarray, float]], hi: int, k_range: tuple[int, int]) -> float:
    """:func:`cohort_bound` with the pair term from :func:`row_sum_bound` (looser, but without the
    block's affinity matrix: for blocks the time limit leaves unsearched)."""
    pair = float(row_sum_bound(aff, max(hi - 1, 0)).sum()) if hi > 1 else 0.0
    return pair / 2.0 + group_bound(offers, needs, needs_weight, spread, k_range)


def city_bound(aff: Affinity, offers: np.ndarray, needs: np.ndarray, needs_weight: float,
               spread: Sequence[tuple[np.ndarray, float]], lo: int, hi: int, *, chunk: int = 2048,
               deadline: float | None = None, min_seconds: float = 0.5) -> tuple[float, int]:
    """:func:`cohort_bound` of a whole city (``aff`` restricted to it; every feasible cohort count).

    The pair term takes each member's ``hi - 1`` best partners exactly (compiled, through the
    members' features: :class:`~matchmaking.scoring.candidates.PartnerIndex`), ``chunk`` rows at
    a time, until ``deadline`` (a ``perf_counter`` time; with less than ``min_seconds`` left, none);
    the rows left take :func:`row_sum_bound`.
    Returns the bound and the number of rows computed exactly.

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community, affinity
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abcd"), "offers": ["x", "x", "", ""],
    ...                                        "needs": ["", "", "x", "x"]}))
    >>> z = np.zeros((4, 0), dtype=np.int64)
    >>> city_bound(affinity(c, goals=0), z, z, 0.0, [], 2, 3)  # each has 2 partners worth 1: (4 x 2) / 2
    (4.0, 4)
    >>> city_bound(affinity(c, goals=0), z, z, 0.0, [], 2, 3, deadline=0.0)  # no time: the factor bound
    (4.0, 0)
    """
    from matchmaking.scoring.candidates import PartnerIndex

    n = len(aff.community)
    m = min(max(hi - 1, 0), max(n - 1, 0))
    pair, done = 0.0, 0
    if m and (deadline is None or deadline - time.perf_counter() > min_seconds):
        index = PartnerIndex(aff)
        while done < n and (deadline is None or time.perf_counter() < deadline):
            rows = np.arange(done, min(done + chunk, n))
            _, scores = index.top(m, rows=rows, min_score=0.0)
            pair += float(scores[np.isfinite(scores)].sum())
            done = int(rows[-1]) + 1
    if m and done < n:
        pair += float(row_sum_bound(aff, m)[done:].sum())
    kmin, kmax = feasible_k(n, lo, hi)
    return pair / 2.0 + group_bound(offers, needs, needs_weight, spread, (max(kmin, 1), max(kmax, 1))), done if m else n


def row_sum_bound(aff: Affinity, m: int) -> np.ndarray:
    """Per member, an upper bound on the sum of their ``m`` best positive scores, in one pass.

    The sum of the ``m`` largest positive entries of a row is subadditive, so it is bounded
    feature by feature (:meth:`~matchmaking.Affinity.flat_terms`: ``L @ R.T + E``, ``R`` >= 0): a
    feature ``f`` of member ``r`` adds at most ``L[r, f] max R[:, f]`` with each of at most
    ``min(m, members with f)`` partners; the explicit weights take their own ``m`` best.

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community, affinity
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abc"), "goals": ["g", "g", "g"]}))
    >>> row_sum_bound(affinity(c), 1).tolist()  # each shares goal g (0.5) with one partner at most
    [0.5, 0.5, 0.5]
    """
    left, right, explicit = aff.flat_terms()
    out = np.zeros(left.shape[0])
    if right.shape[1]:
        right = sp.csc_matrix(right)
        count = np.minimum(np.diff(right.indptr), m).astype(float)
        top = np.asarray(right.max(axis=0).todense()).ravel()
        out += np.asarray(left.maximum(0) @ (np.maximum(top, 0.0) * count)).ravel()
    if explicit.nnz:
        out += best_row_sums(explicit.tocsr(), m)
    return out + max(float(aff.baseline), 0.0) * m


def best_row_sums(W: sp.csr_matrix, m: int) -> np.ndarray:
    """Per row of ``W``, the sum of its ``m`` largest positive entries."""
    out = np.zeros(W.shape[0])
    for r in range(W.shape[0]):
        vals = W.data[W.indptr[r]:W.indptr[r + 1]]
        vals = vals[vals > 0]
        if len(vals) > m:
            vals = np.partition(vals, len(vals) - m)[len(vals) - m:] if m else vals[:0]
        out[r] = float(vals.sum())
    return out


def best_row_sum(W: sp.csr_matrix, m: int) -> float:
    """Sum over the rows of ``W`` of each row's ``m`` largest positive entries."""
    return float(best_row_sums(W, m).sum())
