"""Fuzzing the writers: what the workbench writes reads back unchanged, and is safe to open.

- ``write_table`` (CSV, Excel, Parquet): any text, any column name, reads back through
  ``read_table`` as the same cells; no CSV cell or workbook cell starts a formula; a write that
  fails leaves the previous file and no temporary file.
- Plan files (``Plan.to_csv``) with hostile member ids read back through ``read_plan``.
- The meeting history exports (``MeetingHistory.to_csv``) read back as what was recorded.
- HTML reports show member data as text, never as markup.
"""

from __future__ import annotations

import csv
import io
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from fuzzfiles import CELL, ID, NASTY, TEXT, expected_cell
from hypothesis import given
from hypothesis import strategies as st

import matchmaking as mm
from matchmaking.history import MeetingHistory
from matchmaking.model.io import read_table, write_table
from matchmaking.plans.io import read_plan
from matchmaking.reports.html import Report

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_ILLEGAL = {chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32)]}
HOSTILE_ID = st.one_of(ID, st.sampled_from(["=1+1", "-x", "+33", "@home", "Zoé", "a b", "日本", "<b>", "a;b", "a,b"]))


def _frames():
    columns = st.lists(st.one_of(st.sampled_from(["id", "name", "=cmd", "-", "Zoé", "a,b", "a;b"]),
                                 st.text(TEXT, min_size=1, max_size=8)),
                       min_size=1, max_size=4, unique_by=lambda c: c.strip())
    return columns.flatmap(lambda cols: st.lists(st.lists(CELL, min_size=len(cols), max_size=len(cols)), max_size=6)
                           .map(lambda rows: (cols, rows)))


def _expected(text: str, fmt: str) -> str:
    if fmt == ".xlsx":
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = "".join("\ufffd" if ch in XLSX_ILLEGAL else ch for ch in text)
    return expected_cell(text)


@pytest.mark.parametrize("fmt", [".csv", ".xlsx", ".parquet"])
@given(table=_frames(), numbers=st.lists(st.integers(-10**9, 10**9), min_size=6, max_size=6))
def test_write_table_reads_back_unchanged_and_formula_safe(fmt, table, numbers):
    cols, rows = table
    assume_names = [_expected(c, fmt) for c in cols]
    if len(set(assume_names)) < len(assume_names) or {"", "_row", "n"} & set(assume_names):
        return  # names a reader cannot tell apart (the reader's own refusals are fuzzed in test_fuzz_readers)
    frame = pd.DataFrame(rows, columns=cols, dtype=object) if rows else pd.DataFrame(columns=cols, dtype=object)
    frame["n"] = numbers[: len(frame)]
    with tempfile.TemporaryDirectory() as folder:
        path = write_table(frame, Path(folder) / f"out{fmt}")
        assert [p.name for p in Path(folder).iterdir()] == [path.name]  # no temporary file left
        back = read_table(path)
        if fmt == ".csv":
            raw = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
            assert not any(cell.startswith(FORMULA_START) for rec in raw for cell in rec if not _number(cell))
        elif fmt == ".xlsx":
            sheet = openpyxl.load_workbook(path).active
            cells = [c for row in sheet.iter_rows() for c in row]
            assert not any(c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith(FORMULA_START))
                           for c in cells)
    assert list(back.columns[:-1]) == assume_names + ["n"]  # every row has a number: none is blank
    for j, col in enumerate(cols):
        assert back[assume_names[j]].tolist() == [_expected(r[j], fmt) for r in rows], col
    assert back["n"].tolist() == [str(x) for x in numbers[: len(rows)]]


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@given(ids=st.lists(HOSTILE_ID, min_size=2, max_size=8, unique_by=lambda i: i.strip()),
       data=st.data())
def test_plan_files_with_hostile_ids_read_back(ids, data):
    ids = [i.strip() for i in ids]
    community = mm.Community.from_frame(pd.DataFrame({"id": ids}))
    cohorts = data.draw(st.lists(st.integers(1, 3), min_size=len(ids), max_size=len(ids)), label="cohorts")
    plan = mm.Plan("cohorts", pd.DataFrame({"cohort": cohorts, "member": ids}), objective=0.0)
    with tempfile.TemporaryDirectory() as folder:
        path = plan.to_csv(Path(folder) / "plan.csv")
        kind, back = read_plan(path, community)
    assert kind == "cohorts" and back["member"].tolist() == ids and back["cohort"].tolist() == cohorts


@given(ids=st.lists(HOSTILE_ID, min_size=2, max_size=6, unique_by=lambda i: i.strip()), data=st.data())
def test_history_export_reads_back_as_recorded(ids, data):
    ids = [i.strip() for i in ids]
    tables = data.draw(st.lists(st.integers(1, 2), min_size=len(ids), max_size=len(ids)), label="tables")
    plan = pd.DataFrame({"round": 1, "table": tables, "member": ids})
    with tempfile.TemporaryDirectory() as folder:
        history = MeetingHistory(Path(folder) / "h.db")
        history.record(plan, event=data.draw(st.sampled_from(["e1", "=evt", "Zoé's café"]), label="event"))
        out = history.to_csv(Path(folder) / "encounters.csv")
        back = read_table(out)
        recorded = history.encounters()
    assert back["a"].tolist() == recorded["a"].tolist() and back["b"].tolist() == recorded["b"].tolist()
    assert back["event"].tolist() == recorded["event"].tolist()


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.tags.append((tag, [k for k, _ in attrs]))


def _tags(html: str) -> list[tuple[str, list]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _report(texts: list[str]) -> str:
    report = Report(texts[0])
    report.heading(texts[-1])
    for t in texts:
        report.text(t)
    report.pre("\n".join(texts))
    report.table(pd.DataFrame({"member": texts, "name": texts[::-1]}))
    return report.render()


@given(texts=st.lists(st.one_of(st.sampled_from(NASTY + ["<script>alert(1)</script>", "a&b", "\"'><img src=x>",
                                                         "</p><p>", "<!--", "]]>"]),
                                st.text(TEXT, max_size=12)), min_size=1, max_size=5))
def test_reports_show_member_data_as_text(texts):
    """The report's markup (tags and attributes) is the same whatever the member data holds."""
    assert _tags(_report(texts)) == _tags(_report(["x"] * len(texts)))
