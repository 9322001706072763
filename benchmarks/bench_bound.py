"""Proven bounds (issue 14): the old term-by-term relaxation against the semidefinite / Lagrangian bounds.

Rows: MDGP instances (one round, equal groups; the gap is to the best value the published
programs reached here, ``matchmaking.datasets.mdgplib.PEER_VALUES``), RanReal instances of our own
(same law; gap to a quick local search), the seating events of ``bench_seating.py`` (gap to
``mm.seat``'s plan at that benchmark's time limit) and roulette pairings (gap to ``mm.pair``).
Every bound printed is proven (a dual certificate, see ``matchmaking.solvers.bounds``).
Timings come from a shared 2-core machine and are noisy.

    python benchmarks/bench_bound.py                 # everything (about 10 minutes)
    python benchmarks/bench_bound.py --quick         # a smoke run
    python benchmarks/bench_bound.py --only mdgp     # rows whose instance contains the text
    python benchmarks/bench_bound.py --instances DIR # MDGPLIB files (default: the team's four instances,
                                                     # rebuilt from their RanReal seeds)
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import gap, measure, print_table  # noqa: E402

import matchmaking as mm  # noqa: E402
from matchmaking.datasets.mdgplib import (  # noqa: E402
    BENCHMARK_INSTANCES,
    PEER_VALUES,
    MDGPInstance,
    benchmark_instance,
    ranreal,
    read_mdgplib,
)
from matchmaking.solvers.bounds import pairing_bound, partition_bound  # noqa: E402


def best_known() -> dict[str, float]:
    """The best value the peers reached per benchmark instance (their recorded values)."""
    return {name: max(values.values()) for name, values in PEER_VALUES.items()}


def best_partners(inst: MDGPInstance) -> float:
    """The old bound: each person's best ``size - 1`` partners, each pair counted from both ends."""
    k = int(inst.upper.max()) - 1
    return float(np.sort(inst.weights, axis=1)[:, -k:].sum() / 2)


def local_search(inst: MDGPInstance, seed: int = 0, sweeps: int = 6) -> float:
    """A plain swap local search from a random equal grouping (a reference value, not a contender)."""
    rng = np.random.default_rng(seed)
    n, m = inst.n, len(inst.upper)
    groups = rng.permutation(np.arange(n) % m)
    W = inst.weights
    member = np.zeros((n, m))
    member[np.arange(n), groups] = 1
    gain_to = W @ member  # value of i with each group
    for _ in range(sweeps):
        improved = False
        for i in range(n):
            for j in range(i + 1, n):
                a, b = groups[i], groups[j]
                if a == b:
                    continue
                delta = gain_to[i, b] - gain_to[i, a] + gain_to[j, a] - gain_to[j, b] - 2 * W[i, j]
                if delta > 1e-9:
                    groups[i], groups[j] = b, a
                    gain_to[:, a] += W[:, j] - W[:, i]
                    gain_to[:, b] += W[:, i] - W[:, j]
                    improved = True
        if not improved:
            break
    return inst.value(groups)


def mdgp_rows(instances: list[tuple[MDGPInstance, float, str]], time_limit: float) -> list[dict]:
    rows = []
    for inst, reference, ref_name in instances:
        name = f"mdgp {inst.name} ({len(inst.upper)}x{int(inst.upper[0])})"
        old, t_old, mb_old = measure(lambda inst=inst: best_partners(inst))
        rows.append({"instance": name, "method": "best partners (old)", "objective": reference, "bound": old,
                     "gap": gap(reference, old), "time_s": t_old, "peak_mb": mb_old, "reference": ref_name})
        seconds = time_limit * max(1.0, inst.n / 240)  # larger instances get proportionally more time
        b, t, mb = measure(lambda inst=inst, s=seconds: partition_bound(inst.weights, inst.upper, time_limit=s))
        rows.append({"instance": name, "method": "SDP (certified dual)", "objective": reference, "bound": b.value,
                     "gap": gap(reference, b.value), "time_s": t, "peak_mb": mb, "reference": ref_name,
                     "iterations": b.iterations})
    return rows


def _cpu_measure(fn):
    """``harness.measure`` plus the process's CPU seconds (the machine is shared: wall time is noisy)."""
    c0 = time.process_time()
    result, seconds, peak = measure(fn)
    return result, seconds, peak, time.process_time() - c0


