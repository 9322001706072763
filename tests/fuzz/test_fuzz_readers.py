"""Fuzzing every reader: members, pairs, constraints, attendance, locked plans, history, rankings.

Three properties, each over generated files (tests/fuzz/fuzzfiles.py):

1. **Round trip**: a valid table written as any tool might (comma, semicolon or tab; quoted or
   not; LF or CRLF; UTF-8 with or without BOM, UTF-16, Windows-1252, or UTF-8 with one row in
   Windows-1252) reads back as exactly that table.
2. **One bad cell is named**: the same table with one bad value at a random row gives an
   InputError naming the file, that row and that column.
3. **Damaged files never crash**: mutated bytes (cut, flipped, NULs, junk, BOMs, doubled lines,
   broken or duplicate headers, huge cells, open quotes, workbook and Parquet bytes), and
   workbooks and Parquet files with cells of any type, either read or raise an InputError
   naming the file (and a row inside the file); the input file and its folder never change.

Budget: the ``ci`` profile (tests/conftest.py); ``HYPOTHESIS_PROFILE=long`` for local runs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fuzzfiles import (
    CELL,
    ID,
    check_reader_outcome,
    csv_file,
    encoded,
    expected_cell,
    frame_of,
    mutated,
    physical_rows,
    typed_rows,
    write_file,
)
from hypothesis import given
from hypothesis import strategies as st

import matchmaking as mm
from matchmaking.errors import InputError
from matchmaking.history import MeetingHistory
from matchmaking.model.io import ROW, read_table, source_name
from matchmaking.plans.io import read_plan
from matchmaking.scoring.pairs_file import history_counts, read_meeting_counts
from matchmaking.solvers.pairing.mentor import UNACCEPTABLE, read_ranks
from matchmaking.solvers.seating.inputs import parse_attendance
from matchmaking.solvers.seating.problem import build_problem

MEMBERS = [f"m{k}" for k in range(1, 9)]
COMMUNITY = mm.Community.from_frame(pd.DataFrame({"id": MEMBERS}))
ROUNDS, TABLES, SEATS = 3, 3, 4
PAIRS = [(a, b) for i, a in enumerate(MEMBERS) for b in MEMBERS[i + 1:]]


# ---------------------------------------------------------------- the readers, as the command line runs them
def read_members(path: Path) -> mm.Community:
    return mm.Community.from_csv(path)


def read_attendance(path: Path) -> dict:
    table = read_table(path)
    table.attrs["file"] = source_name(path)
    return parse_attendance(table, COMMUNITY, ROUNDS)


def read_locked(path: Path) -> pd.DataFrame:
    """``seat --locked``: the plan file, then the engine's checks of the held rounds."""
    kind, plan = read_plan(path, COMMUNITY)
    if kind != "seating":
        return plan
    plan[ROW] = read_table(path)[ROW].to_numpy()
    plan.attrs["file"] = source_name(path)
    build_problem(COMMUNITY, tables=TABLES, table_size=SEATS, rounds=ROUNDS, locked=plan)
    return plan


def read_history(path: Path) -> pd.DataFrame:
    """``--history met.csv``: the counts, then the form every engine reads them in."""
    return history_counts(read_meeting_counts(path), COMMUNITY)


def record_plan(path: Path) -> int:
    """``history DB record PLAN``: a plan file into a fresh ledger (kept outside the input folder)."""
    with tempfile.TemporaryDirectory() as folder:
        return MeetingHistory(Path(folder) / "h.db").record(path, event="e1")


def read_rankings(path: Path) -> Any:
    return read_ranks(path, MEMBERS[:4], MEMBERS[4:])


# ---------------------------------------------------------------- valid tables and the bad cells of each
def _weight(x: float, style: int) -> str:
    return [repr(x), f"{x:.2f}".replace(".", ","), str(int(x)), f"{x:g}"][style]


@st.composite
def members_table(draw):
    ids = draw(st.lists(ID, min_size=1, max_size=6, unique=True))
    names = draw(st.lists(CELL, min_size=len(ids), max_size=len(ids)))
    offers = draw(st.lists(st.lists(st.sampled_from(["seo", "Copy-writing", "Thérapie", "ads"]), max_size=3),
                           min_size=len(ids), max_size=len(ids)))
    rows = [[i, n, "; ".join(o)] for i, n, o in zip(ids, names, offers, strict=True)]
    expect = {"ids": ids, "names": [expected_cell(n) or i for n, i in zip(names, ids, strict=True)]}
    return ["id", "name", "offers"], rows, expect


