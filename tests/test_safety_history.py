"""The SQLite history is safe to read, refuses what is not ours untouched, and detects damage (issue 13)."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import matchmaking.history_store as store
from matchmaking import Community
from matchmaking.errors import InputError
from matchmaking.history import MeetingHistory
from matchmaking.scoring.pairs_file import history_counts

MEMBERS = "id,name,offers,needs,city\na,Ana,seo,accounting,Paris\nb,Ben,accounting,seo,Lyon\n" \
          "c,Cleo,pricing,,Paris\nd,Dan,,pricing,Lyon\ne,Eve,branding,,Paris\nf,Fay,,branding,Nice\n"
PLAN = "round,table,member\n1,1,a\n1,1,b\n1,1,c\n1,2,d\n1,2,e\n1,2,f\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "m.csv").write_text(MEMBERS)
    (tmp_path / "plan.csv").write_text(PLAN)
    return tmp_path


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _ledger(path: Path, events: int = 1) -> MeetingHistory:
    h = MeetingHistory(path)
    for k in range(events):
        n = 40
        h.record(pd.DataFrame({"cohort": [1 + i % 4 for i in range(n)], "member": [f"m{k}-{i:02d}" for i in range(n)]}),
                 event=f"e{k}", date=f"2026-01-{k + 1:02d}")
    return h


def _rollback_journal(path: Path) -> None:
    """Switch a ledger to the rollback journal (as a file from elsewhere may be): WAL shows in its header."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()


@contextlib.contextmanager
def _writer(path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding the write lock (``BEGIN IMMEDIATE``) until the block ends."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        yield writer
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_reading_takes_no_write_lock_and_waits_for_no_writer(folder, cli, monkeypatch):
    db = folder / "h.db"
    _ledger(db)
    monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 1.0)
    import matchmaking.history as hist

    monkeypatch.setattr(hist, "BUSY_TIMEOUT_S", 1.0, raising=False)
    with _writer(db) as writer:  # another process is writing
        writer.execute("INSERT INTO meta VALUES ('x', 'y')")
        t0 = time.perf_counter()
        code, text = cli("history", db, "events")
        assert code == 0 and "e0" in text
        assert len(MeetingHistory(db).pair_counts(["m0-00", "m0-04"])) == 1
        assert time.perf_counter() - t0 < 0.9


def test_a_writer_held_too_long_ends_in_a_clear_error(folder, cli, monkeypatch):
    db = folder / "h.db"
    _ledger(db)
    monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 0.3)
    with _writer(db):
        with pytest.raises(TimeoutError, match="busy"):
            MeetingHistory(db).record(folder / "plan.csv", event="x")
        code, text = cli("history", db, "record", folder / "plan.csv")
        assert code == 1 and "busy" in text and "Traceback" not in text
    assert len(MeetingHistory(db)) == 1


def _corrupt(db: Path) -> None:
    _rollback_journal(db)  # everything in the main file
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 20 * page
    at = len(data) - 3 * page
    data[at: at + page] = b"\xa5" * page  # one b-tree page of the encounters overwritten
    db.write_bytes(bytes(data))


def test_a_corrupt_page_is_detected_before_use(folder, cli):
    db = folder / "h.db"
    _ledger(db, events=6)
    _corrupt(db)
    before = db.read_bytes()
    for argv in (["record", folder / "plan.csv", "--event", "new"], ["met", "m1-01"], ["stale"], ["events"]):
        code, text = cli("history", db, *argv)
        assert code == 2 and "damaged" in text and "Traceback" not in text
    code, text = cli("seat", folder / "m.csv", "--tables", "2", "--table-size", "3", "--history", db,
                      "--time-limit", "1", "--out", folder / "p.csv")
    assert code == 2 and "damaged" in text and not (folder / "p.csv").exists()
    assert db.read_bytes() == before


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_a_foreign_sqlite_database_is_refused_untouched(folder, cli, journal):
    other = folder / "app.db"
    con = sqlite3.connect(other, isolation_level=None)
    con.execute(f"PRAGMA journal_mode={journal}")
    con.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    con.execute("INSERT INTO contacts VALUES ('Ana', '06')")
    con.close()
    before = _files(folder)
    code, text = cli("seat", folder / "m.csv", "--tables", "2", "--table-size", "3", "--history", other,
                      "--time-limit", "1", "--out", folder / "p.csv")
    assert code == 2 and "another application's" in text
    code, text = cli("history", other, "record", folder / "plan.csv")
    assert code == 2 and "another application's" in text
    with pytest.raises(InputError, match="another application's"):
        MeetingHistory(other)
    assert _files(folder) == before  # not a byte changed, no -wal/-shm added


def test_a_newer_schema_is_refused_untouched(folder, cli):
    db = folder / "h.db"
    _ledger(db)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    _rollback_journal(db)
    before = _files(folder)
    code, text = cli("history", db, "record", folder / "plan.csv")
    assert code == 2 and "newer" in text
    code, text = cli("history", db, "events")
    assert code == 2 and "newer" in text
    assert _files(folder) == before  # the header still says rollback journal: no switch to WAL


