"""Benchmark of the growth model: 4 strategies x 10 seeds x 20 events on 2,000 members, on Dask.

Prints the standard table (instance, method, objective, bound, gap, time_s, peak_mb) plus the
network metrics. ``objective`` is the mean number of ties after the last event (higher is a
better-connected community) with its 95% confidence half-width in ``ci95``; there is no
bound for a simulation (NaN). Baselines in the same run: random seating (what an event does
without this library) and the same sweep run serially in one process (to show what Dask
brings). Also checks that the sweep is bit-identical to ``mm.simulate`` for one run, and
prints how close the calibrated tie model comes to the SFHH conference (the shipped SocioPatterns copy).

Run: ``python benchmarks/bench_simulate.py [--members 2000] [--seeds 10] [--events 20] [--workers 2] [--quick]``
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import measure, print_table  # noqa: E402

import matchmaking as mm  # noqa: E402
from matchmaking.research import optimised_seating  # noqa: E402
from matchmaking.research.sweep import sweep  # noqa: E402


def bench_history(members: int = 5000, events: int = 20, attendees: int = 2000) -> list[dict]:
    """MeetingHistory at scale: record events of 2,000 attendees (8 per table, 3 rounds), then query."""
    import os
    import tempfile

    from matchmaking.research import random_seating

    community = mm.datasets.synthetic_community(members, seed=0)
    history = mm.MeetingHistory(os.path.join(tempfile.mkdtemp(), "history.db"))
    rng = np.random.default_rng(0)
    instance = f"history: {events} events x {attendees} attendees"
    times, peaks = [], []
    for e in range(events):
        att = community.subset(sorted(rng.choice(community.ids, attendees, replace=False)))
        plan = random_seating(att, None, rng, table_size=8, rounds=3)
        _, t, p = measure(lambda plan=plan, e=e: history.record(plan, event=f"e{e}"))
        times.append(t)
        peaks.append(p)
    rows = [{"instance": instance, "method": "record one event (mean)", "time_s": float(np.mean(times)),
             "peak_mb": max(peaks)}]
    _, t, p = measure(lambda: history.record(plan, event=f"e{events - 1}"))
    rows.append({"instance": instance, "method": "record the same event again (no-op)", "time_s": t, "peak_mb": p})
    some = sorted(rng.choice(community.ids, 300, replace=False))
    for label, fn in (("pair_counts(300 attendees)", lambda: history.pair_counts(some)),
                      ("pair_counts(all)", history.pair_counts), ("stale(3)", lambda: history.stale(3)),
                      ("to_networkx()", history.to_networkx)):
        result, t, p = measure(fn)
        rows.append({"instance": instance, "method": label, "time_s": t, "peak_mb": p,
                     "rows": result.number_of_edges() if hasattr(result, "number_of_edges") else len(result)})
    rows.append({"instance": instance, "method": "file size (MB)", "objective": os.path.getsize(history.path) / 2**20,
                 "rows": len(history.encounters())})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=3000, help="local-search moves per event (optimised)")
    parser.add_argument("--skip-serial", action="store_true", help="skip the serial baseline")
    parser.add_argument("--skip-history", action="store_true", help="skip the MeetingHistory benchmark")
    parser.add_argument("--only-history", action="store_true", help="only the MeetingHistory benchmark")
    parser.add_argument("--quick", action="store_true", help="200 members, 2 seeds, 3 events, no calibration")
    args = parser.parse_args()
    if args.quick:
        args.members, args.seeds, args.events = 200, 2, 3
    if not args.skip_history:
        print_table(bench_history(*((500, 3, 200) if args.quick else ())), extra=["rows"])
        print()
    if args.only_history:
        return

    community = mm.datasets.synthetic_community(args.members, seed=0)
    strategies = {
        "random": "random",
        "homophily": "homophily",
        "novelty": "novelty",
        "optimised": optimised_seating(time_limit=20.0, iterations=args.iterations),
    }
    instance = f"{args.members} members x {args.events} events"
    print(f"sweep: {len(strategies)} strategies x {args.seeds} seeds x {args.events} events, "
          f"{args.members} members, Dask LocalCluster of {args.workers} workers")
    frame, seconds, peak = measure(lambda: sweep(strategies, replicates=args.seeds, community=community,
                                                 events=args.events, n_workers=args.workers, seed=0))
    last = frame[frame["event"] == args.events]
    rows = []
    for name, grp in last.groupby("strategy", sort=False):
        ties = grp["ties"].to_numpy(dtype=float)
        half = 1.96 * ties.std(ddof=1) / math.sqrt(len(ties)) if len(ties) > 1 else math.nan
        rows.append({
            "instance": instance, "method": name, "objective": ties.mean(), "bound": math.nan, "gap": math.nan,
            "time_s": math.nan, "peak_mb": math.nan, "ci95": half, "isolated": grp["isolated"].mean(),
            "giant": grp["giant"].mean(), "bridging": grp["bridging"].mean(), "clustering": grp["clustering"].mean(),
            "mean_path": grp["mean_path"].mean(), "retention": grp["retention"].mean(),
            "repeat_share": frame.loc[frame["strategy"] == name, "repeat_share"].mean(),
        })
    rows.append({"instance": instance, "method": f"whole sweep on Dask ({args.workers} workers)",
                 "objective": math.nan, "bound": math.nan, "gap": math.nan, "time_s": seconds, "peak_mb": peak})

    # bit-identical to mm.simulate (one strategy, the last replicate)
    check = mm.simulate(community, "novelty", events=args.events, replicates=args.seeds, seed=0).metrics
    mine = frame[frame["strategy"] == "novelty"].reset_index(drop=True)
    identical = mine.equals(check)

    if not args.skip_serial:
        cheap = {k: v for k, v in strategies.items() if k != "optimised"}
        _, d_seconds, d_peak = measure(lambda: sweep(cheap, replicates=args.seeds, community=community,
                                                     events=args.events, n_workers=args.workers, seed=0, progress=False))
        _, s_seconds, s_peak = measure(lambda: mm.simulate(community, cheap, events=args.events,
                                                           replicates=args.seeds, seed=0))
        for label, t, p in (("3 cheap strategies, Dask sweep", d_seconds, d_peak),
                            ("3 cheap strategies, serial mm.simulate", s_seconds, s_peak)):
            rows.append({"instance": instance, "method": label, "objective": math.nan, "bound": math.nan,
                         "gap": math.nan, "time_s": t, "peak_mb": p})

    print()
    print_table(rows, extra=["ci95", "isolated", "giant", "bridging", "clustering", "mean_path", "retention",
                             "repeat_share"])
    print(f"\nsweep bit-identical to mm.simulate: {identical}")

    if args.quick:
        return
    from matchmaking.research import mingling_seating
    from matchmaking.research.calibration import calibrate

    contacts = mm.datasets.sfhh_contacts()  # the shipped SocioPatterns copy
    t0 = time.perf_counter()
    cal = calibrate(contacts, {"rounds_per_hour": [3, 4, 5], "tie_rate": [0.4, 0.7], "sociability": [0.6, 0.9]},
                    strategy=mingling_seating(0.3), table_size=4, replicates=2, seed=0)
    print(f"\nSFHH calibration ({len(cal.table)} grid points x 2 replicates, {time.perf_counter() - t0:.0f} s); "
          f"best {cal.best}")
    with pd.option_context("display.width", 200):
        print(cal.comparison.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
