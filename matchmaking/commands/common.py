"""Arguments shared by the solving verbs, so they mean the same everywhere."""

from __future__ import annotations

import argparse


def add_common(parser: argparse.ArgumentParser, *, solve: bool = True) -> None:
    """Add ``--pairs``, ``--constraints``, ``--history`` and, for solvers, ``--time-limit``, ``--seed``."""
    parser.add_argument("--pairs", metavar="F", help="pairs file a,b,weight: its weights are the whole affinity")
    parser.add_argument("--constraints", metavar="F", help="constraints file kind,a,b[,round]")
    parser.add_argument("--history", metavar="DB", help="meeting history (SQLite file, or a CSV a,b[,count])")
    if solve:
        parser.add_argument("--time-limit", type=float, default=30.0, metavar="SEC", help="seconds (default 30)")
        parser.add_argument("--seed", type=int, default=0, metavar="K", help="random seed (default 0)")


def split_names(text: str | None) -> list[str]:
    """A comma-separated option (``"city, sector"``) as a list of names; empty or None gives [].

    Examples
    --------
    >>> split_names(" city, sector,,")
    ['city', 'sector']
    """
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def load_history(path: str | None, *, must_exist: bool = True) -> object:
    """A meeting history from ``--history``: a SQLite ledger, or a CSV/Excel table ``a,b[,count]``.

    A history that is only read must exist: a typo must not silently start an empty ledger.
    """
    if not path:
        return None
    from pathlib import Path

    from matchmaking.errors import InputError

    if must_exist and not Path(path).exists():
        raise InputError("history file not found (record an event first: matchmaking history DB record ...)",
                         file=str(path))
    if str(path).lower().endswith((".csv", ".xlsx", ".parquet")):
        from matchmaking.model.io import ROW, parse_number, read_table, require_columns

        table = read_table(path)
        require_columns(table, ["a", "b"], str(path))
        for col in ("a", "b"):
            for value, row in zip(table[col], table[ROW], strict=True):
                if not value:
                    raise InputError("empty member id", file=str(path), row=row, column=col)
        if "count" in table:
            table["count"] = [
                parse_number(v, fname=str(path), row=r, column="count") for v, r in zip(table["count"], table[ROW], strict=True)
            ]
        return table.drop(columns=ROW)
    from matchmaking.history import MeetingHistory

    return MeetingHistory(path)
