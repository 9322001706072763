"""Each member's best partners, exactly or from a sample, without any n x n matrix.

The engines that cannot look at every pair (intros at 100,000 members, cohort blocks) work on
candidate lists: each member's ``k`` best partners. :meth:`PartnerIndex.top` computes them through
the affinity's features (:meth:`~matchmaking.Affinity.flat_terms`): for a member, only the
partners sharing a feature (a skill they need, a goal, a city...) or an explicit weight are
scored, in a compiled loop (:mod:`matchmaking.scoring._topk`). :meth:`PartnerIndex.work` tells in
advance how much work that is, so that an engine with a time limit can choose between the
exact lists and sampled ones (``cap=``); :meth:`PartnerIndex.upper_bounds` bounds every member's
best possible partner, the certificate a sampled list still allows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from matchmaking.scoring import _topk
from matchmaking.scoring.affinity import Affinity


class PartnerIndex:
    """An affinity's features as the posting lists the compiled scan walks.

    Build it once per affinity and ask it for candidate lists (:meth:`top`), their cost
    (:meth:`work`) and per-member upper bounds (:meth:`upper_bounds`).

    Examples
    --------
    >>> from matchmaking import affinity, datasets
    >>> index = PartnerIndex(affinity(datasets.demo_community(), goals=0))
    >>> partners, scores = index.top(3)
    >>> partners.shape, bool((scores[:, :-1] >= scores[:, 1:]).all())  # best first
    ((150, 3), True)
    >>> bool((index.upper_bounds() >= scores[:, 0]).all()), bool((index.work() >= 0).all())
    (True, True)
    >>> sampled, _ = index.top(3, cap=5, seed=1)  # an approximate list, the same for the same seed
    >>> bool((sampled == index.top(3, cap=5, seed=1)[0]).all())
    True
    """

    def __init__(self, aff: Affinity) -> None:
        left, right, explicit = aff.flat_terms()
        self._setup(left, right, explicit, float(aff.baseline))

    def _setup(self, left: sp.csr_matrix, right: sp.csr_matrix, explicit: sp.csr_matrix, baseline: float) -> None:
        self.n = left.shape[0]
        self.baseline = baseline
        self.left, self.right, self.explicit = left, right, explicit
        posting = sp.csr_matrix(right.T)
        posting.sort_indices()
        as64 = np.int64
        self._l = (left.indptr.astype(as64), left.indices.astype(as64), left.data)
        self._r = (posting.indptr.astype(as64), posting.indices.astype(as64), posting.data)
        self._c = (right.indptr.astype(as64), right.indices.astype(as64), right.data)
        self._e = (explicit.indptr.astype(as64), explicit.indices.astype(as64), explicit.data)

    def subset(self, rows: np.ndarray) -> PartnerIndex:
        """The same scores among the members at positions ``rows`` only (positions renumbered 0..)."""
        rows = np.asarray(rows, dtype=np.int64)
        out = PartnerIndex.__new__(PartnerIndex)
        explicit = self.explicit[rows][:, rows].tocsr()
        explicit.sort_indices()
        left, right = self.left[rows].tocsr(), self.right[rows].tocsr()
        left.sort_indices()
        right.sort_indices()
        out._setup(left, right, explicit, self.baseline)
        return out

    def work(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Posting entries :meth:`top` walks for each row (its exact cost, up to a constant)."""
        rows = np.arange(self.n) if rows is None else np.asarray(rows, dtype=np.int64)
        lengths = np.diff(self._r[0]).astype(np.int64)
        count = sp.csr_matrix((np.ones(len(self._l[1]), dtype=np.int64), self._l[1], self._l[0]),
                              shape=(self.n, len(lengths)))
        work = count[rows] @ lengths + np.diff(self._e[0])[rows]
        if self.baseline > 0:
            work = work + self.n
        return np.asarray(work, dtype=np.int64)

    def top(
        self, k: int, *, rows: np.ndarray | None = None, min_score: float = 0.0, cap: int | None = None, seed: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best partners of each row (member positions; default all): ``(partners, scores)``.

        Both are ``len(rows) x k``, best first (``-1`` / ``-inf`` where a row has fewer than
        ``k`` partners scoring above ``min_score``); among equal scores the lowest position wins.
        With ``cap``, each feature's list of holders is walked for at most ``cap`` entries (from
        an offset drawn from ``seed``): the partners found are scored exactly, but better ones
        may be missed.
        """
        n = self.n
        rows = np.arange(n, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
        k = int(min(k, max(n - 1, 0)))
        if k < 1 or not len(rows):
            return np.full((len(rows), max(k, 0)), -1, dtype=np.int64), np.full((len(rows), max(k, 0)), -np.inf)
        base, floor = self.baseline, float(min_score)
        if cap is None:
            return _topk.exact_rows(rows, n, k, *self._l, *self._r, *self._e, base, floor, base > floor)
        return _topk.sampled_rows(rows, n, k, int(cap), int(seed), *self._l, *self._r, *self._c, *self._e, base, floor)

    def pair_scores(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Exact scores of the pairs of positions ``(i[k], j[k])``."""
        i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
        return _topk.pair_scores(i, j, *self._l, *self._c, *self._e, self.baseline)

    def upper_bounds(self) -> np.ndarray:
        """For each member, a proven upper bound on the score of any pair it is in.

        ``baseline + sum_f (L[i, f] * max_j R[j, f] if L[i, f] > 0 else L[i, f] * min_j R[j, f])
        + max(0, max_j E[i, j])``: each feature term at its largest, each explicit weight too.
        """
        left, right, explicit = self.left, self.right, self.explicit
        if right.shape[1]:
            hi = np.asarray(right.max(axis=0).toarray()).ravel()
            lo = np.asarray(right.min(axis=0).toarray()).ravel()
        else:
            hi = lo = np.zeros(0)
        pos, neg = left.copy(), left.copy()
        pos.data = np.clip(pos.data, 0.0, None)
        neg.data = np.clip(neg.data, None, 0.0)
        bound = np.asarray(pos @ hi + neg @ lo).ravel()
        if explicit.nnz:
            bound += np.clip(np.asarray(explicit.max(axis=1).toarray()).ravel(), 0.0, None)
        return bound + self.baseline