def seating_rows(names: dict[str, float], share: float) -> list[dict]:
    import bench_seating as BS

    from matchmaking.solvers.seating import build_problem, seating_bound
    from matchmaking.solvers.seating.bound import sdp_bound

    rows = []
    for name, limit in names.items():
        community, kw = BS.instance(name)
        prob = build_problem(community, **kw)
        plan = mm.seat(community, time_limit=limit, seed=0, **kw)
        obj = plan.objective
        (old, _), t_old, mb_old, cpu_old = _cpu_measure(lambda prob=prob: seating_bound(prob))
        inst = f"seating {name} ({limit:g} s plan)"
        base = {"instance": inst, "objective": obj, "reference": "mm.seat", "old_bound": old, "old_gap": gap(obj, old)}
        rows.append({**base, "method": "term by term (old)", "bound": old, "gap": gap(obj, old), "time_s": t_old,
                     "cpu_s": cpu_old, "peak_mb": mb_old})
        (b, terms, _), t, mb, cpu = _cpu_measure(lambda prob=prob: sdp_bound(prob, max_iter=0))
        rows.append({**base, "method": "degree LP + terms", "bound": b, "gap": gap(obj, b), "time_s": t,
                     "cpu_s": cpu, "peak_mb": mb})
        budget = share * limit
        (b, terms, notes), t, mb, cpu = _cpu_measure(lambda prob=prob, budget=budget: sdp_bound(prob, time_limit=budget))
        method = "SDP joint + terms" if "sdp bound" in terms else "SDP skipped (does not fit the time), degree LP"
        rows.append({**base, "method": method, "bound": b, "gap": gap(obj, b), "time_s": t, "cpu_s": cpu,
                     "peak_mb": mb, "plan_bound": plan.bound})
    return rows


def pairing_rows(cases: list[tuple[int, int]], time_limit: float) -> list[dict]:
    from matchmaking.scoring.objective import default_objective
    from matchmaking.scoring.requests import Requests
    from matchmaking.solvers.pairing.roulette_search import RouletteProblem

    rows = []
    for n, rounds in cases:
        community = mm.datasets.synthetic_community(n, seed=0)
        plan = mm.pair(community, "roulette", rounds=rounds, time_limit=20)
        inst = f"roulette n={n} R={rounds}"
        rows.append({"instance": inst, "method": "pair() bound (b-matching LP, or exact)", "objective": plan.objective,
                     "bound": plan.bound, "gap": gap(plan.objective, plan.bound), "time_s": math.nan,
                     "peak_mb": math.nan, "reference": plan.method})
        objective = default_objective(community, "pairs")
        prob = RouletteProblem(objective, community.ids, np.ones((rounds, n), dtype=bool), Requests())
        b, t, mb = measure(lambda prob=prob, objective=objective: pairing_bound(
            prob.weight, prob.avail, allowed=prob.allowed, forced=prob.forced, met_before=prob.history > 0,
            repeat_penalty=objective.repeat_penalty, time_limit=time_limit, max_iter=10_000))
        rows.append({"instance": inst, "method": "Lagrangian (exact matchings)", "objective": plan.objective,
                     "bound": b.value, "gap": gap(plan.objective, b.value), "time_s": t, "peak_mb": mb,
                     "reference": plan.method, "iterations": b.iterations})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small instances, short limits")
    parser.add_argument("--only", help="rows whose instance contains this text")
    parser.add_argument("--instances", type=Path, help="folder of MDGPLIB files (default: the four benchmark "
                        "instances, rebuilt from their seeds)")
    parser.add_argument("--time", type=float, default=10.0, help="seconds per MDGP bound (times n / 240 above 240)")
    parser.add_argument("--share", type=float, default=0.1, help="share of a seating plan's time for its bound")
    args = parser.parse_args(argv)
    if args.quick:
        own = [(ranreal(60, 6, 11), "local search")]
        files: list[Path] = []
        seat_names = {"tiny": 2.0}
        pair_cases = [(20, 3)]
        limit = 2.0
    else:
        own = [(ranreal(120, 10, 1201), "local search"), (ranreal(240, 12, 2403), "local search")]
        files = sorted(args.instances.glob("*.txt*")) if args.instances else []
        seat_names = {"120": 20.0, "300": 30.0, "2000": 120.0}
        pair_cases = [(40, 5), (101, 12)]
        limit = args.time
    known = best_known()
    instances = [(inst, local_search(inst), ref) for inst, ref in own]
    shared = [read_mdgplib(f) for f in files] if files else \
        ([] if args.quick else [benchmark_instance(name) for name in BENCHMARK_INSTANCES])
    for inst in shared:
        if inst.name in known:
            instances.append((inst, known[inst.name], "best peer"))
    keep = (lambda text: args.only in text) if args.only else (lambda text: True)
    rows = mdgp_rows([x for x in instances if keep(f"mdgp {x[0].name}")], limit)
    if keep("seating"):
        rows += seating_rows({k: v for k, v in seat_names.items() if not args.only or args.only in f"seating {k}"
                              or args.only == "seating"}, args.share)
    if keep("roulette"):
        rows += pairing_rows(pair_cases, 5.0 if args.quick else 20.0)
    print(f"MDGP bound time limit {limit:g} s; seating bound {args.share:.0%} of the plan's time; "
          "gap = (bound - objective) / bound; shared 2-core machine (timings noisy)")
    print_table(rows, extra=["cpu_s", "old_bound", "old_gap", "reference", "iterations", "plan_bound"])


if __name__ == "__main__":
    main()
