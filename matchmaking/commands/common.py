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


def load_history(path: str | None) -> object:
    """A meeting history from ``--history``: a SQLite ledger, or a CSV/Excel table ``a,b[,count]``."""
    if not path:
        return None
    if str(path).lower().endswith((".csv", ".xlsx", ".parquet")):
        from matchmaking.model.io import read_table

        table = read_table(path).drop(columns="_row")
        if "count" in table:
            table["count"] = table["count"].astype(float)
        return table
    try:
        from matchmaking.history import MeetingHistory
    except ImportError as exc:  # pragma: no cover
        raise ValueError("a SQLite history needs matchmaking.history") from exc
    return MeetingHistory(path)
