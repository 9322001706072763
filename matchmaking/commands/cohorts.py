"""``matchmaking cohorts``: sub-community cohorts (see :func:`matchmaking.solvers.cohorts.form_cohorts`)."""

from __future__ import annotations

import argparse

from matchmaking.commands.common import (
    add_common,
    add_outputs,
    check_report,
    declare_paths,
    load_history,
    non_negative_int,
    positive_int,
    split_names,
    write_plan_report,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cohorts",
        help="form cohorts (sub-communities) of MIN-MAX members -> cohort,member",
        description="Partition the members into cohorts: same city (--similar), mixed sectors (--spread), "
        "nobody alone with their value (--protect), one lead each (--leaders). Prints objective, proven bound, "
        "gap and status. Exit 0 when every hard rule holds; 1 when one is broken or the requests are infeasible "
        "(then nothing is written, unless --write-infeasible); 2 on bad input.",
    )
    p.add_argument("members", help="members file (CSV, Excel or Parquet)")
    p.add_argument("--size", default="8-12", metavar="MIN-MAX", help="cohort sizes (default 8-12)")
    p.add_argument("--cohorts", type=positive_int, metavar="N", help="target number of cohorts")
    p.add_argument("--similar", metavar="COLS", help="attributes every cohort shares, comma-separated (e.g. city)")
    p.add_argument("--spread", metavar="COLS", help="attributes to mix inside a cohort (e.g. sector,stage)")
    p.add_argument("--balance", metavar="COLS", help="numeric attributes to balance across cohorts (e.g. seniority)")
    p.add_argument("--protect", metavar="COLS", help="attributes where nobody is the only one of their value")
    p.add_argument("--leaders", metavar="SELECTION", help="who leads a cohort (e.g. role=lead, seniority>=5)")
    p.add_argument("--previous", metavar="F", help="existing cohorts cohort,member: keep them (growth)")
    p.add_argument("--move-budget", type=non_negative_int, default=0, metavar="K", help="moves of existing members allowed")
    p.add_argument("--workers", type=positive_int, default=1, metavar="W", help="processes solving blocks in parallel")
    add_common(p)
    add_outputs(p, out_help="output file cohort,member", out_metavar="COHORTS.csv")
    p.add_argument("--write-infeasible", action="store_true",
                   help="write the plan even when it breaks a hard rule (default: write nothing, exit 1)")
    p.set_defaults(run=run)
    declare_paths(p, inputs=("members", "pairs", "constraints", "history", "previous"), outputs=("out", "report"),
                  folders=("report",))


def run(args: argparse.Namespace) -> int:
    from matchmaking.model.community import Community
    from matchmaking.plans.io import read_plan
    from matchmaking.solvers.cohorts import form_cohorts

    community = Community.from_csv(args.members)
    check_report(args, "cohorts")
    requests = args.constraints or None  # the path: conflicts then name their rows
    previous = None
    if args.previous:
        previous = read_plan(args.previous, _known_ids(community, args.previous), expect="cohorts")[1]
    plan = form_cohorts(
        community, size=args.size, n_cohorts=args.cohorts, similar=split_names(args.similar), spread=split_names(args.spread),
        balance=split_names(args.balance), protect=split_names(args.protect), leaders=args.leaders, requests=requests,
        pairs=args.pairs, history=load_history(args.history), previous=previous,
        move_budget=args.move_budget if args.previous else None, time_limit=args.time_limit, seed=args.seed,
        workers=args.workers,
    )
    print(plan.summary())
    violations = plan.problems
    for v in violations[:20]:
        print(f"  - {v}")
    if violations and not args.write_infeasible:
        print(f"infeasible: {len(violations)} hard rule(s) broken; nothing written to {args.out} "
              "(--write-infeasible writes the plan anyway)")
        return 1
    plan.to_csv(args.out)
    write_plan_report(plan, args, community)
    print(f"cohorts written to {args.out}" + (" (it breaks hard rules)" if violations else ""))
    return 1 if violations else 0


def _known_ids(community, path: str):  # noqa: ANN001, ANN202
    """A community of ids only: the members plus those only the previous plan names (people who left)."""
    import pandas as pd

    from matchmaking.model.community import Community
    from matchmaking.model.io import read_table

    prev = read_table(path)
    gone = sorted(set(prev["member"]) - set(community.ids)) if "member" in prev else []
    return Community.from_frame(pd.DataFrame({"id": community.ids + gone}), name=str(path))
