"""The members table: a read table of strings checked and turned into :attr:`Community.members`.

:func:`members_from_table` validates ids and list cells (naming the row and column of the first
problem), normalises the skill and goal labels and types the attribute columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.io import ROW, require_columns, split_list
from matchmaking.model.labels import LabelIndex

#: The ``;``-separated list columns of ``members.csv``.
LIST_COLUMNS = ("offers", "needs", "goals")
#: Column names that are not attributes.
RESERVED = ("id", "name", *LIST_COLUMNS)
#: Prefixes of the label nodes of :attr:`Community.graph` (an id may not start with one).
NODE_PREFIX = {"skill": "skill:", "need": "need:"}

__all__ = ["LIST_COLUMNS", "NODE_PREFIX", "RESERVED", "is_missing", "members_from_table"]


def members_from_table(table: pd.DataFrame, fname: str) -> tuple[pd.DataFrame, LabelIndex, LabelIndex]:
    """Check a table read by :func:`~matchmaking.model.io.read_table` and build the members frame.

    Parameters
    ----------
    table : pandas.DataFrame
        Strings, with the ``_row`` column; column names of the reserved columns in any case.
    fname : str
        The table's name in error messages.

    Returns
    -------
    members : pandas.DataFrame
        Indexed by ``id``: ``name``, ``offers``, ``needs``, ``goals`` (tuples of canonical
        labels) and the attribute columns (numbers where every value is one, text otherwise).
    skills, goals : LabelIndex
        The label indexes of offers and needs, and of goals.

    Raises
    ------
    InputError
        On a missing ``id`` column, no member, an empty, reserved or duplicate id, or a comma in
        a list cell.

    Examples
    --------
    >>> from matchmaking.model.io import read_table
    >>> t = read_table(pd.DataFrame({"ID": ["a", "b"], "offers": ["SEO; ads", ""], "zip": ["01000", ""]}))
    >>> members, skills, goals = members_from_table(t, "members.csv")
    >>> members["offers"].tolist(), members["zip"].tolist(), skills.counts["seo"]
    ([('seo', 'ads'), ()], ['01000', None], 1)
    >>> members_from_table(t.assign(offers=["seo, ads", ""]), "members.csv")
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: members.csv, row 2, column 'offers': 'seo, ads' contains a comma: ...
    """
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
    return members, skills, goals


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


def is_missing(value: object) -> bool:
    """True for a missing value (None, NaN, NA); False for anything else, lists included.

    >>> is_missing(None), is_missing(float("nan")), is_missing("Lyon"), is_missing([1, 2])
    (True, True, False, False)
    """
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
