"""Pairwise affinity: a sparse score built from named, weighted terms.

The score of a pair of members is a weighted sum of terms, each with a meaning an organizer
can read (:mod:`matchmaking.scoring.terms`): ``complementarity`` (needs of one the other
offers, both ways), ``goals`` (shared goals), ``similar:<attr>`` (same value: same city),
``spread:<attr>`` (different values: diversity), ``novelty`` (minus the times they already met)
and ``pairs`` (an explicit weight from a pairs file; negative: "better not together").

Every term is computed with sparse matrix products, never a loop over pairs, so a
10,000-member community is scored in seconds. Spread terms are nonzero for almost every
pair; to stay sparse they are stored as a constant :attr:`Affinity.baseline` (the sum of
spread weights) minus a sparse "same value" part: ``score = baseline + sparse part``.
Each member's best partners are :mod:`matchmaking.scoring.candidates`; the words behind a
score, :mod:`matchmaking.scoring.explain`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from matchmaking.model.community import Community
from matchmaking.scoring.explain import explain_pair
from matchmaking.scoring.pairs_file import history_counts, pair_matrix, read_pairs
from matchmaking.scoring.terms import TERM_ORDER, check_terms, flatten, ordered_terms, term_factors

__all__ = ["TERM_ORDER", "Affinity", "affinity"]


@dataclass
class Affinity:
    """Pairwise scores of a community's members, decomposable into named terms.

    Build it with :func:`affinity` (or :meth:`from_pairs` when a pairs file is the whole
    affinity). Use :meth:`score` for any list of pairs, :meth:`matrix` for a sparse
    member x member matrix, :meth:`dense` for an event-sized block, :meth:`top_pairs` for
    each member's best candidates and :meth:`explain` for the words behind a score.

    Attributes
    ----------
    community : Community
    weights : dict
        Term name -> weight, e.g. ``{"complementarity": 1.0, "similar:city": 0.5}``.
    explicit : pandas.DataFrame
        The explicit pairs (``a, b, weight``), possibly empty.
    met : pandas.DataFrame
        Meeting counts (``a, b, count``) from the history, possibly empty.
    """

    community: Community
    weights: dict[str, float]
    explicit: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"a": [], "b": [], "weight": []}))
    met: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"a": [], "b": [], "count": []}))

    def __post_init__(self) -> None:
        check_terms(self.weights, self.community.attributes)
        self._cache: dict[object, object] = {}

    # ----------------------------------------------------------------- building
    @classmethod
    def from_pairs(cls, community: Community, pairs: str | os.PathLike | pd.DataFrame) -> Affinity:
        """An affinity that is exactly the weights of a pairs file (the ``--pairs`` contract).

        Examples
        --------
        >>> import pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"]}))
        >>> aff = Affinity.from_pairs(c, pd.DataFrame({"a": ["a"], "b": ["b"], "weight": [3]}))
        >>> aff.score(["a", "a"], ["b", "c"])["total"].tolist()
        [3.0, 0.0]
        """
        return cls(community, {"pairs": 1.0}, explicit=read_pairs(pairs, community))

    @property
    def terms(self) -> list[str]:
        """Names of the terms with a nonzero weight, in a stable order."""
        return ordered_terms(self.weights)

    @property
    def baseline(self) -> float:
        """Constant part of every pair's score (the sum of the spread weights)."""
        return float(sum(w for t, w in self.weights.items() if t.startswith("spread:")))

    # ----------------------------------------------------------------- raw terms
    def _factors(self, term: str) -> tuple[list[tuple[sp.csr_matrix, sp.csr_matrix]], sp.csr_matrix | None]:
        """A term as ``sum(L @ R.T for L, R in factors) + explicit`` (:func:`~matchmaking.scoring.terms.term_factors`), cached."""
        if term not in self._cache:
            self._cache[term] = term_factors(self.community, term, met=self.met, explicit=self.explicit)
        return self._cache[term]  # type: ignore[return-value]

    def restrict(self, members: Sequence[str]) -> Affinity:
        """The same affinity over a subset of the members (same weights; explicit pairs and history
        kept where both ends are inside), in the order given.

        Examples
        --------
        >>> import pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"], "offers": ["x", "", ""],
        ...                                        "needs": ["", "x", "x"]}))
        >>> affinity(c, goals=0).restrict(["c", "a"]).matrix().toarray()
        array([[0., 1.],
               [1., 0.]])
        """
        if len(members) == len(self.community) and list(members) == self.community.ids:
            return self
        sub = self.community.subset(members)
        keep = set(members)

        def inside(frame: pd.DataFrame) -> pd.DataFrame:
            if not len(frame):
                return frame
            return frame[frame["a"].isin(keep) & frame["b"].isin(keep)].reset_index(drop=True)

        return Affinity(sub, dict(self.weights), explicit=inside(self.explicit), met=inside(self.met))

    def rows(self, rows: np.ndarray, cols: np.ndarray | None = None) -> sp.csr_matrix:
        """Sparse scores minus :attr:`baseline` of a block of rows (member positions) against every
        member (or the positions ``cols``), diagonal zeroed: a slice of :meth:`matrix` computed
        without the whole matrix.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"], "offers": ["x", "", ""],
        ...                                        "needs": ["", "x", "x"]}))
        >>> affinity(c, goals=0).rows(np.array([0])).toarray()
        array([[0., 1., 1.]])
        """
        n = len(self.community)
        width = n if cols is None else len(cols)
        total = sp.csr_matrix((len(rows), width), dtype=np.float64)
        for term in self.terms:
            w = self.weights[term]
            factors, explicit = self._factors(term)
            for left, right in factors:
                r = right if cols is None else right[cols]
                total = total + w * (left[rows] @ r.T)
            if explicit is not None:
                block = explicit[rows]
                total = total + w * (block if cols is None else block[:, cols])
        total = sp.csr_matrix(total, dtype=np.float64)
        # zero the diagonal: entries where the row member is the column member
        col_ids = np.arange(n) if cols is None else np.asarray(cols)
        coo = total.tocoo()
        same = np.asarray(rows)[coo.row] == col_ids[coo.col]
        if same.any():
            coo.data[same] = 0.0
            total = coo.tocsr()
        total.eliminate_zeros()
        return total

    def matrix(self, members: Sequence[str] | None = None) -> sp.csr_matrix:
        """Sparse symmetric matrix of scores minus :attr:`baseline`, over ``members``.

        Parameters
        ----------
        members : sequence of str, optional
            Rows/columns in this order (default: every member).

        Examples
        --------
        >>> import pandas as pd
        >>> c = Community.from_frame(pd.DataFrame(
        ...     {"id": ["a", "b", "c"], "offers": ["x", "", ""], "needs": ["", "x", "x"]}))
        >>> affinity(c, goals=0).matrix().toarray()
        array([[0., 1., 1.],
               [1., 0., 0.],
               [1., 0., 0.]])
        """
        idx = np.arange(len(self.community)) if members is None else self.community.index_of(members)
        return self.rows(idx, None if members is None else idx).tocsr()

    def dense(self, members: Sequence[str] | None = None) -> np.ndarray:
        """Dense matrix of full scores (baseline included, zero diagonal) over ``members``.

        Meant for event-sized blocks (a few thousand members).
        """
        m = self.matrix(members).toarray()
        if self.baseline:
            m += self.baseline
            np.fill_diagonal(m, 0.0)
        return m

    # ----------------------------------------------------------------- pairs
    def score(self, a: Sequence[str], b: Sequence[str]) -> pd.DataFrame:
        """Scores of the pairs ``(a[k], b[k])``, one column per weighted term and ``total``.

        Examples
        --------
        >>> import pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "offers": ["x", ""],
        ...     "needs": ["", "x"], "goals": ["g", "g"], "city": ["Lyon", "Nice"]}))
        >>> affinity(c, goals=0.5, spread=["city"]).score(["a"], ["b"])
           a  b  complementarity  goals  spread:city  total
        0  a  b              1.0    0.5          1.0    2.5
        """
        ia = self.community.index_of(a)
        ib = self.community.index_of(b)
        out = pd.DataFrame({"a": list(a), "b": list(b)})
        total = np.zeros(len(ia))
        for term in self.terms:
            raw = self.term_values(term, ia, ib)
            if term.startswith("spread:"):
                raw = 1.0 + raw
                raw[ia == ib] = 0.0
            values = self.weights[term] * raw
            out[term] = values
            total += values
        out["total"] = total
        return out

    def totals(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """The ``total`` column of :meth:`score` (pairs ``(a[k], b[k])``), in one pass over the
        flattened terms (:meth:`flat_terms`): what a plan's objective sums, for large plans.

        Examples
        --------
        >>> import pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "offers": ["x", ""],
        ...     "needs": ["", "x"], "goals": ["g", "g"], "city": ["Lyon", "Nice"]}))
        >>> affinity(c, goals=0.5, spread=["city"]).totals(["a", "a"], ["b", "a"]).tolist()
        [2.5, 0.0]
        """
        ia, ib = self.community.index_of(a), self.community.index_of(b)
        if not len(ia):
            return np.zeros(0)
        left, right, explicit = self.flat_terms()
        out = np.asarray(left[ia].multiply(right[ib]).sum(axis=1)).ravel() + self.baseline
        if explicit.nnz:
            out += np.asarray(explicit[ia, ib]).ravel()
        out[ia == ib] = 0.0
        return out

    def term_values(self, term: str, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
        """Unweighted values of one term for the pairs of positions ``(ia[k], ib[k])``, without any n x n matrix.

        A spread term is given without its constant part (``-1`` for the same value, else 0); a
        member with itself is 0.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"], "goals": ["g; h", "g; h", "g"]}))
        >>> affinity(c).term_values("goals", np.array([0, 0, 1]), np.array([1, 2, 1])).tolist()
        [2.0, 1.0, 0.0]
        """
        if not len(ia):
            return np.zeros(0)
        factors, explicit = self._factors(term)
        out = np.zeros(len(ia))
        for left, right in factors:
            out += np.asarray(left[ia].multiply(right[ib]).sum(axis=1)).ravel()
        if explicit is not None:
            out += np.asarray(explicit[ia, ib]).ravel()
        out[ia == ib] = 0.0
        return out

    def flat_terms(self) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
        """The score as ``baseline + L @ R.T + E``: ``(L, R, E)`` (weights folded into ``L`` and ``E``).

        ``L`` and ``R`` are member x feature (every factorised term side by side), ``E`` the
        weighted explicit terms (pairs file, history), symmetric with an empty diagonal. Rows and
        columns follow :attr:`community` order; indices are sorted.

        Examples
        --------
        >>> import pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "offers": ["x", ""], "needs": ["", "x"]}))
        >>> L, R, E = affinity(c, goals=0).flat_terms()
        >>> (L @ R.T).toarray().tolist(), E.nnz
        ([[0.0, 1.0], [1.0, 0.0]], 0)
        """
        if "flat" not in self._cache:
            parts = [(self.weights[term], self._factors(term)) for term in self.terms]
            self._cache["flat"] = flatten(parts, len(self.community))
        return self._cache["flat"]  # type: ignore[return-value]

    def top_pairs(self, k: int = 10, *, min_score: float = 0.0) -> pd.DataFrame:
        """Each member's ``k`` best partners (by score above ``min_score``), as unique pairs.

        Exact: every partner that shares something with a member is scored (compiled, through
        the members' features; see :class:`matchmaking.scoring.candidates.PartnerIndex`), so
        memory stays ``O(n k)`` and the work follows the affinity's sparsity.

        Returns
        -------
        pandas.DataFrame
            Columns ``a``, ``b`` (``a`` < ``b`` in table order) and ``score``. Among equal scores
            the member listed first wins, so the result is deterministic.

        Examples
        --------
        >>> import pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"], "offers": ["x", "", ""],
        ...                                        "needs": ["", "x", "x"]}))
        >>> affinity(c, goals=0).top_pairs(1)
           a  b  score
        0  a  b    1.0
        1  a  c    1.0
        """
        from matchmaking.scoring.candidates import PartnerIndex, pair_table

        partners, scores = PartnerIndex(self).top(k, min_score=min_score)
        return pair_table(self, np.arange(len(self.community)), partners, scores)

    def explain(self, a: str, b: str) -> list[str]:
        """The reasons behind the score of ``a`` and ``b``, in words, strongest first.

        Examples
        --------
        >>> import pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["ana", "ben"], "offers": ["SEO", ""],
        ...     "needs": ["", "seo"], "city": ["Lyon", "Lyon"]}))
        >>> affinity(c, similar=["city"]).explain("ana", "ben")
        ['ana offers seo, which ben needs', 'same city (Lyon)', 'new contact']
        """
        return explain_pair(self, a, b)

    def times_met(self, members: Sequence[str] | None = None) -> sp.csr_matrix:
        """Sparse symmetric matrix of how many times each pair already met (from the history)."""
        m = pair_matrix(self.met, self.community, "count") if len(self.met) else sp.csr_matrix((len(self.community),) * 2)
        if members is not None:
            idx = self.community.index_of(members)
            m = m[idx][:, idx]
        return m.tocsr()


def affinity(
    community: Community,
    *,
    complementarity: float = 1.0,
    goals: float = 0.5,
    similar: Sequence[str] | Mapping[str, float] = (),
    spread: Sequence[str] | Mapping[str, float] = (),
    novelty: float = 1.0,
    history: object = None,
    pairs: str | os.PathLike | pd.DataFrame | None = None,
    pair_weight: float = 1.0,
) -> Affinity:
    """Score every pair of members of a community from named, weighted terms.

    Parameters
    ----------
    community : Community
        The members.
    complementarity : float
        Weight of "one offers what the other needs" (counted per skill, both ways).
    goals : float
        Weight per shared goal.
    similar : list of str or dict
        Attributes where the same value scores (``["city"]`` or ``{"city": 0.5}``; a list
        means weight 1 each).
    spread : list of str or dict
        Attributes where different values score (diversity).
    novelty : float
        Penalty per earlier meeting of the pair (needs ``history``).
    history : DataFrame or MeetingHistory, optional
        Who already met whom (``a, b[, count]``).
    pairs : path or DataFrame, optional
        Explicit pair weights (``a, b, weight``), added as the ``pairs`` term.
    pair_weight : float
        Weight of the ``pairs`` term.

    Returns
    -------
    Affinity

    Examples
    --------
    >>> import matchmaking as mm
    >>> c = mm.datasets.synthetic_community(200, seed=1)
    >>> aff = mm.affinity(c, similar={"city": 0.5}, spread=["sector"])
    >>> aff.terms
    ['complementarity', 'goals', 'similar:city', 'spread:sector']
    >>> s = aff.score(c.ids[:3], c.ids[3:6])
    >>> bool((s["total"] == s[aff.terms].sum(axis=1)).all())
    True
    """
    weights: dict[str, float] = {"complementarity": float(complementarity), "goals": float(goals)}
    for kind, spec in (("similar", similar), ("spread", spread)):
        items = spec.items() if isinstance(spec, Mapping) else ((a, 1.0) for a in spec)
        for attr, w in items:
            weights[f"{kind}:{attr}"] = float(w)
    met = history_counts(history, community)
    if len(met) and novelty:
        weights["novelty"] = float(novelty)
    explicit = pd.DataFrame({"a": [], "b": [], "weight": []})
    if pairs is not None:
        explicit = read_pairs(pairs, community)
        weights["pairs"] = float(pair_weight)
    return Affinity(community, weights, explicit=explicit, met=met)