def test_refused_record_and_stale_change_nothing(folder, cli):
    db = folder / "h.db"
    _ledger(db)
    _rollback_journal(db)
    bad = folder / "bad.csv"
    bad.write_text("round,table,member\n1,1,a\n1,2,a\n")
    before = _files(folder)
    del before["bad.csv"]
    code, text = cli("history", db, "record", bad)
    assert code == 2 and "bad.csv, row 3, column 'member'" in text and "twice" in text
    bad.write_text("round,table,member\n1,x,a\n")
    code, text = cli("history", db, "record", bad)
    assert code == 2 and "row 2, column 'table'" in text
    code, text = cli("history", db, "record", folder / "plan.csv", "--date", "notadate")
    assert code == 2 and "ISO date" in text
    code, text = cli("history", db, "record", folder / "plan.csv", "--event", "e0")  # e0 holds another plan
    assert code == 2 and "already recorded" in text
    code, text = cli("history", db, "stale", "--events", "0")
    assert code == 2
    with pytest.raises(InputError, match="at least 1"):
        MeetingHistory(db).stale(0)
    after = _files(folder)
    del after["bad.csv"]
    assert after == before
    missing = folder / "new.db"
    bad.write_text("round,table,member\n1,0,a\n")
    assert cli("history", missing, "record", bad)[0] == 2
    assert not missing.exists()  # a refused first record creates no ledger


def test_a_missing_history_is_an_error_when_reading_and_never_created(folder, cli):
    typo = folder / "typo.db"
    for argv in (["seat", folder / "m.csv", "--tables", "2", "--table-size", "3", "--time-limit", "1"],
                 ["pairs", folder / "m.csv", "--mode", "roulette"], ["cohorts", folder / "m.csv", "--size", "2-3"]):
        code, text = cli(*argv, "--history", typo, "--out", folder / "p.csv")
        assert code == 2 and "history file not found" in text
    assert not typo.exists() and not (folder / "p.csv").exists()
    h = MeetingHistory(typo)  # the library: an empty ledger until the first record, nothing created by reads
    assert len(h) == 0 and h.pair_counts(["a", "b"]).empty and h.stale(1).empty
    assert not typo.exists()


@pytest.mark.parametrize("count", ["inf", "-50", "nan", ""])
@pytest.mark.parametrize("verb", [
    ["seat", "--tables", "2", "--table-size", "3", "--time-limit", "1"],
    ["cohorts", "--size", "2-3", "--time-limit", "1"],
    ["pairs", "--mode", "roulette", "--rounds", "2", "--time-limit", "1"],
])
def test_a_bad_history_count_names_file_row_and_column(folder, cli, count, verb):
    met = folder / "met.csv"
    met.write_text(f"a,b,count\na,b,2\nc,d,{count}\n")
    code, text = cli(verb[0], folder / "m.csv", *verb[1:], "--history", met, "--out", folder / "p.csv")
    assert code == 2, text
    assert f"{met}, row 3, column 'count'" in text and "Traceback" not in text
    assert not (folder / "p.csv").exists()


def test_history_counts_validates_library_tables(tiny):
    with pytest.raises(InputError, match="row 3, column 'count'"):
        history_counts(pd.DataFrame({"a": ["ana", "ben"], "b": ["ben", "dan"], "count": [1, float("inf")]}), tiny)
    ok = history_counts(pd.DataFrame({"a": ["ben"], "b": ["ana"], "count": [3]}), tiny)
    assert ok.to_dict("records") == [{"a": "ana", "b": "ben", "count": 3.0}]
    assert isinstance(tiny, Community)


def _foreign_wal(path: Path, rows: int = 400) -> sqlite3.Connection:
    """Another application's WAL-mode database (application id 0), its connection left open."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE notes (body TEXT)")
    con.executemany("INSERT INTO notes VALUES (?)", [("x" * 200,)] * rows)
    return con


def test_a_damaged_foreign_wal_file_is_reported_with_nothing_added_beside_it(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    db = folder / "app.db"
    _foreign_wal(db).close()  # checkpointed on close: -wal and -shm removed
    data = bytearray(db.read_bytes())
    data[4096:8192] = b"\xa5" * 4096  # page 2 (the table's first page) overwritten
    db.write_bytes(bytes(data))
    before = _files(folder)
    with pytest.raises(InputError):
        store.check(db)
    assert _files(folder) == before


def test_a_foreign_file_with_a_stale_wal_and_no_shm_gets_no_shm(tmp_path):
    work, folder = tmp_path / "w", tmp_path / "f"
    work.mkdir()
    folder.mkdir()
    con = _foreign_wal(work / "app.db")  # open: its -wal holds the table
    for suffix in ("", "-wal"):
        (folder / f"copy.db{suffix}").write_bytes((work / f"app.db{suffix}").read_bytes())
    con.close()
    before = _files(folder)
    with contextlib.suppress(InputError):  # its tables sit in the -wal: the main file alone may read as empty
        store.check(folder / "copy.db")
    assert _files(folder) == before  # no -shm created, nothing changed
