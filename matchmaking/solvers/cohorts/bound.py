"""The proven upper bound: over every plan whose cohorts stay inside the (sub-)blocks' cities."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from matchmaking.model.community import Community
from matchmaking.scoring.affinity import Affinity
from matchmaking.solvers.cohorts.blocks import block_skills, feasible_k


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
    out = best_row_sum(W.tocsr(), max(hi - 1, 0)) / 2.0
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


def city_bound(aff: Affinity, community: Community, members: np.ndarray, offers_all: sp.csr_matrix,
                needs_all: sp.csr_matrix, needs_weight: float, spread: Sequence[tuple[np.ndarray, float]],
                lo: int, hi: int, chunk: int = 512) -> float:
    """:func:`cohort_bound` of a whole city (every feasible cohort count), with the pair term
    computed in row chunks: memory stays linear in the city size."""
    block = aff.restrict([community.ids[m] for m in members])
    n = len(members)
    m = max(hi - 1, 0)
    pair = sum(best_row_sum(block.rows(np.arange(start, min(start + chunk, n))).tocsr(), m)
               for start in range(0, n, chunk))
    ob, nb = block_skills(offers_all, needs_all, members)
    kmin, kmax = feasible_k(n, lo, hi)
    empty = sp.csr_matrix((n, n))
    return pair / 2.0 + cohort_bound(empty, ob, nb, needs_weight, spread, hi, (max(kmin, 1), max(kmax, 1)))


def best_row_sum(W: sp.csr_matrix, m: int) -> float:
    """Sum over the rows of ``W`` of each row's ``m`` largest positive entries."""
    pair = 0.0
    for r in range(W.shape[0]):
        vals = W.data[W.indptr[r]:W.indptr[r + 1]]
        vals = vals[vals > 0]
        if len(vals) > m:
            vals = np.partition(vals, len(vals) - m)[len(vals) - m:] if m else vals[:0]
        pair += float(vals.sum())
    return pair
