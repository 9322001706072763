"""``matchmaking seat``: seat an event over several rounds and write the plan (and a report)."""

from __future__ import annotations

import argparse
import sys

from matchmaking.commands import common
from matchmaking.errors import InputError
from matchmaking.model.community import Community


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "seat",
        help="seat an event's attendees at tables over several rounds",
        description="Seat attendees at tables for several rounds: new useful encounters, no repeats, "
        "the organizer's requests. Prints the objective, a proven upper bound, the gap and the status.",
    )
    p.add_argument("members", help="members file (CSV, Excel or Parquet): the attendees")
    p.add_argument("--tables", type=int, help="number of tables")
    p.add_argument("--table-size", type=int, help="seats per table")
    p.add_argument("--capacities", help="seats of each table, comma-separated (tables of different sizes)")
    p.add_argument("--min-table-size", type=int, help="fewest members at an open table")
    p.add_argument("--rounds", type=int, default=1, help="number of rounds (default 1)")
    p.add_argument("--hosts", help="members hosting tables 1, 2, ... (comma-separated ids); they stay all rounds")
    p.add_argument("--spread", help="attributes to mix at each table (comma-separated)")
    p.add_argument("--attendance", metavar="F", help="table member,round: who attends which round (default: all)")
    p.add_argument("--locked", metavar="PLAN", help="plan of rounds already held (round,table,member): kept as is")
    common.add_common(p)
    p.add_argument("--iterations", type=common.positive_int, metavar="N",
                   help="a fixed search effort of N iterations per phase (annealing moves, tabu units, repair "
                   "iterations): the same seed then gives the same plan on any machine (the time limit still "
                   "applies; a note says when it cut the run)")
    p.add_argument("--workers", type=common.positive_int, default=1, metavar="W",
                   help="cores to use: with 2 or more, events too big for the bound's share of the time get the "
                   "proven bound computed beside the search, for the whole time limit (much tighter); default 1")
    common.add_outputs(p, out_help="plan file to write (round,table,member)")
    p.set_defaults(run=run)
    common.declare_paths(p, inputs=("members", "pairs", "constraints", "history", "attendance", "locked"),
                  outputs=("out", "report"),
                  folders=("report",))


def run(args: argparse.Namespace) -> int:
    from matchmaking.model.io import ROW, read_table, source_name
    from matchmaking.plans.io import read_plan
    from matchmaking.solvers.control import Progress
    from matchmaking.solvers.seating import seat

    community = Community.from_csv(args.members)
    common.check_report(args, "seating")
    capacities = None
    if args.capacities:
        try:
            capacities = [int(x) for x in args.capacities.split(",") if x.strip()]
        except ValueError:
            raise InputError(f"--capacities must be whole numbers, got {args.capacities!r}", column="--capacities") from None
    if capacities is None and (args.tables is None or args.table_size is None):
        raise InputError("give --tables and --table-size, or --capacities", column="--tables")
    requests = args.constraints or None  # read by seat (file rows in its messages)
    hosts = common.split_names(args.hosts) or None
    attendance = None
    if args.attendance:
        attendance = read_table(args.attendance)  # rounds parsed by seat, naming file, row and column
        attendance.attrs["file"] = source_name(args.attendance)
    locked = read_plan(args.locked, community, expect="seating")[1] if args.locked else None
    if locked is not None:  # file and rows for the messages of seat
        rows = read_table(args.locked)[ROW]
        if len(rows) == len(locked):
            locked[ROW] = rows.to_numpy()
        locked.attrs["file"] = source_name(args.locked)
    spread = common.split_names(args.spread) or None

    def progress(info: Progress) -> None:
        value = "-" if info.objective is None else f"{info.objective:.2f}"
        print(f"  {info.elapsed:6.1f}s  {info.phase:8s} objective {value}  repeats {info.repeats}", file=sys.stderr)

    plan = seat(
        community, tables=None if capacities else args.tables, table_size=args.table_size, capacities=capacities,
        min_table_size=args.min_table_size, rounds=args.rounds, attendance=attendance, requests=requests,
        hosts=hosts, locked=locked, pairs=args.pairs, history=common.load_history(args.history), spread=spread,
        time_limit=args.time_limit, seed=args.seed, callback=progress, iterations=args.iterations,
        workers=args.workers,
    )
    plan.to_csv(args.out)
    print(plan.summary())
    print(f"plan written to {args.out}")
    paths = common.write_plan_report(plan, args, community, hosts=hosts, color_by=spread[0] if spread else None)
    if paths is not None:
        print("report written to " + ", ".join(str(p) for p in paths.values()))
    return 0
