"""``matchmaking history``: record plans in a meeting ledger and query it.

::

    matchmaking history DB record PLAN.csv [--event NAME] [--date YYYY-MM-DD] [--replace]
    matchmaking history DB events
    matchmaking history DB met MEMBER
    matchmaking history DB stale [--events N]
    matchmaking history DB export OUT.csv        # every encounter
    matchmaking history DB pairs OUT.csv         # a,b,count (usable as --history on any verb)
"""

from __future__ import annotations

import argparse

import pandas as pd

from matchmaking.commands.common import declare_paths, positive_int
from matchmaking.model.io import write_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "history",
        help="meeting history: record plans, see who met whom",
        description="A ledger of who met whom (SQLite). Recording the same event twice changes nothing.",
    )
    p.add_argument("db", help="history database file (created when missing)")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    rec = actions.add_parser("record", help="record a plan file as one event")
    rec.add_argument("plan", help="plan file: round,table,member | cohort,member | round,group,member")
    rec.add_argument("--event", help="event name (default: made from the plan's content)")
    rec.add_argument("--date", help="event date YYYY-MM-DD")
    rec.add_argument("--replace", action="store_true", help="replace an event recorded with another plan")
    declare_paths(rec, inputs=("plan",), outputs=("db",))
    actions.add_parser("events", help="list the recorded events")
    met = actions.add_parser("met", help="everyone a member met")
    met.add_argument("member")
    stale = actions.add_parser("stale", help="members who met nobody new in their last N events")
    stale.add_argument("--events", type=positive_int, default=3, metavar="N", help="N (default 3)")
    exp = actions.add_parser("export", help="write every encounter to a CSV/Excel/Parquet file")
    exp.add_argument("out")
    declare_paths(exp, inputs=("db",), outputs=("out",))
    pairs = actions.add_parser("pairs", help="write pair counts a,b,count to a file")
    pairs.add_argument("out")
    declare_paths(pairs, inputs=("db",), outputs=("out",))
    p.set_defaults(run=run)


def _show(frame: pd.DataFrame) -> None:
    with pd.option_context("display.max_rows", 200, "display.width", 160):
        print(frame.to_string(index=False) if len(frame) else "(none)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from matchmaking.errors import InputError
    from matchmaking.history import MeetingHistory

    if args.action != "record" and not Path(args.db).exists():
        raise InputError("history file not found (record an event first)", file=args.db)
    history = MeetingHistory(args.db)
    if args.action == "record":
        added = history.record(args.plan, event=args.event, date=args.date, replace=args.replace)
        word = "already recorded, nothing added" if added == 0 else f"{added} encounter(s) recorded"
        print(f"{args.plan}: {word}; the history holds {len(history)} event(s)")
    elif args.action == "events":
        _show(history.events())
    elif args.action == "met":
        _show(history.met(args.member))
    elif args.action == "stale":
        _show(history.stale(args.events))
    elif args.action == "export":
        print(f"wrote {history.to_csv(args.out)}")
    elif args.action == "pairs":
        print(f"wrote {write_table(history.pair_counts(), args.out)}")
    return 0
