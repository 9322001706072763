"""Validation of the inputs of :func:`matchmaking.seat`: tables, attendance, requests, table sizes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from matchmaking.errors import InfeasibleError, InputError
from matchmaking.model.community import Community
from matchmaking.model.io import ROW, parse_number
from matchmaking.scoring.requests import Requests

__all__ = ["MAX_ROUNDS", "MAX_TABLES", "MAX_TABLE_SIZE", "check_sizes", "merge_requests", "parse_attendance", "parse_capacities", "rebalance", "table_targets", "waterfill"]


MAX_ROUNDS = 100  # 1,000 rounds of 150 members overran a 5 s limit by minutes
MAX_TABLES = 100_000
MAX_TABLE_SIZE = 100_000


def check_sizes(tables: object, table_size: object, capacities: object, rounds: object) -> None:
    """Refuse absurd sizes before any array is made: an InputError naming the setting and its limit.

    Examples
    --------
    >>> check_sizes(10_000_000, 6, None, 1)
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: column 'tables': 10,000,000 tables is more than 100,000: is this the right number?
    """
    checks = [("rounds", "rounds", rounds, MAX_ROUNDS), ("table_size", "seats at a table", table_size, MAX_TABLE_SIZE)]
    if capacities is None and tables is not None and not isinstance(tables, (int, np.integer)):
        capacities, tables = tables, None
    if capacities is not None:
        caps = list(capacities)
        checks.append(("capacities", "tables", len(caps), MAX_TABLES))
        checks += [("capacities", "seats at a table", c, MAX_TABLE_SIZE) for c in caps]
    checks.append(("tables", "tables", tables, MAX_TABLES))
    for column, noun, value, high in checks:
        if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and value > high:
            raise InputError(f"{value:,} {noun} is more than {high:,}: is this the right number?", column=column)


def parse_capacities(tables: int | Sequence[int] | None, table_size: int | None, capacities: Sequence[int] | None) -> np.ndarray:
    if capacities is None and tables is not None and not isinstance(tables, (int, np.integer)):
        capacities, tables = list(tables), None
    if capacities is not None:
        caps = [int(c) for c in capacities]
        if tables is not None and int(tables) != len(caps):
            raise InputError(f"tables={tables} but {len(caps)} capacities given", column="capacities")
    else:
        if tables is None or table_size is None:
            raise InputError("give tables and table_size, or a list of capacities", column="tables")
        caps = [int(table_size)] * int(tables)
    if not caps or min(caps) < 1:
        raise InputError(f"every table needs at least one seat; capacities {caps}", column="capacities")
    return np.asarray(caps, dtype=np.int64)


def parse_attendance(attendance: object, community: Community, rounds: int) -> dict[int, list[str]]:
    if attendance is None:
        return {r: list(community.ids) for r in range(1, rounds + 1)}
    if isinstance(attendance, pd.DataFrame):
        fname = str(attendance.attrs.get("file", "attendance"))
        missing = {"member", "round"} - set(attendance.columns)
        if missing:
            raise InputError(f"attendance needs columns member, round; missing {sorted(missing)}", file=fname,
                             row=1 if fname != "attendance" else None)
        rows = attendance[ROW].tolist() if ROW in attendance.columns else [None] * len(attendance)
        numbers = []
        for value, member, row in zip(attendance["round"], attendance["member"], rows, strict=True):
            if str(member) not in community:
                raise InputError(f"unknown member {str(member)!r}", file=fname, row=row, column="member")
            number = parse_number(value, fname=fname, row=row, column="round")
            if not number.is_integer():
                raise InputError(f"{value!r} is not a whole number", file=fname, row=row, column="round")
            number = int(number)
            if not 1 <= number <= rounds:
                raise InputError(f"attendance names round {number}; rounds are 1..{rounds}", file=fname, row=row,
                                 column="round")
            numbers.append(number)
        attendance = {r: grp["member"].astype(str).tolist()
                      for r, grp in attendance.assign(round=numbers).groupby("round")}
    if not isinstance(attendance, Mapping):
        raise InputError("attendance is a mapping round -> members, or a table member,round", file="attendance")
    out: dict[int, list[str]] = {}
    for r, who in attendance.items():
        r = int(r)
        if not 1 <= r <= rounds:
            raise InputError(f"attendance names round {r}; rounds are 1..{rounds}", file="attendance", column="round")
        who = [str(m) for m in who]
        unknown = [m for m in who if m not in community]
        if unknown:
            raise InputError(f"unknown member(s) {unknown[:5]} in round {r}", file="attendance", column="member")
        out[r] = who
    for r in range(1, rounds + 1):
        out.setdefault(r, list(community.ids))
    return out


def merge_requests(requests: object, hosts: object, locked: pd.DataFrame | None, community: Community,
                   n_tables: int, rounds: int) -> Requests:
    """One :class:`Requests` of ``requests`` (None, a Requests, a path or a DataFrame) and the aliases.

    ``hosts`` (``{member: table}`` or members hosting tables 1, 2, ...) and ``locked`` (rows
    ``round, table, member`` of held rounds) are the older keywords of :func:`matchmaking.seat`,
    merged into the requests. The caller's object is never changed. Pins and hosts naming a
    table or round that does not exist raise :class:`InputError` naming where they came from.
    """
    base = Requests.coerce(requests, community)
    req = Requests(list(base.together), list(base.apart), list(base.pins), dict(base.hosts), base.locked,
                   list(base.exclude), dict(base.origin))
    if hosts is not None:
        if isinstance(hosts, Mapping):
            seen = {str(m): int(t) for m, t in hosts.items()}
        else:
            seen = {}
            for t, m in enumerate((str(m) for m in hosts), start=1):  # type: ignore[union-attr]
                if m in seen:
                    raise InputError(f"host {m} is listed for table {seen[m]} and table {t}; a host stays at one table",
                                     file="hosts", column="member")
                seen[m] = t
        req.hosts.update(seen)
        for m, t in seen.items():
            req.origin.setdefault(("host", m, t), "hosts option")
    if locked is not None and len(locked):
        req.locked = locked if req.locked is None or not len(req.locked) else pd.concat([req.locked, locked])
    named = {m for pair in req.together + req.apart for m in pair} | {m for m, _, _ in req.pins}
    for m in sorted(named | set(req.hosts) | set(req.exclude)):
        if m not in community:
            raise InputError(f"request names unknown member {m!r}", file="constraints", column="a")
    for m, t in req.hosts.items():
        if not 1 <= t <= n_tables:
            raise InputError(f"host {m} at table {t}; tables are 1..{n_tables}", file="hosts", column="table")
    for m, t, r in req.pins:
        where = _origin(req.where("pin", m, t, r), "requests (Requests.pins)")
        if not 1 <= t <= n_tables:
            raise InputError(f"pin {m} to table {t}; tables are 1..{n_tables}", column="b", **where)
        if r is not None and not 1 <= r <= rounds:
            raise InputError(f"pin {m} to table {t} in round {r}; rounds are 1..{rounds}", column="round", **where)
    return req


def _origin(where: str, default: str) -> dict:
    """``file`` and ``row`` of an origin like ``"constraints.csv, row 3"`` (else the ``default`` file)."""
    name, sep, row = where.rpartition(", row ")
    if sep and row.isdigit():
        return {"file": name, "row": int(row)}
    return {"file": default}


def table_targets(n_r: int, caps: np.ndarray, forced: np.ndarray, min_size: int) -> np.ndarray:
    """Balanced table sizes for ``n_r`` attendees: as even as the capacities allow.

    Tables holding a fixed member (``forced``) stay open; the fewest tables are closed so that
    every open table reaches ``min_size``.
    """
    T = len(caps)
    order = sorted(range(T), key=lambda t: (not forced[t], -caps[t], t))
    for k in range(T, 0, -1):
        open_ = order[:k]
        if caps[open_].sum() < n_r:
            break
        if k < T and forced[order[k]]:
            break
        size = waterfill(n_r, caps[open_])
        if size.min(initial=n_r) >= max(min_size, 1) or (k == 1 and size.sum() == n_r and min_size <= n_r):
            out = np.zeros(T, dtype=np.int64)
            out[open_] = size
            return out
    raise InfeasibleError(
        f"{n_r} attendees cannot fill tables of {list(map(int, caps))} with at least {min_size} per open table",
        [f"min_table_size={min_size}", f"{n_r} attendees"],
    )


def waterfill(n: int, caps: np.ndarray) -> np.ndarray:
    size = np.zeros(len(caps), dtype=np.int64)
    left = n
    while left > 0:
        room = np.flatnonzero(size < caps)
        if not len(room):
            break
        share = max(1, left // len(room))
        for t in room:
            add = min(share, caps[t] - size[t], left)
            size[t] += add
            left -= add
            if not left:
                break
    return size


def rebalance(target: np.ndarray, caps: np.ndarray, n_r: int, counts: np.ndarray) -> None:
    """Make ``target`` sum to ``n_r`` after raising tables to their fixed counts."""
    excess = int(target.sum()) - n_r
    while excess > 0:
        cand = np.flatnonzero(target > counts)
        if not len(cand):
            break
        t = cand[np.argmax(target[cand])]
        target[t] -= 1
        excess -= 1
