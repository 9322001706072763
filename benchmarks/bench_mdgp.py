"""One-round seating as the maximally diverse grouping problem (issue 14): ours against the peers' values.

Instances: the team's four (rebuilt bit for bit from their RanReal seeds by
:func:`matchmaking.datasets.mdgplib.benchmark_instance`; ``--instances DIR`` reads MDGPLIB files
instead) and our own from the same law (:func:`matchmaking.datasets.mdgplib.ranreal`, generated
here, never stored), n = 120 to 960.
Each runs ``matchmaking.seat(rounds=1)`` on the pair values alone, at the time limits of the
literature: 3 s for n = 120, 30 s and 120 s for the others, over 5 seeds. Columns: the best and
the spread (mean, worst) over the seeds, the peers' recorded values (TPSDP, IMS, measured here
by the authors' programs, see the shared README), the proven semidefinite bound (``sdp_bound``,
computed apart, 20 s; the runs give all their time to the search as the peers did) and the gap,
wall and CPU time (on a shared machine CPU time says how much of the wall time the solver got),
and peak memory.

    python benchmarks/bench_mdgp.py                     # everything (about 1 h 40 min)
    python benchmarks/bench_mdgp.py --quick             # n = 120 at 3 s, one seed
    python benchmarks/bench_mdgp.py --only n240 --seeds 2 --limits 30
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import gap, measure, print_table  # noqa: E402

import matchmaking as mm  # noqa: E402
from matchmaking.datasets.mdgplib import (  # noqa: E402
    BENCHMARK_INSTANCES,
    PEER_VALUES,
    benchmark_instance,
    ranreal,
    read_mdgplib,
)
from matchmaking.scoring.affinity import Affinity  # noqa: E402
from matchmaking.scoring.objective import Objective  # noqa: E402
from matchmaking.solvers.seating import build_problem, warm_up  # noqa: E402
from matchmaking.solvers.seating.bound import sdp_bound  # noqa: E402

#: Our own RanReal instances: name -> (n, tables, seed).
OWN = {"rr_n120_s1205": (120, 10, 1205), "rr_n240_s2405": (240, 12, 2405), "rr_n480_s4805": (480, 20, 4805),
       "rr_n960_s9605": (960, 24, 9605)}


def as_community(W: np.ndarray) -> tuple[mm.Community, pd.DataFrame]:
    """People ``p0000...`` and their pairs table ``a, b, weight``."""
    n = len(W)
    ids = np.asarray([f"p{k:04d}" for k in range(n)], dtype=object)
    i, j = np.triu_indices(n, 1)
    return mm.Community.from_frame(pd.DataFrame({"id": ids})), pd.DataFrame({"a": ids[i], "b": ids[j], "weight": W[i, j]})


def instances(folder: Path | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Name -> (pair values, table sizes): the team's four (or the files of ``folder``), then our own."""
    out = {}
    if folder is not None:
        loaded = [read_mdgplib(path) for path in sorted(folder.glob("*.txt*"))]
    else:
        loaded = [benchmark_instance(name) for name in BENCHMARK_INSTANCES]
    for inst in loaded:
        if (inst.lower == inst.upper).all():  # the engine seats tables of given sizes, not ranges
            out[inst.name] = (inst.weights, inst.upper)
    for name, (n, m, seed) in OWN.items():
        inst = ranreal(n, m, seed)
        out[name] = (inst.weights, inst.upper)
    return out


def limits_for(n: int, asked: list[float] | None) -> list[float]:
    if asked:
        return asked
    return [3.0] if n <= 120 else [30.0, 120.0]


def run(name: str, W: np.ndarray, sizes: np.ndarray, limit: float, seeds: int, bound_time: float = 20.0) -> dict:
    community, pairs = as_community(W)
    objective = Objective(Affinity(community, {"pairs": 1.0}, explicit=pairs), needs=0.0)
    kw = {"capacities": sizes.tolist(), "rounds": 1, "objective": objective}
    bound, _, _ = sdp_bound(build_problem(community, **kw), time_limit=bound_time)
    kw["params"] = {"bound_share": 0.0}  # all the time to the search, as the peers had; the bound is apart
    values, walls, cpus, peaks = [], [], [], []
    for seed in range(seeds):
        c0 = time.process_time()
        plan, seconds, peak = measure(lambda s=seed: mm.seat(community, time_limit=limit, seed=s, **kw))
        cpus.append(time.process_time() - c0)
        assert plan.check() == [] and plan.metrics()["repeats"] == 0
        values.append(plan.objective)
        walls.append(seconds)
        peaks.append(peak)
    best = max(values)
    row = {"instance": f"{name} ({limit:g} s)", "method": "ours", "objective": best, "bound": bound,
           "gap": gap(best, bound), "time_s": float(np.mean(walls)), "peak_mb": max(peaks),
           "cpu_s": float(np.mean(cpus)), "mean": float(np.mean(values)), "worst": min(values), "seeds": seeds}
    for peer, value in PEER_VALUES.get(name, {}).items():
        row[peer] = value
    peers_here = [v for k, v in PEER_VALUES.get(name, {}).items() if k.endswith(f" {limit:g} s")]
    if peers_here:
        row["vs_best_peer"] = (best - max(peers_here)) / max(peers_here)
    return row


def main(argv: list[str] | None = None) -> object:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 120 at 3 s, one seed")
    parser.add_argument("--instances", type=Path, help="read MDGPLIB files from this folder instead")
    parser.add_argument("--only", help="instances whose name contains this text")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--limits", type=float, nargs="*", help="time limits in seconds (default: by size)")
    args = parser.parse_args(argv)
    warm_up()  # compile the kernels before any clock starts
    if args.quick:
        inst = ranreal(*OWN["rr_n120_s1205"])
        found = {"rr_n120_s1205": (inst.weights, inst.upper)}
        args.seeds, args.limits = 1, [3.0]
    else:
        found = instances(args.instances)
    rows = []
    for name, (W, sizes) in found.items():
        if args.only and args.only not in name:
            continue
        for limit in limits_for(len(W), args.limits):
            rows.append(run(name, W, sizes, limit, args.seeds))
            print(f"  {rows[-1]['instance']}: {rows[-1]['objective']:.3f}", file=sys.stderr, flush=True)
    print("2 shared cores, other jobs running: wall times are noisy; cpu_s is the CPU the solver got")
    extra = ["cpu_s", "mean", "worst", "seeds", "TPSDP 30 s", "IMS 30 s", "TPSDP 120 s", "vs_best_peer"]
    return print_table(rows, extra=extra)


if __name__ == "__main__":
    main()
