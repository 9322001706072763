"""``matchmaking report``: room-ready documents of any plan file (charts, table cards, itineraries, rosters)."""

from __future__ import annotations

import argparse

from matchmaking.commands.common import add_common, declare_paths, load_history, split_names


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="print-ready documents of a plan: DIR/index.html, DIR/<kind>.pdf, DIR/<kind>.xlsx",
        description="Turn a plan file (round,table,member | cohort,member | round,group,member; the kind is "
        "read from the columns) into documents for the room: a summary in words with plots, room charts, table "
        "cards and one itinerary per attendee (seating), rosters (cohorts), who meets whom (pairings); and "
        "exports with names. Exit 0 on success, 2 on bad input (then nothing is written).",
    )
    p.add_argument("members", help="members file (CSV, Excel or Parquet)")
    p.add_argument("plan", help="plan file: round,table,member | cohort,member | round,group,member")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder (or one file: plan.html, plan.pdf, plan.xlsx, plan.csv)")
    p.add_argument("--format", default=None, metavar="LIST",
                   help="formats among html,pdf,xlsx,csv, comma-separated (default html,pdf,xlsx)")
    p.add_argument("--color-by", metavar="ATTR", help="attribute that colours the charts and whose mix is plotted "
                   "(default sector, city or stage when present)")
    p.add_argument("--hosts", metavar="IDS", help="seating: members hosting tables 1, 2, ... (comma-separated ids; "
                   "default: the plan file's host column, as our exports write it)")
    p.add_argument("--leads", metavar="SEL", help="cohorts: who leads a cohort (e.g. role=lead, or ids a,b,c; "
                   "default: the plan file's lead column)")
    p.add_argument("--attributes", metavar="COLS", help="attribute columns of the exports and rosters")
    add_common(p, solve=False)
    p.set_defaults(run=run)
    declare_paths(p, inputs=("members", "plan", "pairs", "constraints", "history"), outputs=("out",), folders=("out",))


def run(args: argparse.Namespace) -> int:
    from matchmaking.errors import InputError
    from matchmaking.model.community import Community
    from matchmaking.plans.check import check_plan
    from matchmaking.plans.io import read_plan
    from matchmaking.plans.plan import Plan
    from matchmaking.reports.build import report_paths, write_report
    from matchmaking.reports.exports import read_roles
    from matchmaking.scoring.objective import default_objective
    from matchmaking.scoring.requests import Requests

    community = Community.from_csv(args.members)
    kind, assignments = read_plan(args.plan, community)
    report_paths(args.out, kind, args.format)  # a bad --out or --format fails before any work
    requests = Requests.read(args.constraints, community) if args.constraints else Requests()
    objective = default_objective(community, kind, pairs=args.pairs, history=load_history(args.history),
                                  together=requests.together_pairs())
    breakdown = objective.evaluate(assignments, kind)
    plan = Plan(kind, assignments, objective=breakdown["total"], breakdown=breakdown, objective_fn=objective,
                method=f"read from {args.plan}",
                extras={"violations": check_plan(assignments, requests=requests, kind=kind)})
    hosts = split_names(args.hosts) or None
    if hosts:
        if kind != "seating":
            raise InputError("--hosts applies to seating plans only", file=args.plan, row=1)
        community.check_members(hosts, file="--hosts", column="id", rows=list(range(1, len(hosts) + 1)))
    leads = args.leads if args.leads and any(op in args.leads for op in "=<>") else (split_names(args.leads) or None)
    if isinstance(leads, list):
        community.check_members(leads, file="--leads", column="id", rows=list(range(1, len(leads) + 1)))
    if hosts is None or leads is None:  # the plan file's own host / lead columns (an export of ours)
        marked_hosts, marked_leads = read_roles(args.plan)
        hosts = hosts if hosts is not None else (marked_hosts if kind == "seating" and marked_hosts else None)
        leads = leads if leads is not None else (marked_leads if kind == "cohorts" and marked_leads else None)
    paths = write_report(
        plan, args.out, community, formats=args.format,
        color_by=args.color_by, hosts=hosts, leads=leads, attributes=split_names(args.attributes) or None,
        inputs=[args.members, args.plan, args.pairs, args.constraints, args.history],
    )
    for fmt, path in paths.items():
        print(f"{fmt}: {path}")
    return 0

