"""Spreadsheet exports of a plan: the contract columns first, then ``name`` and chosen attributes.

Every text cell a spreadsheet would run as a formula gets a leading apostrophe
(:func:`matchmaking.model.io.safe_frame`); Excel gets one sheet per round. Both read back
through :func:`matchmaking.model.io.read_table` as written (see ``csv_text`` and ``workbook_frame``).
"""

from __future__ import annotations

import io
import os

import pandas as pd

from matchmaking.model.io import csv_text, read_table, workbook_frame
from matchmaking.plans.io import workbook_sheets
from matchmaking.reports.context import PlanContext
from matchmaking.scoring.objective import GROUP_COLUMNS


def export_frame(ctx: PlanContext, attributes: list[str] | None = None) -> pd.DataFrame:
    """The plan's rows, with ``name``, the attributes (default: the colouring one) and hosts or leads.

    Examples
    --------
    >>> import matchmaking as mm, pandas as pd
    >>> from matchmaking.reports.context import plan_context
    >>> c = mm.Community.from_frame(pd.DataFrame({"id": ["a", "b"], "name": ["=HYPERLINK(1)", "Bé"],
    ...                                           "city": ["Lyon", "Nice"]}))
    >>> plan = mm.Plan("cohorts", pd.DataFrame({"cohort": [1, 1], "member": ["a", "b"]}), objective=0.0)
    >>> export_frame(plan_context(plan, c)).values.tolist()
    [[1, 'a', '=HYPERLINK(1)', 'Lyon'], [1, 'b', 'Bé', 'Nice']]
    """
    cols = list(GROUP_COLUMNS[ctx.plan.kind]) + ["member"]
    out = ctx.plan.assignments[cols].astype({"member": str}).reset_index(drop=True)
    out["name"] = out["member"].map(ctx.names)
    if attributes is None:
        attributes = [ctx.color_by] if ctx.color_by else []
    for attr in dict.fromkeys(attributes):
        if attr in ctx.community.attributes and attr not in out:
            out[attr] = ctx.community.members[attr].reindex(out["member"].to_numpy()).to_numpy()
    if ctx.hosts:
        out["host"] = ["yes" if ctx.hosts.get(m) == t else "" for m, t in zip(out["member"], out["table"], strict=True)]
    if ctx.leads:
        out["lead"] = ["yes" if m in ctx.leads else "" for m in out["member"]]
    return out


MARKS = frozenset({"yes", "y", "true", "1", "x", "★"})


def read_roles(source: str | os.PathLike | pd.DataFrame) -> tuple[dict[str, int], list[str]]:
    """The hosts (``member -> table``) and cohort leads that a plan file marks, as the exports write them.

    A ``host`` column marks who hosts the table of their row, a ``lead`` column who leads; a cell
    of ``yes`` (or ``y``, ``true``, ``1``, ``x``) marks, anything else does not. A file without
    these columns marks nobody. ``matchmaking report`` reads them, so that a plan exported with
    its hosts prints them again from the files alone.

    Examples
    --------
    >>> import pandas as pd
    >>> read_roles(pd.DataFrame({"round": [1, 1, 2], "table": [3, 3, 3], "member": ["a", "b", "a"],
    ...                          "host": ["yes", "", "Yes"]}))
    ({'a': 3}, [])
    >>> read_roles(pd.DataFrame({"cohort": [1, 1], "member": ["a", "b"], "lead": ["", "x"]}))
    ({}, ['b'])
    """
    sheets = workbook_sheets(source)  # our workbooks: one sheet a round, each with its host marks
    parts = [read_table(source, sheet=name) for name in sheets] if len(sheets) > 1 else [read_table(source)]
    table = pd.concat([part for part in parts if "member" in part], ignore_index=True) if any(
        "member" in part for part in parts) else parts[0]
    hosts: dict[str, int] = {}
    leads: list[str] = []
    marked = {c: table[c].str.strip().str.casefold().isin(MARKS) for c in ("host", "lead") if c in table}
    if "host" in marked and "table" in table:
        for member, number in zip(table.loc[marked["host"], "member"], table.loc[marked["host"], "table"],
                                  strict=True):
            hosts.setdefault(str(member), int(float(number)))
    if "lead" in marked:
        leads = list(dict.fromkeys(str(m) for m in table.loc[marked["lead"], "member"]))
    return hosts, leads


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A formula-safe CSV, UTF-8 with a byte-order mark (so that Excel shows accents right)."""
    return csv_text(frame).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, kind: str) -> bytes:
    """A formula-safe workbook: one sheet per round (seating, pairs) or one sheet (cohorts).

    Examples
    --------
    >>> import io, pandas as pd
    >>> frame = pd.DataFrame({"round": [1, 2], "table": [1, 1], "member": ["a", "=1+1"]})
    >>> book = pd.read_excel(io.BytesIO(xlsx_bytes(frame, "seating")), sheet_name=None)
    >>> list(book), book["round 2"]["member"].tolist()
    (['round 1', 'round 2'], ["'=1+1"])
    """
    buf = io.BytesIO()
    safe = workbook_frame(frame)  # formula-safe, and only characters a workbook can hold
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        if "round" in safe and kind != "cohorts" and len(safe):
            for rnd, part in safe.groupby("round", sort=True):
                part.to_excel(writer, sheet_name=f"round {rnd}", index=False)
        else:
            safe.to_excel(writer, sheet_name=kind, index=False)
        for sheet in writer.sheets.values():
            for column in sheet.columns:
                width = max(len(str(c.value or "")) for c in column)
                sheet.column_dimensions[column[0].column_letter].width = min(40, max(8, width + 2))
    return buf.getvalue()
