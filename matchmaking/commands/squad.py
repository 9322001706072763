"""``matchmaking squad``: gather helpers around a member's problem (see :func:`matchmaking.help_squad`)."""

from __future__ import annotations

import argparse
import math

from matchmaking.commands.common import (
    declare_paths,
    load_history,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    split_names,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "squad",
        help="choose K helpers covering a member's needs (or a list of skills) -> squad,problem,member,...",
        description="Choose K helpers per problem who cover its needs, are diverse and new to the asker, "
        "under a per-helper load cap; several --member: one squad each, a helper in at most one. "
        "Exact (CP-SAT). Says which needs nobody offers.",
    )
    p.add_argument("members", help="members file (CSV, Excel or Parquet)")
    p.add_argument("--member", action="append", default=[], metavar="ID", help="the asker (repeat for a batch)")
    p.add_argument("--skills", metavar="LIST", help="skills to cover, ';'-separated (instead of the member's needs)")
    p.add_argument("--question", metavar="TEXT", help="a question in words: the skills it names are the needs")
    p.add_argument("-k", "--k", type=positive_int, default=5, help="helpers per squad (default 5)")
    p.add_argument("--spread", metavar="COLS", help="attributes to diversify (default sector)")
    p.add_argument("--history", metavar="DB", help="meeting history (SQLite file, or a CSV a,b[,count])")
    p.add_argument("--load-cap", type=non_negative_float, metavar="N", help="skip helpers with N or more sessions in the period")
    p.add_argument("--since", metavar="DATE", help="start of the load period (ISO date)")
    p.add_argument("--time-limit", type=positive_float, default=10.0, metavar="SEC", help="seconds (default 10)")
    p.add_argument("--seed", type=non_negative_int, default=0, metavar="K", help="random seed (default 0)")
    p.add_argument("--out", required=True, metavar="SQUAD.csv", help="output file squad,problem,member,role,covers,reason")
    p.set_defaults(run=run)
    declare_paths(p, inputs=("members", "history"), outputs=("out",))


def run(args: argparse.Namespace) -> int:
    from matchmaking.model.community import Community
    from matchmaking.model.io import write_table
    from matchmaking.solvers.squads import help_squad

    community = Community.from_csv(args.members)
    skills = [s for s in (args.skills or "").split(";") if s.strip()] or None
    if args.member:
        problems: object = args.member
    elif skills:
        problems, skills = {"problem": skills}, None
    elif args.question:
        problems = {"question": args.question}
    else:
        from matchmaking.errors import InputError

        raise InputError("give --member ID (repeatable), --skills 'a;b' or --question TEXT", column="--member")
    spread = split_names(args.spread) or None
    plan = help_squad(
        community, problems, k=args.k, skills=skills, spread=spread, history=load_history(args.history),
        load_cap=args.load_cap, since=args.since, time_limit=args.time_limit, seed=args.seed,
    )
    write_table(plan.extras["squads"], args.out)
    gap = f"{100 * plan.gap:.1f}%" if math.isfinite(plan.gap) else "n/a"
    print(f"squads: {plan.status}, objective {plan.objective:.0f}, bound {plan.bound:.0f}, gap {gap}")
    print(f"needs covered {plan.breakdown['needs_covered']:.0f} of {plan.breakdown['needs_total']:.0f}")
    for name in plan.extras["squads"]["problem"].unique():
        print(plan.explain(str(name)))
    for note in plan.notes:
        print(f"note: {note}")
    print(f"squads written to {args.out}")
    return 0
