"""``matchmaking demo``: the whole workbench on the shipped demo community."""

from __future__ import annotations

import argparse

from matchmaking.commands.common import non_negative_int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the workbench on the shipped demo community -> reports/demo/",
                       description="Run every part of the workbench on the shipped demo community and "
                       "write an HTML report with CSV exports.")
    p.add_argument("--out", default="reports/demo", help="output folder (default reports/demo)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from matchmaking.reports.demo import run_demo

    path = run_demo(args.out, seed=args.seed)
    print(f"demo report written to {path}")
    return 0
