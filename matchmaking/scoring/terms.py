"""The terms of an affinity, each as sparse factors: what a pair's score is made of.

``complementarity``
    how many needs of one the other offers, both ways;
``goals``
    how many goals they share;
``similar:<attr>``
    1 when they have the same value of an attribute (homophily: same city);
``spread:<attr>``
    1 when their values differ (diversity: different sectors);
``novelty``
    minus the number of times they already met (from a meeting history);
``pairs``
    an explicit weight from a pairs file (negative: "better not together").

A term is ``sum(L @ R.T for L, R in factors) + explicit`` (unweighted; a spread term negated,
its constant part being :attr:`~matchmaking.Affinity.baseline`). Feature-based terms stay
factorised (member x label matrices), so a block of rows of the score is computed without ever
building the n x n matrix; the history and the pairs file are explicit sparse matrices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from matchmaking.model.community import Community
from matchmaking.scoring.pairs_file import pair_matrix

#: The kinds of terms, in the order :func:`ordered_terms` lists them.
TERM_ORDER = ("complementarity", "goals", "similar", "spread", "novelty", "pairs")

#: A term's factors ``[(L, R), ...]`` and its explicit part (or None).
Factors = tuple[list[tuple[sp.csr_matrix, sp.csr_matrix]], sp.csr_matrix | None]

__all__ = ["TERM_ORDER", "Factors", "check_terms", "flatten", "ordered_terms", "term_factors"]


def check_terms(names: Iterable[str], attributes: Sequence[str]) -> None:
    """Raise ``ValueError`` for a term name that is not one (``similar:`` / ``spread:`` need an attribute).

    Examples
    --------
    >>> check_terms(["goals", "similar:city"], ["city"])
    >>> check_terms(["spread:sector"], ["city"])
    Traceback (most recent call last):
    ...
    ValueError: term 'spread:sector' names no attribute; attributes are ['city']
    """
    for name in names:
        base = name.split(":", 1)[0]
        if base not in TERM_ORDER:
            raise ValueError(f"unknown affinity term {name!r}; terms are {TERM_ORDER}")
        if base in ("similar", "spread"):
            attr = name.split(":", 1)[1] if ":" in name else ""
            if attr not in attributes:
                raise ValueError(f"term {name!r} names no attribute; attributes are {list(attributes)}")


def ordered_terms(weights: Mapping[str, float]) -> list[str]:
    """The terms with a nonzero weight, in :data:`TERM_ORDER` (then by name).

    Examples
    --------
    >>> ordered_terms({"spread:b": 1.0, "goals": 0.5, "similar:a": 0.0, "complementarity": 1.0})
    ['complementarity', 'goals', 'spread:b']
    """
    return [t for t in sorted(weights, key=_term_key) if weights[t] != 0]


def term_factors(community: Community, term: str, *, met: pd.DataFrame, explicit: pd.DataFrame) -> Factors:
    """One term of the score as ``(factors, explicit)``: ``sum(L @ R.T) + explicit``, unweighted.

    Parameters
    ----------
    community : Community
        The members (rows and columns of every matrix, in their order).
    term : str
        A term name (``"goals"``, ``"similar:city"``...).
    met, explicit : pandas.DataFrame
        Meeting counts (``a, b, count``) for ``novelty``, pair weights (``a, b, weight``) for ``pairs``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "city": ["Lyon", "Lyon"]}))
    >>> none = pd.DataFrame({"a": [], "b": [], "count": []})
    >>> factors, extra = term_factors(c, "spread:city", met=none, explicit=none)
    >>> [(left @ right.T).toarray().tolist() for left, right in factors], extra
    ([[[-1.0, -1.0], [-1.0, -1.0]]], None)
    """
    n = len(community)
    factors: list[tuple[sp.csr_matrix, sp.csr_matrix]] = []
    extra = None
    if term == "complementarity":
        offers, needs = community.incidence("offers"), community.incidence("needs")
        factors = [(offers, needs), (needs, offers)]
    elif term == "goals":
        g = community.incidence("goals")
        factors = [(g, g)]
    elif term.startswith(("similar:", "spread:")):
        codes = community.attribute_codes(term.split(":", 1)[1])
        present = np.flatnonzero(codes >= 0)
        sign = -1.0 if term.startswith("spread:") else 1.0
        onehot = sp.csr_matrix(
            (np.ones(len(present), dtype=np.float32), (present, codes[present])),
            shape=(n, max(codes.max() + 1, 1)),
        )
        factors = [(sign * onehot, onehot)]
    elif term == "novelty":
        extra = -pair_matrix(met, community, "count")
    elif term == "pairs":
        extra = pair_matrix(explicit, community, "weight")
    else:
        raise ValueError(f"unknown affinity term {term!r}; terms are {TERM_ORDER}")
    factors = [(sp.csr_matrix(a, dtype=np.float64), sp.csr_matrix(b, dtype=np.float64)) for a, b in factors]
    return factors, extra



def flatten(parts: Sequence[tuple[float, Factors]], n: int) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    """Weighted terms as one ``L @ R.T + E``: ``(L, R, E)``, weights folded into ``L`` and ``E``.

    ``parts`` are ``(weight, term_factors(...))`` of ``n`` members. ``L`` and ``R`` hold every
    factorised term side by side (member x feature); ``E`` sums the explicit parts, with an empty
    diagonal. Duplicates are summed and indices sorted (what the compiled scans expect).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> one = sp.csr_matrix([[1.0], [1.0]])
    >>> L, R, E = flatten([(2.0, ([(one, one)], None)), (1.0, ([], sp.csr_matrix([[0.0, 3.0], [3.0, 0.0]])))], 2)
    >>> (L @ R.T + E).toarray().tolist()
    [[2.0, 5.0], [5.0, 2.0]]
    """
    lefts, rights = [sp.csr_matrix((n, 0))], [sp.csr_matrix((n, 0))]
    explicit = sp.csr_matrix((n, n))
    for w, (factors, extra) in parts:
        for left, right in factors:
            lefts.append(w * left)
            rights.append(right)
        if extra is not None:
            explicit = explicit + w * extra
    explicit = sp.csr_matrix(explicit)
    explicit.setdiag(0.0)
    explicit.eliminate_zeros()
    out = tuple(sp.csr_matrix(sp.hstack(m, format="csr"), dtype=np.float64) for m in (lefts, rights)) + (explicit,)
    for m in out:
        m.sum_duplicates()
        m.sort_indices()
    return out  # type: ignore[return-value]


def _term_key(term: str) -> tuple[int, str]:
    return (TERM_ORDER.index(term.split(":", 1)[0]), term)
