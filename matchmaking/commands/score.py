"""``matchmaking score``: evaluate any plan, from any tool, with the solvers' objective."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

from matchmaking.commands.common import add_common, declare_paths, load_history, split_names
from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.plans.io import read_plan
from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import GROUP_COLUMNS, default_objective
from matchmaking.scoring.requests import Requests


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score",
        help="evaluate a plan (seating, cohorts or pairs) and list every broken request",
        description="Evaluate a plan CSV from any tool with the same objective as the solvers. "
        "Exit 0 when the plan breaks no rule, 1 when it does, 2 on bad input.",
    )
    p.add_argument("members", help="members file (CSV, Excel or Parquet)")
    p.add_argument("plan", help="plan file: round,table,member | cohort,member | round,group,member")
    add_common(p, solve=False)
    p.add_argument("--table-size", type=_positive, help="seats per table (checks capacities)")
    p.add_argument("--spread", metavar="COLS",
                   help="attributes mixed in each group, weight 1 each (as given to seat or cohorts)")
    p.add_argument("--similar", metavar="COLS",
                   help="attributes where a pair with the same value scores 1 more (as the welcome mode adds city)")
    p.add_argument("--balance", metavar="COLS",
                   help="cohorts plans: numeric attributes balanced across cohorts, weight 1 each (as given to "
                   "cohorts --balance)")
    p.add_argument("--blocks", "--balance-by", dest="blocks", metavar="COLS",
                   help="cohorts plans: the cohorts' --similar attributes (balance means are compared and leads "
                   "spread within each block)")
    p.add_argument("--size", metavar="MIN-MAX", help="cohorts plans: cohort sizes to check (as cohorts --size)")
    p.add_argument("--protect", metavar="COLS", help="cohorts plans: nobody the only one of their value (as cohorts)")
    p.add_argument("--leaders", metavar="SELECTION", help="cohorts plans: leads spread evenly (as cohorts --leaders)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(run=run)
    declare_paths(p, inputs=("members", "plan", "pairs", "constraints", "history"))


def run(args: argparse.Namespace) -> int:
    community = Community.from_csv(args.members)
    kind, assignments = read_plan(args.plan, community)
    requests = Requests.read(args.constraints, community) if args.constraints else Requests()
    spread = _columns(args.spread, community, "--spread", args.members)
    similar = _columns(args.similar, community, "--similar", args.members)
    objective = default_objective(
        community, kind, pairs=args.pairs, history=load_history(args.history), together=requests.together_pairs(),
        spread=spread, **({"similar": similar} if similar else {}),
    )
    cohort_rules = {"size": args.size, "protect": args.protect, "leaders": args.leaders, "balance": args.balance,
                    "blocks": args.blocks}
    given = [f"--{k}" for k, v in cohort_rules.items() if v]
    if given and kind != "cohorts":
        raise InputError(f"{', '.join(given)} apply to cohorts plans only", file=args.plan, row=1)
    if kind == "cohorts" and args.table_size:
        raise InputError("--table-size is for seating plans; cohorts plans take --size MIN-MAX", file=args.plan, row=1)
    if kind == "cohorts":
        plan = _cohort_plan(args, community, assignments, requests, objective)
    else:
        n_tables = int(assignments[GROUP_COLUMNS[kind][-1]].max()) if len(assignments) else 0
        capacities = [args.table_size] * n_tables if args.table_size else None
        plan = Plan.build(kind, assignments, objective_fn=objective, requests=requests,
                          rules={"capacities": capacities})
    breakdown = plan.breakdown
    violations = plan.check()
    metrics = plan.metrics()
    if args.json:
        print(json.dumps({"kind": kind, "objective": breakdown, "metrics": metrics, "violations": violations}, indent=2))
    else:
        print(f"{kind} plan {args.plan}: objective {breakdown['total']:.3f}")
        print("  terms: " + ", ".join(f"{k} {v:.3f}" for k, v in breakdown.items() if k != "total"))
        print("  " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items()))
        print(f"  {len(violations)} violation(s)")
        for v in violations:
            print(f"  - {v}")
    return 1 if violations else 0



def _cohort_plan(args: argparse.Namespace, community: Community, assignments, requests: Requests, objective):  # noqa: ANN001, ANN202
    """A cohort plan file as the engine's plan: the cohort rules given on the command line, and
    ``--balance`` in the objective (so ``plan.check()`` and the objective are form_cohorts')."""
    from matchmaking.solvers.cohorts import cohort_plan

    blocks = list(_columns(args.blocks, community, "--blocks", args.members))
    balance = _columns(args.balance, community, "--balance", args.members)
    if balance:
        objective = replace(objective, balance=balance, balance_by=tuple(blocks))
    return cohort_plan(assignments, objective, requests=requests, size=args.size,
                       protect=list(_columns(args.protect, community, "--protect", args.members)),
                       leaders=args.leaders, similar=blocks)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, not {text}")
    return value


def _columns(text: str | None, community: Community, option: str, fname: str) -> dict[str, float]:
    """``"a,b"`` -> ``{"a": 1.0, "b": 1.0}``, each an attribute of the community."""
    cols = dict.fromkeys(split_names(text), 1.0)
    for col in cols:
        if col not in community.attributes:
            raise InputError(f"{option} names no attribute {col!r}; attributes are {community.attributes}",
                             file=fname, row=1)
    return cols
