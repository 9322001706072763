"""Reading a plan file from any tool (CSV, Excel or Parquet in one of the output shapes)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.model.io import MAX_GROUP, ROW, read_table, source_name
from matchmaking.model.io.read import EXCEL_SUFFIXES
from matchmaking.model.text import header_row
from matchmaking.scoring.objective import GROUP_COLUMNS


def read_plan(
    source: str | os.PathLike | pd.DataFrame, community: Community, *, expect: str | None = None,
    sheet: str | int | None = None,
) -> tuple[str, pd.DataFrame]:
    """Read and validate a plan: ``round,table,member``, ``cohort,member`` or ``round,group,member``.

    ``expect`` (``"seating"``, ``"cohorts"`` or ``"pairs"``): a plan of another kind is an error
    (a cohorts file given as the locked rounds of a seating, say). A workbook of several sheets
    (our exports write one sheet a round) is read whole: every sheet with the plan's columns,
    each checked on its own (errors name the sheet), sheets without them (notes) skipped;
    ``sheet`` reads one sheet only.

    Returns
    -------
    kind : str
        ``seating``, ``cohorts`` or ``pairs``.
    assignments : pandas.DataFrame
        The plan, with whole-number group columns and member ids.

    Raises
    ------
    InputError
        Naming file, row and column of an unknown member, a number that is not a whole
        number >= 1, missing columns, or a plan of another kind than ``expect``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"]}))
    >>> kind, plan = read_plan(pd.DataFrame({"cohort": ["1", "1"], "member": ["a", "b"]}), c)
    >>> kind, plan["cohort"].tolist()
    ('cohorts', [1, 1])
    >>> read_plan(pd.DataFrame({"cohort": ["1"], "member": ["a"]}), c, expect="seating")
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: DataFrame, row 1: a cohorts plan (cohort,member) where a seating plan (round,table,member) is expected
    """
    fname = "DataFrame" if isinstance(source, pd.DataFrame) else source_name(source)
    if sheet is not None:
        fname = f"{fname}, sheet {sheet!r}"
    else:
        sheets = workbook_sheets(source)
        if len(sheets) > 1:
            return _read_sheets(source, community, sheets, fname, expect)
        sheet = 0
    table = read_table(source, name=fname, sheet=sheet)
    kind = next((k for k, cols in GROUP_COLUMNS.items() if set(cols) | {"member"} <= set(table.columns)), None)
    if kind is None:
        raise InputError(
            "a plan needs columns round,table,member (seating), cohort,member (cohorts) "
            f"or round,group,member (pairs); the columns are {[c for c in table.columns if c != ROW]}",
            file=fname, row=1,
        )
    if expect is not None and kind != expect:
        shape = {k: ",".join([*cols, "member"]) for k, cols in GROUP_COLUMNS.items()}
        raise InputError(f"a {kind} plan ({shape[kind]}) where a {expect} plan ({shape[expect]}) is expected",
                         file=fname, row=1)
    members = table["member"]  # read_table already undid spreadsheet escaping
    community.check_members(members.tolist(), file=fname, column="member", rows=table[ROW].tolist())
    out = pd.DataFrame({"member": members})
    for col in GROUP_COLUMNS[kind]:
        values = []
        for value, row in zip(table[col], table[ROW], strict=True):
            try:
                number = float(value)
                ok = number.is_integer() and 1 <= number <= MAX_GROUP
            except ValueError:
                ok = False
            if not ok:
                raise InputError(f"{value[:40]!r} is not a whole number in 1..{MAX_GROUP:,}", file=fname, row=row,
                                 column=col)
            values.append(int(number))
        out[col] = values
    out = out[GROUP_COLUMNS[kind] + ["member"]]
    dup = out.duplicated(GROUP_COLUMNS[kind][:-1] + ["member"])
    if dup.any():
        pos = int(dup.to_numpy().argmax())
        raise InputError(
            f"member {out['member'].iloc[pos]!r} placed twice in the same round", file=fname,
            row=int(table[ROW].iloc[pos]), column="member",
        )
    return kind, out


def workbook_sheets(source: str | os.PathLike | pd.DataFrame) -> list[str]:
    """The sheet names of an Excel workbook (``[]`` for anything else, or a workbook that cannot be read)."""
    if isinstance(source, pd.DataFrame) or Path(source).suffix.lower() not in EXCEL_SUFFIXES:
        return []
    try:
        with pd.ExcelFile(source) as book:
            return [str(name) for name in book.sheet_names]
    except Exception:  # read_table names the file and the problem
        return []


def _read_sheets(source: str | os.PathLike, community: Community, sheets: list[str], fname: str,
                 expect: str | None) -> tuple[str, pd.DataFrame]:
    """The plan held by the sheets of a workbook that have plan columns, checked sheet by sheet."""
    parts: list[tuple[str, str, pd.DataFrame]] = []
    grids = pd.read_excel(source, sheet_name=None, header=None, dtype=object, keep_default_na=False)  # one parse
    for name in sheets:
        top = header_row(grids[name])  # the header as read_table finds it (it may sit below blank rows)
        columns = set() if top is None else {str(c).strip() for c in grids[name].iloc[top].tolist()}
        if any(set(cols) | {"member"} <= columns for cols in GROUP_COLUMNS.values()):
            kind, plan = read_plan(source, community, expect=expect, sheet=name)
            parts.append((name, kind, plan))
    if not parts:  # no sheet has a plan's columns: the first sheet's error names them
        return read_plan(source, community, expect=expect, sheet=sheets[0])
    kinds = {kind for _, kind, _ in parts}
    if len(kinds) > 1:
        found = ", ".join(f"{name!r}: {kind}" for name, kind, _ in parts)
        raise InputError(f"the sheets hold plans of different kinds ({found})", file=fname)
    kind = parts[0][1]
    out = pd.concat([plan for _, _, plan in parts], ignore_index=True)
    dup = out.duplicated(GROUP_COLUMNS[kind][:-1] + ["member"])
    if dup.any():
        pos = int(dup.to_numpy().argmax())
        where = "in the same round" if "round" in GROUP_COLUMNS[kind] else "in the plan"
        raise InputError(f"member {out['member'].iloc[pos]!r} is placed twice {where}, on two sheets",
                         file=fname, column="member")
    return kind, out
