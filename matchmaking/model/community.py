"""The community model: members, what they offer and need, their goals and attributes."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from functools import cached_property

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from matchmaking.errors import InputError
from matchmaking.model.io import (
    ROW,
    TableLike,
    read_table,
    require_columns,
    source_name,
    split_list,
)
from matchmaking.model.labels import LabelIndex

LIST_COLUMNS = ("offers", "needs", "goals")
RESERVED = ("id", "name", *LIST_COLUMNS)
NODE_PREFIX = {"skill": "skill:", "need": "need:"}


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
        lower = {c: c.lower() for c in table.columns if c.lower() in RESERVED and c != c.lower()}
        table = table.rename(columns=lower)
        require_columns(table, ["id"], fname)
        if not len(table):  # a plan of nobody would look "optimal": say what is wrong instead
            raise InputError("no members: the table has a header but no member rows", file=fname, row=2)
        first_seen: dict[str, int] = {}
        for ident, row in zip(table["id"], table[ROW], strict=True):
            if not ident:
                raise InputError("empty id: every member needs one", file=fname, row=row, column="id")
            if ident.startswith(tuple(NODE_PREFIX.values())):
                raise InputError(
                    f"id {ident!r} starts with a reserved prefix {tuple(NODE_PREFIX.values())}",
                    file=fname, row=row, column="id",
                )
            if ident in first_seen:
                raise InputError(
                    f"duplicate id {ident!r} (first on row {first_seen[ident]})",
                    file=fname, row=row, column="id",
                )
            first_seen[ident] = row
        for col in LIST_COLUMNS:
            if col not in table:
                continue
            for cell, row in zip(table[col], table[ROW], strict=True):
                if "," in cell:
                    raise InputError(
                        f"{cell!r} contains a comma: separate the items of a list with ';' "
                        f"(e.g. {cell.replace(',', ';')!r})",
                        file=fname, row=row, column=col,
                    )
        skills = LabelIndex(
            item for col in ("offers", "needs") if col in table for cell in table[col] for item in split_list(cell)
        )
        goals = LabelIndex(item for cell in table.get("goals", []) for item in split_list(cell))
        members = pd.DataFrame(index=pd.Index(table["id"].tolist(), name="id", dtype=object))
        names = table["name"] if "name" in table else table["id"]
        members["name"] = [n or i for n, i in zip(names, table["id"], strict=True)]
        for col, index in (("offers", skills), ("needs", skills), ("goals", goals)):
            cells = table[col] if col in table else [""] * len(table)
            members[col] = [_labels(cell, index) for cell in cells]
        for col in table.columns:
            if col in RESERVED or col == ROW:
                continue
            members[col] = _attribute_column(table[col].tolist()).set_axis(members.index)
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
        """A networkx graph of members, skills and needs.

        Nodes: every member id (``kind="member"`` plus name, goals (``;``-joined) and attributes; an
        attribute named ``kind`` or ``label`` is stored as ``attr_kind`` / ``attr_label``), ``"skill:<label>"``
        (``kind="skill"``) and ``"need:<label>"`` (``kind="need"``). Edges: member - skill
        (``kind="offers"``), member - need (``kind="needs"``) and skill - need of the same label
        (``kind="answers"``), so a path member - need - skill - member is a possible help.
        """
        g = nx.Graph(name=f"community from {self.source}")
        for member, row in self.members.iterrows():
            # GraphML/GEXF-friendly: no None, no lists; an attribute called "kind" or "label" keeps its value
            # under "attr_kind" / "attr_label" so the node type stays readable
            attrs = {("attr_" + k if k in ("kind", "label") else k): (v.item() if hasattr(v, "item") else v)
                     for k, v in row.items() if k not in LIST_COLUMNS and not _isna(v)}
            attrs.update(kind="member", goals="; ".join(row["goals"]))
            g.add_node(member, **attrs)
        for label in self.skills:
            g.add_node(NODE_PREFIX["skill"] + label, kind="skill", label=label)
            g.add_node(NODE_PREFIX["need"] + label, kind="need", label=label)
        for member, offers, needs in zip(self.members.index, self.members["offers"], self.members["needs"], strict=True):
            g.add_edges_from(((member, NODE_PREFIX["skill"] + s) for s in offers), kind="offers")
            g.add_edges_from(((member, NODE_PREFIX["need"] + s) for s in needs), kind="needs")
        offered = {s for labels in self.members["offers"] for s in labels}
        needed = {s for labels in self.members["needs"] for s in labels}
        for label in sorted(offered & needed):
            g.add_edge(NODE_PREFIX["need"] + label, NODE_PREFIX["skill"] + label, kind="answers")
        isolated = [n for n, d in g.nodes(data=True) if d["kind"] != "member" and g.degree(n) == 0]
        g.remove_nodes_from(isolated)
        return g

    def member_graph(self) -> nx.Graph:
        """Graph of members only, weighted by how many needs of one the other offers (both ways).

        Examples
        --------
        >>> import pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "offers": ["x", ""], "needs": ["", "x"]}))
        >>> list(c.member_graph().edges(data="weight"))
        [('a', 'b', 1.0)]
        """
        offers, needs = self.incidence("offers"), self.incidence("needs")
        comp = (offers @ needs.T).tocsr()
        comp = sp.triu(comp + comp.T, k=1).tocoo()
        g = nx.Graph()
        g.add_nodes_from(self.ids)
        ids = self.ids
        g.add_weighted_edges_from(
            (ids[i], ids[j], float(w)) for i, j, w in zip(comp.row, comp.col, comp.data, strict=True) if w
        )
        return g

    # ------------------------------------------------------------------ directory
    def who_can_help(self, topic: str, *, limit: int | None = 10, cutoff: float = 0.75) -> pd.DataFrame:
        """Members who offer a skill, ranked: exact label first, then close labels.

        Parameters
        ----------
        topic : str
            A skill, in any spelling (``"S.E.O."`` finds ``seo``).
        limit : int or None
            At most this many rows (None: all).
        cutoff : float
            Minimum similarity (0-1) for a close label ("local seo" for "seo") to count.

        Returns
        -------
        pandas.DataFrame
            Columns ``member``, ``name``, ``skill``, ``match`` (1.0 exact), ``reason``.
        """
        key = self.skill_labels.canonical(topic)
        offered = sorted({s for labels in self.members["offers"] for s in labels})
        quality = {}
        for label in offered:
            if label == key:
                quality[label] = 1.0
            elif key and (f" {key} " in f" {label} " or f" {label} " in f" {key} "):
                quality[label] = 0.9
            else:
                r = difflib.SequenceMatcher(None, key, label).ratio()
                if r >= cutoff:
                    quality[label] = round(r, 2)
        rows = []
        for member, name, offers in zip(self.members.index, self.members["name"], self.members["offers"], strict=True):
            best = max(((quality[s], s) for s in offers if s in quality), default=None)
            if best is None:
                continue
            q, label = best
            reason = f"offers {label}" if q == 1.0 else f"offers {label} (close to {key!r})"
            rows.append({"member": member, "name": name, "skill": label, "match": q, "reason": reason})
        out = pd.DataFrame(rows, columns=["member", "name", "skill", "match", "reason"])
        out = out.sort_values(["match", "member"], ascending=[False, True], kind="stable")
        return out.head(limit).reset_index(drop=True) if limit else out.reset_index(drop=True)

    def helpers_for(
        self, member: str, *, limit: int | None = 10, same: Sequence[str] = ("city",)
    ) -> pd.DataFrame:
        """Members who offer what ``member`` needs, ranked by needs covered, then shared goals.

        Parameters
        ----------
        member : str
            The member id.
        limit : int or None
            At most this many rows.
        same : sequence of str
            Attributes where a shared value ranks a helper higher (missing ones are skipped).

        Returns
        -------
        pandas.DataFrame
            Columns ``member``, ``name``, ``covers`` (list of needs), ``shared_goals``,
            ``score``, ``reason``.
        """
        if member not in self:
            raise KeyError(f"unknown member {member!r}")
        me = self.members.loc[member]
        same = [a for a in same if a in self.attributes and not _isna(me[a])]
        i = self._position[member]
        covers_n = np.asarray((self.incidence("offers") @ self.incidence("needs")[i].T).todense()).ravel()
        goals_n = np.asarray((self.incidence("goals") @ self.incidence("goals")[i].T).todense()).ravel()
        alike_n = np.zeros(len(self))
        for a in same:
            alike_n += (self.members[a] == me[a]).fillna(False).to_numpy(dtype=bool)
        score = covers_n + 0.5 * goals_n + 0.25 * alike_n
        candidates = np.flatnonzero(covers_n > 0)
        candidates = candidates[candidates != i]
        order = candidates[np.lexsort((candidates, -score[candidates]))]
        if limit:
            order = order[:limit]
        needs, goals = set(me["needs"]), set(me["goals"])
        rows = []
        for j in order:
            row = self.members.iloc[j]
            covers = sorted(needs.intersection(row["offers"]))
            shared = sorted(goals.intersection(row["goals"]))
            alike = [a for a in same if row[a] == me[a]]
            reason = f"offers {', '.join(covers)}, which {me['name']} needs"
            if shared:
                reason += "; shares goal " + ", ".join(repr(g) for g in shared)
            if alike:
                reason += "; same " + ", ".join(f"{a} ({me[a]})" for a in alike)
            rows.append({"member": self.ids[j], "name": row["name"], "covers": covers,
                         "shared_goals": shared, "score": float(score[j]), "reason": reason})
        return pd.DataFrame(rows, columns=["member", "name", "covers", "shared_goals", "score", "reason"])

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


def _labels(cell: str, index: LabelIndex) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for raw in split_list(cell):
        label = index.canonical(raw)
        if label:
            seen.setdefault(label, None)
    return tuple(seen)


def _attribute_column(values: list[str]) -> pd.Series:
    present = [v for v in values if v != ""]
    if any(len(v) > 1 and v[0] == "0" and v[1].isdigit() for v in present):  # codes such as "01000"
        return pd.Series([v if v != "" else None for v in values], dtype=object)
    try:
        numbers = [float(v) for v in present]
    except ValueError:
        return pd.Series([v if v != "" else None for v in values], dtype=object)
    if present and all(x.is_integer() for x in numbers):
        if any(abs(x) >= 2**53 for x in numbers):  # beyond what a number holds exactly: a code, kept as text
            return pd.Series([v if v != "" else None for v in values], dtype=object)
        return pd.Series([int(float(v)) if v != "" else pd.NA for v in values], dtype="Int64")
    return pd.Series([float(v) if v != "" else np.nan for v in values], dtype=float)


def _isna(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
