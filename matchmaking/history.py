"""A ledger of who met whom: events, rounds, tables, pairs and cohorts, kept in one SQLite file.

:class:`MeetingHistory` records any plan (a :class:`~matchmaking.plans.Plan`, a DataFrame in
an output shape, or a plan file) as an *event*, and answers the questions an organizer asks:
how often did two members meet, when last, whom did a member meet, who has met nobody new
lately. Every solver reads it through
:func:`matchmaking.scoring.pairs_file.history_counts` (its :meth:`MeetingHistory.pair_counts`)
to favour new encounters.

Safety (see :mod:`matchmaking.history_store`): reads open the file read-only and change
nothing; a file is checked before first use (ours, a known schema version, ``PRAGMA
quick_check``) and refused untouched otherwise; nothing is created until the first write;
every write is one ``BEGIN IMMEDIATE`` transaction (a crash mid-write leaves the previous
state, never half an event) in WAL mode, so that several processes can write at once; a lock
held longer than the busy timeout ends in a clear :class:`TimeoutError`; recording an event
that is already there with the same content changes nothing (a double import does not double
count); refused input changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from matchmaking import history_store as store
from matchmaking.errors import InputError
from matchmaking.history_store import BUSY_TIMEOUT_S, SCHEMA_VERSION
from matchmaking.model.io import MAX_GROUP, ROW, read_table, write_table
from matchmaking.scoring.objective import GROUP_COLUMNS, co_groupings, plan_kind

__all__ = ["BUSY_TIMEOUT_S", "SCHEMA_VERSION", "MeetingHistory"]

def _as_date(date: object) -> str | None:
    if date is None:
        return None
    if isinstance(date, dt.datetime):
        return date.isoformat(timespec="seconds")
    if isinstance(date, dt.date):
        return date.isoformat()
    text = str(date).strip()
    try:
        return pd.Timestamp(text).isoformat() if "T" in text or " " in text else dt.date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise InputError(f"date {text!r} is not an ISO date (YYYY-MM-DD)", column="date") from exc


def _encounter_rows(event: str, pairs: pd.DataFrame) -> Iterator[tuple[str, int, int, str, str]]:
    """Rows ``(event, round, group, a, b)`` from :func:`co_groupings` on ``round, group``."""
    if len(pairs) == 0:
        return
    keys = pairs["g"].str.split("\x1f", expand=True)
    for r, g, a, b in zip(keys[0], keys[1], pairs["a"], pairs["b"], strict=True):
        yield event, int(r), int(g), a, b


def _delete_event(con: sqlite3.Connection, event: str) -> bool:
    """Delete an event with its encounters and attendance (inside a transaction); whether it was there."""
    con.execute("DELETE FROM encounters WHERE event = ?", (event,))
    con.execute("DELETE FROM attendance WHERE event = ?", (event,))
    return con.execute("DELETE FROM events WHERE event = ?", (event,)).rowcount > 0


def _insert_stream(rows: list[tuple[str, int, int, str, str]]) -> Iterator[tuple[str, int, int, str, str]]:
    """The rows handed to SQLite inside the write transaction (a seam the crash test uses)."""
    yield from rows


class MeetingHistory:
    """Who met whom, at which event: a ledger in one SQLite file (no server).

    Parameters
    ----------
    path : path
        The database file. Nothing is created until the first :meth:`record`; until then
        it reads as an empty ledger. An existing file is checked first, read-only: another
        application's SQLite file, a newer schema or a damaged file is an :class:`InputError`
        and is left untouched.
    timeout : float, optional
        Seconds to wait for another process's lock (default ``BUSY_TIMEOUT_S``, 30) before a
        :class:`TimeoutError`.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> h = MeetingHistory(os.path.join(tempfile.mkdtemp(), "history.db"))
    >>> plan = pd.DataFrame({"round": [1, 1, 1, 2, 2, 2], "table": [1, 1, 2, 1, 1, 2],
    ...                      "member": ["ana", "ben", "cleo", "ana", "cleo", "ben"]})
    >>> h.record(plan, event="cafe-1", date="2026-01-15")
    2
    >>> h.record(plan, event="cafe-1", date="2026-01-15")  # the same event again: no change
    0
    >>> h.pair_counts()
          a     b  count
    0   ana   ben      1
    1   ana  cleo      1
    >>> h.times_met("ana", "cleo"), h.last_met("ana", "ben")
    (1, '2026-01-15')
    """

    def __init__(self, path: str | os.PathLike, *, timeout: float | None = None) -> None:
        self.path = Path(path)
        self.timeout = store.BUSY_TIMEOUT_S if timeout is None else float(timeout)
        if self.path.is_dir():
            raise InputError("is a folder, not a history file", file=str(self.path))
        self._ours = False  # the file was checked and holds our tables
        self._check()

    def __repr__(self) -> str:
        return f"MeetingHistory({str(self.path)!r})"

    # ------------------------------------------------------------------ connections
    def _check(self) -> None:
        """Check an existing file once (read-only); a missing one reads as an empty ledger."""
        if not self._ours:
            self._ours = store.check(self.path, self.timeout)

    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; the file (and our schema) is created on the first write."""
        self._check()
        if not self.path.parent.is_dir():
            raise InputError(f"the folder {str(self.path.parent)!r} does not exist (create it first)",
                             file=str(self.path))
        return store.write(self.path, self.timeout)

    def _query(self, sql: str, params: Iterable[Any] = ()) -> pd.DataFrame:
        self._check()
        with store.sqlite_errors(self.path, self.timeout):
            if not self._ours:  # no ledger yet: the same query on an empty one, nothing created
                con = sqlite3.connect(":memory:")
                try:
                    con.executescript(store.SCHEMA)
                    return pd.read_sql_query(sql, con, params=list(params))
                finally:
                    con.close()
            with store.read(self.path, self.timeout) as con:
                return pd.read_sql_query(sql, con, params=list(params))

    @property
    def schema_version(self) -> int:
        """The schema version stored in the file."""
        values = self._query("SELECT value FROM meta WHERE key = 'schema_version'")["value"]
        return int(values.iloc[0]) if len(values) else SCHEMA_VERSION

    # ------------------------------------------------------------------ writing
    def record(
        self,
        plan: object,
        *,
        event: str | None = None,
        date: str | dt.date | None = None,
        replace: bool = False,
    ) -> int:
        """Record a plan as one event; returns the number of pair encounters added.

        Parameters
        ----------
        plan : Plan, DataFrame or path
            A plan object, or a table / file in one of the output shapes: seating
            ``round,table,member``, cohorts ``cohort,member``, pairs ``round,group,member``.
            In a cohort, every two members of a cohort count as having met once.
        event : str, optional
            The event's name (unique in the ledger). Defaults to a name made from the plan's
            content, so that importing the same file twice is harmless.
        date : str or date, optional
            When it happened (ISO ``YYYY-MM-DD``); orders events in :meth:`last_met` and
            :meth:`stale`.
        replace : bool
            If the event is already recorded with a different content, replace it (otherwise
            an :class:`InputError` is raised, and nothing changes). The same content is never counted twice.

        Returns
        -------
        int
            Encounters (pair x round) written; 0 when the event was already there.
        """
        kind, frame, fname = self._plan_frame(plan)
        group_cols = GROUP_COLUMNS[kind]
        rounds = frame["round"] if "round" in frame else pd.Series(1, index=frame.index)
        attendance = pd.DataFrame(
            {"round": rounds.astype(int).to_numpy(), "grp": frame[group_cols[-1]].astype(int).to_numpy(),
             "member": frame["member"].astype(str).to_numpy()}
        ).sort_values(["round", "grp", "member"], kind="stable")
        dup = attendance.sort_index().duplicated(["round", "member"])
        if dup.any():  # errors before any write: refused input changes nothing
            pos = int(dup.to_numpy().argmax())
            row = int(frame[ROW].iloc[pos]) if ROW in frame else None
            raise InputError(f"member {attendance['member'].loc[dup.index[pos]]!r} is placed twice in the same "
                             f"{'round' if 'round' in frame else 'plan'}", file=fname, row=row, column="member")
        checksum = hashlib.sha256(
            (kind + "\n" + attendance.to_csv(index=False)).encode()
        ).hexdigest()
        when = _as_date(date)
        # without a name, an event is its plan and date: the same plan held again on another day is another event
        name = event if event is not None else f"{kind}-{when or 'undated'}-{checksum[:12]}"
        if not str(name).strip():
            raise InputError("event name is empty", column="event")
        old = self._query("SELECT checksum, date FROM events WHERE event = ?", (name,))
        if len(old):  # checked before any write (and again inside the transaction)
            if old["checksum"].iloc[0] == checksum and (when is None or old["date"].iloc[0] == when):
                return 0
            if not replace:
                raise self._recorded(name)
        pairs = co_groupings(attendance.rename(columns={"grp": "group"}), ["round", "group"])
        encounters = list(_encounter_rows(name, pairs))
        with self._transaction() as con:
            old = con.execute("SELECT checksum, date FROM events WHERE event = ?", (name,)).fetchone()
            if old is not None:
                if old[0] == checksum and (when is None or old[1] == when):
                    return 0
                if not replace:
                    raise self._recorded(name)
                _delete_event(con, name)
            con.execute(
                "INSERT INTO events (event, date, kind, members, checksum, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                (name, when, kind, int(attendance["member"].nunique()), checksum,
                 dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
            )
            con.executemany(
                "INSERT INTO attendance VALUES (?, ?, ?, ?)",
                [(name, int(r), int(g), m) for r, g, m in attendance.itertuples(index=False)],
            )
            con.executemany("INSERT INTO encounters VALUES (?, ?, ?, ?, ?)", _insert_stream(encounters))
        return len(encounters)

    def _recorded(self, name: str) -> InputError:
        return InputError(
            f"event {name!r} is already recorded with a different plan or date; give this one another event name, "
            "or replace the recorded one (replace=True; --replace on the command line)", file=str(self.path),
            column="event",
        )

    @staticmethod
    def _plan_frame(plan: object) -> tuple[str, pd.DataFrame, str]:
        if hasattr(plan, "assignments") and hasattr(plan, "kind"):
            return plan.kind, plan.assignments, "plan"  # a Plan
        else:  # a table or a file: validated cell by cell, errors name the row and column
            fname = "DataFrame" if isinstance(plan, pd.DataFrame) else str(plan)
            frame = read_table(plan, name=fname)
            try:
                kind = plan_kind(frame)
            except ValueError as exc:
                raise InputError(str(exc), file=fname, row=1) from exc
            for col in GROUP_COLUMNS[kind]:
                numbers = pd.to_numeric(frame[col], errors="coerce")
                bad = numbers.isna() | (numbers < 1) | (numbers % 1 != 0) | (numbers > MAX_GROUP)
                if bad.any():
                    pos = int(bad.to_numpy().argmax())
                    raise InputError(
                        f"{frame[col].iloc[pos][:40]!r} is not a whole number in 1..{MAX_GROUP:,}", file=fname,
                        row=int(frame[ROW].iloc[pos]), column=col,
                    )
                frame[col] = numbers.astype(int)
            empty = frame["member"] == ""
            if empty.any():
                raise InputError("empty member id", file=fname, row=int(frame.loc[empty, ROW].iloc[0]), column="member")
            return kind, frame, fname

    def remove(self, event: str) -> bool:
        """Delete an event and its encounters; returns whether it was there."""
        with self._transaction() as con:
            return _delete_event(con, event)

    # ------------------------------------------------------------------ reading
    def events(self) -> pd.DataFrame:
        """The recorded events: ``event, date, kind, members, encounters`` in recording order."""
        return self._query(
            "SELECT e.event, e.date, e.kind, e.members, "
            "(SELECT COUNT(*) FROM encounters x WHERE x.event = e.event) AS encounters "
            "FROM events e ORDER BY e.seq"
        )

    def encounters(self) -> pd.DataFrame:
        """Every encounter: ``event, date, round, group, a, b`` (one row per pair per round)."""
        return self._query(
            "SELECT x.event, e.date, x.round, x.grp AS 'group', x.a, x.b FROM encounters x "
            "JOIN events e ON e.event = x.event ORDER BY e.seq, x.round, x.grp, x.a, x.b"
        )

    def pair_counts(self, members: Iterable[str] | None = None) -> pd.DataFrame:
        """How often each pair met: ``a, b, count`` (``a < b``), restricted to ``members``.

        This is the method every solver reads (see
        :func:`~matchmaking.scoring.pairs_file.history_counts`).
        """
        if members is None:
            frame = self._query("SELECT a, b, COUNT(*) AS count FROM encounters GROUP BY a, b ORDER BY a, b")
            return frame.astype({"a": str, "b": str, "count": int})
        self._check()
        if not self._ours:
            return pd.DataFrame({"a": [], "b": [], "count": []}).astype({"a": str, "b": str, "count": int})
        # the members go in a temporary table (read-only for the file itself), so that SQLite filters with its indexes
        with store.sqlite_errors(self.path, self.timeout), store.read(self.path, self.timeout) as con:
            con.execute("CREATE TEMP TABLE wanted (id TEXT PRIMARY KEY)")
            con.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((str(m),) for m in members))
            frame = pd.read_sql_query(
                "SELECT x.a, x.b, COUNT(*) AS count FROM encounters x JOIN wanted wa ON wa.id = x.a "
                "JOIN wanted wb ON wb.id = x.b GROUP BY x.a, x.b ORDER BY x.a, x.b", con
            )
        return frame.astype({"a": str, "b": str, "count": int})

    def times_met(self, a: str, b: str) -> int:
        """How many times (rounds or cohorts) ``a`` and ``b`` shared a group."""
        lo, hi = sorted((str(a), str(b)))
        return int(self._query("SELECT COUNT(*) AS n FROM encounters WHERE a = ? AND b = ?", (lo, hi))["n"].iloc[0])

    def last_met(self, a: str, b: str) -> str | None:
        """The date (or, undated, the event name) of the last event where ``a`` and ``b`` met."""
        lo, hi = sorted((str(a), str(b)))
        frame = self._query(
            "SELECT e.event, e.date FROM encounters x JOIN events e ON e.event = x.event "
            "WHERE x.a = ? AND x.b = ? ORDER BY e.date IS NULL, e.date DESC, e.seq DESC LIMIT 1", (lo, hi)
        )
        if frame.empty:
            return None
        return frame["date"].iloc[0] or frame["event"].iloc[0]

    def met(self, member: str) -> pd.DataFrame:
        """Everyone ``member`` met: ``member, count, events, first, last`` (most met first)."""
        frame = self._query(
            "SELECT CASE WHEN x.a = ? THEN x.b ELSE x.a END AS member, COUNT(*) AS count, "
            "COUNT(DISTINCT x.event) AS events, MIN(e.date) AS first, MAX(e.date) AS last "
            "FROM encounters x JOIN events e ON e.event = x.event WHERE x.a = ? OR x.b = ? "
            "GROUP BY 1 ORDER BY count DESC, member", (member, member, member)
        )
        return frame

    def attendance(self) -> pd.DataFrame:
        """Who was at which event: ``event, date, member, rounds``."""
        return self._query(
            "SELECT t.event, e.date, t.member, COUNT(*) AS rounds FROM attendance t "
            "JOIN events e ON e.event = t.event GROUP BY t.event, t.member ORDER BY e.seq, t.member"
        )

    def stale(self, n_events: int = 3) -> pd.DataFrame:
        """Members who met nobody new in each of their last ``n_events`` events.

        A member counts when they attended at least ``n_events`` events and, at every one of
        their last ``n_events``, everyone they shared a group with was someone they had met
        at an earlier event (events ordered by date, then recording order).

        Returns
        -------
        pandas.DataFrame
            ``member, events_attended, last_new`` (the last event where they met someone
            new, or empty), sorted by member.
        """
        if n_events < 1:
            raise InputError(f"the number of events must be at least 1, not {n_events}", column="events")
        order = self._query("SELECT event FROM events ORDER BY date IS NULL, date, seq")["event"].tolist()
        rank = {e: i for i, e in enumerate(order)}
        # the rank of the event where each pair first met, and who met someone new at which event
        first = self._query("SELECT a, b, event FROM encounters")
        first["r"] = first["event"].map(rank)
        first = first.groupby(["a", "b"], sort=False)["r"].min().reset_index()
        new = pd.concat([first[["a", "r"]].set_axis(["member", "r"], axis=1),
                         first[["b", "r"]].set_axis(["member", "r"], axis=1)]).drop_duplicates()
        att = self._query("SELECT DISTINCT event, member FROM attendance")
        att["r"] = att["event"].map(rank)
        att = att.merge(new.assign(new=True), on=["member", "r"], how="left").fillna({"new": False})
        att = att.sort_values(["member", "r"], kind="stable")
        per = att.groupby("member", sort=True)
        recent = att.groupby("member", sort=False).tail(n_events).groupby("member", sort=True)["new"].any()
        attended = per.size()
        last_new = att[att["new"].astype(bool)].groupby("member")["r"].max()
        keep = (attended >= n_events) & ~recent.reindex(attended.index, fill_value=False)
        members = attended.index[keep]
        return pd.DataFrame({
            "member": members,
            "events_attended": attended[members].to_numpy(dtype=int),
            "last_new": [order[int(last_new[m])] if m in last_new.index else "" for m in members],
        })

    # ------------------------------------------------------------------ export
    def to_csv(self, path: str | os.PathLike) -> Path:
        """Write every encounter (``event, date, round, group, a, b``) to a file, atomically."""
        return write_table(self.encounters(), path)

    def to_networkx(self) -> nx.Graph:
        """The encounter graph: edge attributes ``count``, ``events``, ``first`` and ``last`` (dates)."""
        frame = self._query(
            "SELECT x.a, x.b, COUNT(*) AS count, COUNT(DISTINCT x.event) AS events, MIN(e.date) AS first, "
            "MAX(e.date) AS last FROM encounters x JOIN events e ON e.event = x.event GROUP BY x.a, x.b ORDER BY x.a, x.b"
        )
        g = nx.Graph()
        g.add_nodes_from(sorted(self._query("SELECT DISTINCT member FROM attendance")["member"]))
        for a, b, count, events, first, last in frame.itertuples(index=False):
            g.add_edge(a, b, count=int(count), events=int(events), first=first, last=last)
        return g

    def __len__(self) -> int:
        return int(self._query("SELECT COUNT(*) AS n FROM events")["n"].iloc[0])
