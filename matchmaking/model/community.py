"""The community model: members, what they offer and need, their goals and attributes."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import cached_property

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from matchmaking.errors import InputError
from matchmaking.model import directory
from matchmaking.model import graph as graphs
from matchmaking.model.io import TableLike, read_table, source_name
from matchmaking.model.labels import LabelIndex
from matchmaking.model.members import LIST_COLUMNS, NODE_PREFIX, RESERVED, members_from_table

__all__ = ["LIST_COLUMNS", "NODE_PREFIX", "RESERVED", "Community"]


class Community:
    """Members of a community, with the skills they offer, their needs, goals and attributes.

    Build one with :meth:`from_csv` (CSV, Excel or Parquet) or :meth:`from_frame`.
    Labels are normalised (case, spaces, accents, dots): ``"SEO"``, ``"seo "`` and
    ``"S.E.O."`` are one skill, ``"seo"``; :meth:`label_report` lists what was merged and
    which labels look alike.

    Attributes
    ----------
    members : pandas.DataFrame
        One row per member, indexed by ``id`` (str). Columns ``name``, ``offers``,
        ``needs``, ``goals`` (tuples of canonical labels) and one column per attribute
        (numbers where every value is a number, text otherwise; missing = NA).
    source : str
        Where the members came from (file name), used in messages.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({
    ...     "id": ["ana", "ben", "chloé"],
    ...     "offers": ["SEO; copywriting", "accounting", "S.E.O."],
    ...     "needs": ["accounting", "seo", ""],
    ...     "goals": ["first client", "first client", "scale up"],
    ...     "city": ["Lyon", "Paris", "Lyon"],
    ... })
    >>> c = Community.from_frame(df)
    >>> len(c), c.attributes, c.skills
    (3, ['city'], ['accounting', 'copywriting', 'seo'])
    >>> c.who_can_help("Seo")["member"].tolist()
    ['ana', 'chloé']
    >>> c.helpers_for("ben").iloc[0]["reason"]
    "offers seo, which ben needs; shares goal 'first client'"
    """

    def __init__(self, members: pd.DataFrame, *, source: str = "DataFrame") -> None:
        self.members = members
        self.source = source
        self._spellings: dict[str, str] = {}  # canonical label -> how members wrote it (set by the readers)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, name: str = "DataFrame") -> Community:
        """Build a community from a table in the ``members.csv`` shape.

        Parameters
        ----------
        frame : pandas.DataFrame
            Columns ``id`` (required), ``name``, ``offers``, ``needs``, ``goals``
            (``;``-separated lists) and any attribute columns.
        name : str
            Name of the table in error messages.

        Raises
        ------
        InputError
            On a missing ``id`` column, an empty or duplicate id (naming row and column), or
            no member at all (a header only).
        """
        return cls._from_table(read_table(frame, name=name), name)

    @classmethod
    def from_csv(cls, path: str | os.PathLike) -> Community:
        """Read ``members.csv`` (or an ``.xlsx`` / ``.parquet`` file of the same shape).

        See :meth:`from_frame` for the columns and the errors; a file with a header but no
        member is an error too (a plan for nobody is never what was meant).
        """
        table = read_table(path)
        if not len(table):
            raise InputError("the file has a header but no member rows", file=source_name(path), row=2)
        return cls._from_table(table, source_name(path))

    from_file = from_csv
    from_excel = from_csv
    from_parquet = from_csv

    @classmethod
    def read(cls, source: TableLike) -> Community:
        """Build a community from a path (any supported format) or a DataFrame."""
        if isinstance(source, pd.DataFrame):
            return cls.from_frame(source)
        return cls.from_csv(source)

    @classmethod
    def _from_table(cls, table: pd.DataFrame, fname: str) -> Community:
        members, skills, goals = members_from_table(table, fname)
        community = cls(members, source=fname)
        community.__dict__["skill_labels"] = skills
        community.__dict__["goal_labels"] = goals
        community._spellings = {label: index.spelling(label) for index in (goals, skills) for label in index.counts}
        return community

    # ------------------------------------------------------------------ basics
    def __len__(self) -> int:
        return len(self.members)

    def __contains__(self, member: object) -> bool:
        return member in self.members.index

    def __repr__(self) -> str:
        return (
            f"Community({len(self)} members, {len(self.skills)} skills, "
            f"attributes={self.attributes}, source={self.source!r})"
        )

    @property
    def ids(self) -> list[str]:
        """Member ids, in table order."""
        return self.members.index.tolist()

    @property
    def attributes(self) -> list[str]:
        """Names of the attribute columns (everything but id, name, offers, needs, goals)."""
        return [c for c in self.members.columns if c not in RESERVED]

    @cached_property
    def _position(self) -> dict[str, int]:
        return {m: i for i, m in enumerate(self.members.index)}

    def index_of(self, members: Iterable[str], *, what: str = "member") -> np.ndarray:
        """Positions of member ids in :attr:`ids`; raises ``KeyError`` naming an unknown id."""
        wanted = members if isinstance(members, (list, np.ndarray, pd.Series, pd.Index)) else list(members)
        if not len(wanted):
            return np.zeros(0, dtype=np.int64)
        out = self.members.index.get_indexer(pd.Index(wanted, dtype=object))  # hashed, in C
        if (out < 0).any():
            raise KeyError(f"unknown {what} {pd.Index(wanted, dtype=object)[np.flatnonzero(out < 0)[0]]!r}")
        return out.astype(np.int64)

    def select(
        self,
        spec: str | Sequence[str],
        *,
        what: str = "selection",
        within: Sequence[str] | None = None,
        allow_empty: bool = False,
    ) -> list[str]:
        """Members named by a selection: ``"role=lead"``, ``"seniority>=3"``, ``"city=Paris,Lyon"``, ids...

        The one grammar of the workbench (see :mod:`matchmaking.model.select`); a selection
        that matches nobody raises :class:`InputError`.

        Examples
        --------
        >>> import pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "role": ["lead", "member"]}))
        >>> c.select("role!=lead")
        ['b']
        """
        from matchmaking.model.select import select

        return select(self, spec, what=what, within=within, allow_empty=allow_empty)

    def check_members(self, members: Iterable[str], *, file: str, column: str, rows: Sequence[int]) -> None:
        """Raise :class:`InputError` naming the first id (with its row) not in the community."""
        for member, row in zip(members, rows, strict=True):
            if member not in self._position:
                raise InputError(f"unknown member {member!r}", file=file, row=row, column=column)

    def spelling(self, label: str) -> str:
        """How members wrote a skill or goal label: accents and capitals as in the file.

        Labels are compared in canonical form (``comptabilite``); documents for people show
        this spelling instead.

        Examples
        --------
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "offers": ["Comptabilité", "comptabilité"]}))
        >>> c.members.loc["a", "offers"], c.spelling("comptabilite"), c.subset(["a"]).spelling("comptabilite")
        (('comptabilite',), 'comptabilité', 'comptabilité')
        """
        return self._spellings.get(label, label)

    @cached_property
    def skill_labels(self) -> LabelIndex:
        """The :class:`LabelIndex` of offers and needs."""
        return LabelIndex(s for col in ("offers", "needs") for labels in self.members[col] for s in labels)

    @cached_property
    def goal_labels(self) -> LabelIndex:
        """The :class:`LabelIndex` of goals."""
        return LabelIndex(g for labels in self.members["goals"] for g in labels)

    @property
    def skills(self) -> list[str]:
        """Sorted canonical labels that appear in ``offers`` or ``needs``."""
        return sorted({s for col in ("offers", "needs") for labels in self.members[col] for s in labels})

    @property
    def goals(self) -> list[str]:
        """Sorted canonical goal labels."""
        return sorted({g for labels in self.members["goals"] for g in labels})

    def label_report(self, cutoff: float = 0.85) -> pd.DataFrame:
        """Merged spellings and look-alike labels among skills/needs and goals.

        Returns a DataFrame with columns ``field`` (``skills`` or ``goals``), ``label``,
        ``kind`` (``merged spellings`` or ``looks like``), ``other``, ``similarity``.
        """
        parts = []
        for field, index in (("skills", self.skill_labels), ("goals", self.goal_labels)):
            rep = index.report(cutoff)
            rep.insert(0, "field", field)
            parts.append(rep)
        return pd.concat(parts, ignore_index=True)

    # ------------------------------------------------------------------ matrices
    def incidence(self, column: str, vocabulary: Sequence[str] | None = None) -> sp.csr_matrix:
        """Sparse member x label 0/1 matrix of a list column (``offers``, ``needs`` or ``goals``).

        Parameters
        ----------
        column : str
            ``offers``, ``needs`` or ``goals``.
        vocabulary : sequence of str, optional
            Column order; defaults to :attr:`skills` (or :attr:`goals` for ``goals``).
        """
        cache = self.__dict__.setdefault("_incidence", {})
        if vocabulary is None:
            if column not in cache:
                cache[column] = self.incidence(column, self.goals if column == "goals" else self.skills)
            return cache[column]
        col_of = {label: j for j, label in enumerate(vocabulary)}
        rows, cols = [], []
        for i, labels in enumerate(self.members[column]):
            for label in labels:
                j = col_of.get(label)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        data = np.ones(len(rows), dtype=np.float32)
        return sp.csr_matrix((data, (rows, cols)), shape=(len(self), len(vocabulary)))

    def attribute_codes(self, column: str) -> np.ndarray:
        """Integer codes of a categorical attribute (-1 where missing)."""
        if column not in self.attributes:
            raise KeyError(f"unknown attribute {column!r}; attributes are {self.attributes}")
        codes, _ = pd.factorize(self.members[column], use_na_sentinel=True)
        return codes.astype(np.int64)

    # ------------------------------------------------------------------ graph
    @cached_property
    def graph(self) -> nx.Graph:
        """A networkx graph of members, skills and needs (:func:`matchmaking.model.graph.community_graph`).

        Nodes: every member id (``kind="member"`` plus name, goals (``;``-joined) and attributes; an
        attribute named ``kind`` or ``label`` is stored as ``attr_kind`` / ``attr_label``), ``"skill:<label>"``
        (``kind="skill"``) and ``"need:<label>"`` (``kind="need"``). Edges: member - skill
        (``kind="offers"``), member - need (``kind="needs"``) and skill - need of the same label
        (``kind="answers"``), so a path member - need - skill - member is a possible help.
        """
        return graphs.community_graph(self)

    def member_graph(self) -> nx.Graph:
        """Graph of members only, weighted by how many needs of one the other offers (both ways).

        Examples
        --------
        >>> import pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "offers": ["x", ""], "needs": ["", "x"]}))
        >>> list(c.member_graph().edges(data="weight"))
        [('a', 'b', 1.0)]
        """
        return graphs.member_graph(self)

    # ------------------------------------------------------------------ directory
    def who_can_help(self, topic: str, *, limit: int | None = 10, cutoff: float = 0.75) -> pd.DataFrame:
        """Members who offer a skill (any spelling), ranked: exact label first, then close labels.

        At most ``limit`` rows; ``cutoff`` is the least similarity of a close label. The table
        and its columns: :func:`matchmaking.model.directory.who_can_help`.
        """
        return directory.who_can_help(self, topic, limit=limit, cutoff=cutoff)

    def helpers_for(self, member: str, *, limit: int | None = 10, same: Sequence[str] = ("city",)) -> pd.DataFrame:
        """Members who offer what ``member`` needs, ranked by needs covered, then shared goals.

        A shared value of an attribute in ``same`` ranks a helper higher. The table and its
        columns: :func:`matchmaking.model.directory.helpers_for`.
        """
        return directory.helpers_for(self, member, limit=limit, same=same)

    # ------------------------------------------------------------------ transforms
    def subset(self, members: Iterable[str]) -> Community:
        """A community of the given members only (in the given order)."""
        ids = list(members)
        self.index_of(ids)
        out = Community(self.members.loc[ids].copy(), source=self.source)
        out._spellings = self._spellings
        return out

    def to_frame(self) -> pd.DataFrame:
        """The members in the ``members.csv`` shape (lists joined with ``"; "``)."""
        out = self.members.copy()
        for col in LIST_COLUMNS:
            out[col] = out[col].map("; ".join)
        return out.reset_index()

    def summary(self) -> str:
        """A few lines describing the community."""
        lines = [
            f"{len(self)} members from {self.source}",
            f"{len(self.skills)} skills/needs labels, {len(self.goals)} goals",
            f"attributes: {', '.join(self.attributes) or '(none)'}",
        ]
        for col in self.attributes:
            values = self.members[col].dropna()
            if values.dtype == object and values.nunique() <= 12:
                top = values.value_counts().head(4)
                lines.append(f"  {col}: " + ", ".join(f"{k} {v}" for k, v in top.items()))
        return "\n".join(lines)

