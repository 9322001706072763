"""Zero repeats (issue 14): social-golfer instances through ``matchmaking.seat``, 5 seeds each.

The objective is the number of repeated pairs (the bound is 0: every instance here has a
repeat-free plan), so the gap is the repeats themselves. Each row is one seed; ``cpu_s`` is the
process CPU time, which is what to read on a loaded machine (the wall clock then also counts
the time other processes held the cores). The plans are re-checked by ``plan.check()``.

    python benchmarks/bench_golfer.py                 # 6-3-8, 8-4-10, 8-4-9 hosts+absences; 5 seeds; 30 s
    python benchmarks/bench_golfer.py --only 6-3-8 --seeds 2 --time-limit 10
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import measure, print_table  # noqa: E402

import matchmaking as mm  # noqa: E402
from matchmaking.solvers import seating as S  # noqa: E402

INSTANCES = ("6-3-8", "8-4-10", "8-4-9 hosts+absences")


def instance(name: str) -> tuple[mm.Community, dict]:
    """``name`` as (community, seat() keyword arguments): ``g-s-w`` golfers, optionally two hosts
    (fixed at tables 2 and 7 every round) and two people absent in round 3."""
    g, s, w = (int(x) for x in name.split()[0].split("-"))
    ids = [f"g{i:02d}" for i in range(g * s)]
    kw: dict = {"tables": g, "table_size": s, "rounds": w, "needs": 0.0}
    if "hosts" in name:
        kw["hosts"] = {ids[5]: 2, ids[9]: min(7, g)}
        kw["attendance"] = {3: ids[2:]}
    return mm.Community.from_frame(pd.DataFrame({"id": ids})), kw


def run(name: str, seed: int, time_limit: float) -> dict:
    community, kw = instance(name)
    cpu = time.process_time()
    plan, seconds, peak = measure(lambda: mm.seat(community, time_limit=time_limit, seed=seed, **kw))
    repeats = int(plan.metrics()["repeats"])
    return {"instance": name, "method": plan.method, "objective": repeats, "bound": 0, "gap": repeats,
            "time_s": seconds, "peak_mb": peak, "seed": seed, "cpu_s": time.process_time() - cpu,
            "problems": len(plan.check())}


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the instances whose name contains this text")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=30.0)
    args = parser.parse_args(argv)
    S.warm_up()  # compile the kernels before any clock starts
    rows = [run(name, seed, args.time_limit) for name in INSTANCES if not args.only or args.only in name
            for seed in range(args.seeds)]
    print(f"objective = repeated pairs (bound 0); time limit {args.time_limit:g} s; shared 2-core machine")
    return print_table(rows, extra=["seed", "cpu_s", "problems"])


if __name__ == "__main__":
    main()
