"""The SQLite file behind :class:`~matchmaking.history.MeetingHistory`: opening, checking, locking.

Reading never writes: a read opens the file read-only (``mode=ro``), so it takes no write
lock and changes no byte. Before first use a file is checked, without touching it: it must be
a SQLite database that is ours (our ``application_id``, or the tables of a ledger made before
it was set) or empty, of a schema version this library knows, and pass ``PRAGMA quick_check``.
Writes are one ``BEGIN IMMEDIATE`` transaction each, in WAL mode. A lock held by another
process longer than the busy timeout ends in a :class:`TimeoutError` that says so.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from matchmaking.errors import InputError

SCHEMA_VERSION = 1
APPLICATION_ID = 0x4D4D4831  # "MMH1" in the file header: this file is a matchmaking meeting history
BUSY_TIMEOUT_S = 30.0
TABLES = ("meta", "events", "attendance", "encounters")
_MAGIC = b"SQLite format 3\x00"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event TEXT NOT NULL UNIQUE,
    date TEXT,
    kind TEXT NOT NULL,
    members INTEGER NOT NULL,
    checksum TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attendance (
    event TEXT NOT NULL REFERENCES events(event) ON DELETE CASCADE,
    round INTEGER NOT NULL,
    grp INTEGER NOT NULL,
    member TEXT NOT NULL,
    PRIMARY KEY (event, round, member)
);
CREATE TABLE IF NOT EXISTS encounters (
    event TEXT NOT NULL REFERENCES events(event) ON DELETE CASCADE,
    round INTEGER NOT NULL,
    grp INTEGER NOT NULL,
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    PRIMARY KEY (event, round, a, b),
    CHECK (a < b)
);
CREATE INDEX IF NOT EXISTS encounters_a ON encounters(a);
CREATE INDEX IF NOT EXISTS encounters_b ON encounters(b);
CREATE INDEX IF NOT EXISTS attendance_member ON attendance(member);
"""


@contextmanager
def sqlite_errors(path: Path, timeout: float) -> Iterator[None]:
    """SQLite failures in words: a lock held too long, or a damaged file."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise TimeoutError(
                f"{path}: the history is busy: another process has held its lock for more than {timeout:g} s; "
                "try again when it has finished"
            ) from None
        raise _damaged(path, exc) from None
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from None


def _damaged(path: Path, exc: Exception) -> InputError:
    return InputError(f"the history database is damaged or unreadable ({exc}); restore it from a backup",
                      file=str(path))


def _uri(path: Path, mode: str) -> str:
    return f"file:{quote(str(path.resolve()))}?mode={mode}"


def is_empty(path: Path) -> bool:
    """A missing or zero-byte file: a ledger still to be created."""
    return not path.exists() or path.stat().st_size == 0


def check(path: Path, timeout: float = BUSY_TIMEOUT_S) -> bool:
    """Check an existing file before any use, read-only; True when it holds our tables.

    Raises
    ------
    InputError
        Not a SQLite file, another application's database, a newer schema, or a damaged file.
        Nothing in the file is changed in any of these cases.
    """
    if is_empty(path):
        return False
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header.startswith(_MAGIC):
        raise InputError("not a meeting history (not a SQLite database); a history given as a table is a "
                         ".csv/.xlsx/.parquet file a,b[,count]", file=str(path))
    app_id = int.from_bytes(header[68:72], "big")
    tables = _tables(path, timeout, app_id)
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables and not set(TABLES) <= tables):
        shown = ", ".join(sorted(tables)[:8]) or "none"
        raise InputError(f"not a meeting history: another application's SQLite database (tables: {shown}); "
                         "it was left untouched", file=str(path))
    if not tables:
        return False
    with sqlite_errors(path, timeout), read(path, timeout) as con:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row and str(row[0]).isdigit() else None
        if version is None:
            raise InputError("not a meeting history: no schema version in its meta table; it was left untouched",
                             file=str(path))
        if version > SCHEMA_VERSION:
            raise InputError(f"history schema version {version} is newer than this library's ({SCHEMA_VERSION}); "
                             "upgrade matchmaking (the file was left untouched)", file=str(path))
        problems = [r[0] for r in con.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            lines = [x.strip() for p in problems for x in p.splitlines() if x.strip() and not x.startswith("***")]
            raise InputError("the history database is damaged (SQLite integrity check: " + "; ".join(lines)
                             + "); restore it from a backup", file=str(path))
    return True


def _in_use(path: Path) -> bool:
    """Its ``-wal`` and ``-shm`` beside it: a process is using it in WAL mode (a locked read then adds no file)."""
    return Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists()


def _tables(path: Path, timeout: float, app_id: int) -> set[str]:
    """The table names of a file not yet known to be ours, read without adding a file beside it.

    A file that is not ours by its header is read ``immutable`` (no lock, no ``-wal``/``-shm``
    added beside another application's file). An id of 0 may also be our own ledger while another
    process creates it: in WAL mode the id and the schema sit in the write-ahead log until a
    checkpoint copies them over, and an immutable read during that copy sees torn pages. So a
    file with id 0 that a process is using (its ``-wal`` and ``-shm`` present, so a locked read
    adds no file) is read with locks, before or after a failed immutable read. A
    damaged file nobody uses is reported as damaged, with nothing added beside it.
    """
    def names(immutable: bool) -> set[str]:
        with sqlite_errors(path, timeout), read(path, timeout, immutable=immutable) as con:
            found = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return found - {"sqlite_sequence"}

    if app_id == APPLICATION_ID or (app_id == 0 and _in_use(path)):
        return names(immutable=False)
    try:
        return names(immutable=True)
    except InputError:
        if app_id != 0 or not _in_use(path):
            raise
        return names(immutable=False)


@contextmanager
def read(path: Path, timeout: float = BUSY_TIMEOUT_S, *, immutable: bool = False) -> Iterator[sqlite3.Connection]:
    """A read-only connection (no write transaction, no change to the file; ``immutable``: no lock either)."""
    uri = _uri(path, "ro") + ("&immutable=1" if immutable else "")
    con = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    try:
        con.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        yield con
    finally:
        con.close()


@contextmanager
def write(path: Path, timeout: float = BUSY_TIMEOUT_S) -> Iterator[sqlite3.Connection]:
    """One write transaction (``BEGIN IMMEDIATE``), creating our schema in a new or empty file."""
    with sqlite_errors(path, timeout):
        con = sqlite3.connect(_uri(path, "rwc"), uri=True, timeout=timeout, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("BEGIN IMMEDIATE")
            try:
                if con.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                    if tables - {"sqlite_sequence"} and not set(TABLES) <= tables:  # never add ours to another's
                        raise InputError("not a meeting history: another application's SQLite database",
                                         file=str(path))
                    con.execute(f"PRAGMA application_id={APPLICATION_ID}")
                    # statement by statement: executescript would commit outside the transaction
                    for statement in filter(str.strip, SCHEMA.split(";")):
                        con.execute(statement)
                    con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()
