"""``matchmaking simulate``: network-growth experiments, one strategy against another.

::

    matchmaking simulate [MEMBERS] [--strategy random novelty ...] [--events N] [--members N]
        [--attendance P] [--table-size S] [--rounds R] [--replicates K] [--seed K]
        [--vary attendance=0.1,0.2] [--dask] [--scheduler ADDR] [--workers N]
        [--out METRICS.csv] [--plot CURVES.png]
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from matchmaking.commands.common import declare_paths, non_negative_int, positive_int
from matchmaking.research.simulate import GrowthModel

_NUMERIC = {name: f.type for name, f in GrowthModel.__dataclass_fields__.items()}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate",
        help="simulate a community's network growth under seating strategies",
        description="Agent-based model: members join, attend events, meet at tables placed by a strategy, "
        "form and lose ties, leave. Prints each strategy's final metrics with 95% confidence intervals.",
    )
    p.add_argument("members_file", nargs="?", metavar="MEMBERS", help="members file (default: a synthetic community)")
    p.add_argument("--strategy", nargs="+", default=["random", "novelty"],
                   help="random, homophily, novelty, optimised (default: random novelty)")
    p.add_argument("--members", type=int, default=2000, help="synthetic community size (default 2000)")
    p.add_argument("--events", type=int, default=20, help="number of events (default 20)")
    p.add_argument("--attendance", type=float, default=0.15, help="chance a member attends (default 0.15)")
    p.add_argument("--table-size", type=int, default=8, help="seats per table (default 8)")
    p.add_argument("--rounds", type=int, default=2, help="rounds per event (default 2)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="any other growth-model parameter (e.g. --set fade=0.1), repeatable")
    p.add_argument("--replicates", type=positive_int, default=3, help="runs per strategy (default 3)")
    p.add_argument("--seed", type=non_negative_int, default=0, metavar="K", help="random seed (default 0)")
    p.add_argument("--vary", action="append", default=[], metavar="NAME=V1,V2",
                   help="sweep a parameter over values (runs on Dask), repeatable")
    p.add_argument("--dask", action="store_true", help="run on Dask even without --vary")
    p.add_argument("--scheduler", metavar="ADDR", help="existing Dask scheduler address (default: a local cluster)")
    p.add_argument("--workers", type=positive_int, default=2, help="local Dask workers (default 2)")
    p.add_argument("--out", metavar="FILE", help="write the per-event metrics (CSV, Excel or Parquet)")
    p.add_argument("--plot", metavar="FILE", help="write the curves (PNG, SVG or PDF)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(run=run)
    declare_paths(p, inputs=("members_file",), outputs=("out", "plot"))


def _value(name: str, text: str) -> object:
    if name not in _NUMERIC:
        raise ValueError(f"unknown parameter {name!r}; choose from {sorted(_NUMERIC)}")
    if name in ("similar",):
        return tuple(s for s in text.split(";") if s)
    if name in ("cohort", "growth"):
        return text
    try:
        number = float(text)
    except ValueError as exc:
        raise ValueError(f"{name}={text!r}: not a number") from exc
    return int(number) if number.is_integer() and name in ("members", "events", "table_size", "rounds", "k",
                                                              "event_size", "path_samples") else number


def _pairs(items: list[str], *, many: bool) -> dict[str, object]:
    out: dict[str, object] = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"expected NAME=VALUE, got {item!r}")
        name, text = item.split("=", 1)
        name = name.strip().replace("-", "_")
        out[name] = [_value(name, t) for t in text.split(",")] if many else _value(name, text)
    return out


def run(args: argparse.Namespace) -> int:
    from matchmaking.model.community import Community
    from matchmaking.model.io import write_table
    from matchmaking.research.simulate import Simulation, simulate
    from matchmaking.research.sweep import sweep

    params = {"members": args.members, "events": args.events, "attendance": args.attendance,
              "table_size": args.table_size, "rounds": args.rounds} | _pairs(args.set, many=False)
    community = Community.from_csv(args.members_file) if args.members_file else None
    vary = _pairs(args.vary, many=True)
    if vary or args.dask or args.scheduler:
        metrics = sweep(args.strategy, vary or None, replicates=args.replicates, seed=args.seed, community=community,
                        address=args.scheduler, n_workers=args.workers, progress=True, **params)
    else:
        metrics = simulate(community, args.strategy, replicates=args.replicates, seed=args.seed, progress=True,
                           **params).metrics
    groups = ["strategy", *vary]
    last = metrics[metrics["event"] == metrics["event"].max()]
    shown = ["members", "ties", "isolated", "giant", "clustering", "bridging", "mean_path", "retention"]
    rows = []
    for key, grp in last.groupby(groups, sort=False):
        sim = Simulation(grp, pd.DataFrame(), GrowthModel())
        summary = sim.summary().set_index("metric").loc[shown]
        key = key if isinstance(key, tuple) else (key,)
        for metric, r in summary.iterrows():
            rows.append(dict(zip(groups, key, strict=True)) | {"metric": metric, "mean": r["mean"], "low": r["low"],
                                                                "high": r["high"]})
    table = pd.DataFrame(rows)
    if args.json:
        print(json.dumps(table.to_dict(orient="records"), indent=2, default=str))
    else:
        wide = table.pivot_table(index="metric", columns=groups, values="mean", sort=False)
        print(f"after event {int(metrics['event'].max())}, mean of {args.replicates} replicate(s):")
        print(wide.round(3).to_string())
    if args.out:
        print(f"wrote {write_table(metrics, args.out)}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        from matchmaking.model.io import atomic_write
        from matchmaking.research.simulate import plot_curves

        frame = metrics.assign(run=metrics[groups].astype(str).agg(" ".join, axis=1))
        fig = plot_curves(frame, ["ties", "isolated", "giant", "bridging", "mean_path", "retention"], by="run")
        suffix = args.plot.rsplit(".", 1)[-1] if "." in args.plot else "png"
        atomic_write(args.plot, lambda p: fig.savefig(p, dpi=110, format=suffix))
        print(f"wrote {args.plot}")
    return 0