def pair_table(aff: Affinity, rows: np.ndarray, partners: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """Candidate lists as unique pairs ``a, b, score`` (``a`` before ``b`` in community order), sorted.

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Affinity, Community
    >>> members = Community.from_frame(pd.DataFrame({"id": list("abc")}))
    >>> aff = Affinity.from_pairs(members, pd.DataFrame({"a": ["a", "b"], "b": ["b", "c"], "weight": [2, 1]}))
    >>> pair_table(aff, np.arange(3), *PartnerIndex(aff).top(1)).values.tolist()  # b-a once
    [['a', 'b', 2.0], ['b', 'c', 1.0]]
    """
    n = len(aff.community)
    ids = np.asarray(aff.community.ids, dtype=object)
    r = np.repeat(np.asarray(rows, dtype=np.int64), partners.shape[1])
    j = partners.ravel()
    s = scores.ravel()
    keep = j >= 0
    r, j, s = r[keep], j[keep], s[keep]
    lo, hi = np.minimum(r, j), np.maximum(r, j)
    key, first = np.unique(lo * n + hi, return_index=True)
    lo, hi = key // n, key % n
    return pd.DataFrame({"a": ids[lo], "b": ids[hi], "score": s[first]})


def warm_up() -> None:
    """Compile the partner-list kernel once (``make setup`` calls it; numba caches the result).

    >>> warm_up()
    """
    from matchmaking.model.community import Community
    from matchmaking.scoring.affinity import affinity

    c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"], "offers": ["x", "", "y"], "needs": ["", "x", "x"]}))
    index = PartnerIndex(affinity(c, spread={}))
    index.top(1)
    index.top(1, cap=1)
    index.pair_scores(np.array([0]), np.array([1]))