@st.composite
def pairs_table(draw):
    chosen = draw(st.lists(st.sampled_from(PAIRS), min_size=1, max_size=6, unique=True))
    rows, weights = [], []
    for a, b in chosen:
        x = draw(st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 2)))
        style = draw(st.integers(0, 3))
        if style == 2:
            x = float(int(x))
        text = _weight(x, style)
        if style == 1 and abs(x) >= 1000:  # "1234,50" is fine; only d,ddd is ambiguous
            text = repr(x)
        rows.append([a, b, text])
        weights.append(float(text.replace(",", ".")))
    return ["a", "b", "weight"], rows, {"weights": weights}


@st.composite
def constraints_table(draw):
    chosen = draw(st.lists(st.sampled_from(PAIRS), min_size=1, max_size=4, unique=True))
    rows, together, apart, pins = [], [], [], []
    for a, b in chosen:
        kind = draw(st.sampled_from(["together", "apart"]))
        rows.append([draw(st.sampled_from([kind, kind.upper(), f" {kind.title()} "])), a, b, ""])
        (together if kind == "together" else apart).append((a, b))
    for m in draw(st.lists(st.sampled_from(MEMBERS), max_size=3)):
        table, rnd = draw(st.integers(1, TABLES)), draw(st.one_of(st.none(), st.integers(1, ROUNDS)))
        rows.append(["pin", m, draw(st.sampled_from([str(table), f"{table}.0"])), "" if rnd is None else str(rnd)])
        pins.append((m, table, rnd))
    return ["kind", "a", "b", "round"], rows, {"together": together, "apart": apart, "pins": pins}


@st.composite
def attendance_table(draw):
    rows = draw(st.lists(st.tuples(st.sampled_from(MEMBERS), st.integers(1, ROUNDS)), min_size=1, max_size=10,
                         unique=True))
    expect: dict[int, list[str]] = {}
    for m, r in rows:
        expect.setdefault(r, []).append(m)
    return ["member", "round"], [[m, str(r)] for m, r in rows], {"rounds": expect}


@st.composite
def locked_table(draw):
    members = draw(st.permutations(MEMBERS))[:draw(st.integers(1, 8))]
    tables = [draw(st.integers(1, TABLES)) for _ in members]
    assume_ok = all(tables.count(t) <= SEATS for t in set(tables))
    if not assume_ok:
        tables = [1 + k % TABLES for k in range(len(members))]
    rows = [["1", str(t), m] for t, m in zip(tables, members, strict=True)]
    return ["round", "table", "member"], rows, {"members": list(members)}


@st.composite
def history_table(draw):
    chosen = draw(st.lists(st.sampled_from(PAIRS), min_size=1, max_size=6, unique=True))
    counts = [draw(st.integers(0, 50)) for _ in chosen]
    rows = [[a, b, str(c)] for (a, b), c in zip(chosen, counts, strict=True)]
    return ["a", "b", "count"], rows, {"total": float(sum(counts))}


@st.composite
def rankings_table(draw):
    rows = []
    for m in draw(st.lists(st.sampled_from(MEMBERS[:4]), min_size=1, max_size=4, unique=True)):
        for k, c in enumerate(draw(st.permutations(MEMBERS[4:]))[:2], start=1):
            rows.append([m, c, str(k)])
    return ["member", "candidate", "rank"], rows, {"rows": len(rows)}


@dataclass(frozen=True)
class Reader:
    name: str
    read: Callable[[Path], Any]
    table: Callable[[], st.SearchStrategy]
    bad: dict[str, list[str]]  # column -> values that are wrong in any row
    check: Callable[[Any, dict], None]


def _check_members(c, expect):  # noqa: ANN001
    assert c.ids == expect["ids"] and c.members["name"].tolist() == expect["names"]


def _check_pairs(frame, expect):  # noqa: ANN001
    assert frame["weight"].tolist() == pytest.approx(expect["weights"])


def _check_constraints(req, expect):  # noqa: ANN001
    assert (req.together, req.apart, req.pins) == (expect["together"], expect["apart"], expect["pins"])


def _check_attendance(att, expect):  # noqa: ANN001
    assert {r: sorted(m) for r, m in att.items() if r in expect["rounds"]} == {
        r: sorted(m) for r, m in expect["rounds"].items()}


def _check_locked(plan, expect):  # noqa: ANN001
    assert plan["member"].tolist() == expect["members"]


def _check_history(frame, expect):  # noqa: ANN001
    assert frame["count"].sum() == expect["total"]


def _check_record(n, expect):  # noqa: ANN001
    assert n >= 0


def _check_rankings(ranks, expect):  # noqa: ANN001
    assert (ranks[0] != UNACCEPTABLE).sum() == expect["rows"]


BAD_NUMBERS = ["inf", "-inf", "nan", "x", "1e400", "1,000", "1e12"]
READERS = [
    Reader("members", read_members, members_table, {"id": [""], "offers": ["seo, ads"]}, _check_members),
    Reader("pairs", lambda p: mm.read_pairs(p, COMMUNITY), pairs_table, {"a": ["zz9"], "b": ["zz9"], "weight": BAD_NUMBERS[:6]},
           _check_pairs),
    Reader("constraints", lambda p: mm.Requests.read(p, COMMUNITY), constraints_table,
           {"kind": ["friends"], "a": ["zz9"]}, _check_constraints),
    Reader("attendance", read_attendance, attendance_table,
           {"member": ["zz9", ""], "round": ["0", str(ROUNDS + 1), "2.5", *BAD_NUMBERS]}, _check_attendance),
    Reader("locked", read_locked, locked_table,
           {"member": ["zz9", ""], "table": ["0", "-1", "2.5", *BAD_NUMBERS], "round": ["0", "x", "inf"]},
           _check_locked),
    Reader("history", read_history, history_table, {"a": [""], "count": ["-50", "-0.5", *BAD_NUMBERS]},
           _check_history),
    Reader("history record", record_plan, locked_table, {"table": ["0", "x", "inf", "1e12"], "member": [""]},
           _check_record),
    Reader("rankings", read_rankings, rankings_table,
           {"member": ["zz9"], "candidate": ["zz9"], "rank": ["0", "x", "1.5", "99999999999999999999999"]},
           _check_rankings),
]
IDS = [r.name for r in READERS]


def _folder() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="fuzz-")


# ---------------------------------------------------------------- 1. round trip
@pytest.mark.parametrize("reader", READERS, ids=IDS)
@given(data=st.data())
def test_valid_tables_read_back_exactly(reader, data):
    header, rows, expect = data.draw(reader.table(), label="table")
    with _folder() as folder:
        path = csv_file(Path(folder), "in.csv", header, rows, data)
        result = check_reader_outcome(reader.read, path)
    assert result is not None, "a valid table was refused"
    reader.check(result, expect)


# ---------------------------------------------------------------- 2. one bad cell, named exactly
@pytest.mark.parametrize("reader", READERS, ids=IDS)
@given(data=st.data())
def test_one_bad_cell_is_named_with_its_row_and_column(reader, data):
    header, rows, _ = data.draw(reader.table(), label="table")
    column = data.draw(st.sampled_from(sorted(reader.bad)), label="column")
    value = data.draw(st.sampled_from(reader.bad[column]), label="value")
    k = data.draw(st.integers(0, len(rows) - 1), label="row index")
    rows = [list(r) for r in rows]
    rows[k][header.index(column)] = value
    if not any(c.strip() for c in rows[k]):
        return  # a blank row is skipped, as a spreadsheet's blank line
    with _folder() as folder:
        path = csv_file(Path(folder), "in.csv", header, rows, data)
        with pytest.raises(InputError) as err:
            reader.read(path)
    assert (Path(err.value.file).name, err.value.row) == ("in.csv", k + 2), str(err.value)
    assert err.value.column == column, str(err.value)


# ---------------------------------------------------------------- 3. damaged files
@pytest.mark.parametrize("reader", READERS, ids=IDS)
@given(data=st.data())
def test_damaged_csv_reads_or_is_an_input_error(reader, data):
    header, rows, _ = data.draw(reader.table(), label="table")
    raw = data.draw(mutated(data.draw(encoded(header, rows), label="encoded")), label="mutated")
    suffix = data.draw(st.sampled_from([".csv", ".tsv", ".txt"]), label="suffix")
    with _folder() as folder:
        check_reader_outcome(reader.read, write_file(Path(folder), "in" + suffix, raw), rows=physical_rows(raw))


@pytest.mark.parametrize("reader", READERS, ids=IDS)
@given(data=st.data())
def test_workbooks_and_parquet_of_any_cells(reader, data):
    header, rows, _ = data.draw(reader.table(), label="table")
    fmt = data.draw(st.sampled_from([".xlsx", ".parquet"]), label="format")
    if data.draw(st.booleans(), label="typed cells"):
        rows = data.draw(typed_rows(len(header), len(rows), uniform=fmt == ".parquet"), label="rows")
    header = list(header)
    if data.draw(st.booleans(), label="odd header"):
        header[-1] = data.draw(st.sampled_from(["", header[0], "nan", " ", "_row", "x" * 200]), label="name")
    with _folder() as folder:
        path = Path(folder) / ("in" + fmt)
        frame = frame_of(header, rows)
        try:
            if fmt == ".xlsx":
                frame.to_excel(path, index=False, engine="openpyxl")
            else:
                frame.to_parquet(path, index=False)
        except Exception:  # a frame that the format cannot hold: nothing to read
            return
        damage = data.draw(st.booleans(), label="damage")
        if damage:
            path.write_bytes(data.draw(mutated(path.read_bytes()), label="mutated"))
        check_reader_outcome(reader.read, path, rows=None if damage else len(rows) + 2)
