"""Event seating benchmark (issue 3): random, greedy, plain simulated annealing and ours.

Every method solves the same :class:`~matchmaking.solvers.seating.SeatingProblem` (the baselines are
:mod:`matchmaking.solvers.seating.baselines`) and is
scored by the same objective; every plan is re-checked by the independent
:func:`matchmaking.check_plan` (column ``violations``). Plain SA and ours get the same time. "plain SA
compiled + gain table" is the compiled textbook walk with the gain table ``seat`` keeps, to show what
the table alone adds. "ours, workers=2" is the same solve with two cores: on events too big for the
bound's serial reserve (2,000) the proven bound is computed beside the search in a process of its
own, for the whole time limit: read its bound and gap (its search still has one core).

    python benchmarks/bench_seating.py            # the full table (about 10 minutes on 2 cores)
    python benchmarks/bench_seating.py --quick    # a smoke run on one tiny instance
    python benchmarks/bench_seating.py --only 300 # instances whose name contains "300"
"""

from __future__ import annotations

import argparse
import contextlib
import math
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import gap, print_table  # noqa: E402

import matchmaking as mm  # noqa: E402
from matchmaking.solvers import seating as S  # noqa: E402
from matchmaking.solvers.seating.baselines import (  # noqa: E402
    greedy_plan,
    plain_sa,
    plain_sa_compiled,
    random_plan,
)


def instance(name: str, seed: int = 0) -> tuple[mm.Community, dict]:
    """A benchmark instance: (community, seat() keyword arguments)."""
    if name.startswith("golfer"):
        g, s, w = (int(x) for x in name.split()[1].split("-"))
        c = mm.Community.from_frame(pd.DataFrame({"id": [f"g{i:02d}" for i in range(g * s)]}))
        return c, {"tables": g, "table_size": s, "rounds": w, "needs": 0.0}
    n, tables, rounds = {"tiny": (24, 6, 2), "60": (60, 6, 3), "120": (120, 12, 3), "300": (300, 30, 4),
                         "2000": (2000, 200, 3)}[name.split()[0]]
    c = mm.datasets.synthetic_community(n, seed=seed + n)
    kw: dict = {"tables": tables, "table_size": math.ceil(n / tables), "rounds": rounds, "spread": ["sector"]}
    if name.startswith("300"):
        rng = np.random.default_rng(seed)
        ids = np.asarray(c.ids)
        leads = [m for m in c.ids if c.members.loc[m, "role"] == "lead"][:tables]
        others = rng.permutation([m for m in ids if m not in set(leads)])
        pairs = others[:40].reshape(20, 2)
        kw["hosts"] = leads
        kw["requests"] = mm.Requests(together=[tuple(p) for p in pairs[:10]], apart=[tuple(p) for p in pairs[10:]])
    return c, kw


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------
def measure(fn: Callable[[], object]) -> tuple[object, float, float, float]:
    """``(result, seconds, peak resident memory of the process in MiB, CPU seconds of the process)``.

    On a shared machine the wall-clock limits give each method what the load leaves it: the
    CPU seconds show how much it really ran.

    The peak RSS (``VmHWM``) is reset before each method where Linux allows it, so each row
    shows the process's peak while that method ran (data and interpreter included). Unlike
    ``harness.measure`` (tracemalloc), it does not slow the time-limited searches down.
    """
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = math.nan
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result, seconds, peak, cpu


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------
def row(name: str, method: str, prob: S.SeatingProblem, tab: np.ndarray, bound: float, seconds: float,
        peak: float, cpu: float = math.nan) -> dict:
    frame = prob.to_frame(tab)
    value = prob.objective.evaluate(frame, "seating")
    pairs = mm.Plan("seating", frame, objective=value["total"], objective_fn=prob.objective).metrics()
    return {"instance": name, "method": method, "objective": value["total"], "bound": bound,
            "gap": _gap(value["total"], bound), "time_s": seconds, "peak_mb": peak, "cpu_s": cpu, "repeats": pairs["repeats"],
            "violations": len(prob.violations(tab))}


def _gap(objective: float, bound: float) -> float:
    """The harness gap, 0 when the bound is reached, NaN for a zero bound (golfers: no value)."""
    if abs(bound - objective) <= 1e-9:
        return 0.0
    return math.nan if abs(bound) < 1e-9 else gap(objective, bound)


def run(name: str, time_limit: float, seed: int = 0) -> list[dict]:
    community, kw = instance(name, seed)
    prob = S.build_problem(community, **kw)
    bound, _ = S.seating_bound(prob)
    rows = []
    for method, fn in (("random", lambda: random_plan(prob, seed)), ("greedy", lambda: greedy_plan(prob, seed)),
                       ("plain SA", lambda: plain_sa(prob, seed, time_limit)),
                       ("plain SA compiled", lambda: plain_sa_compiled(prob, seed, time_limit)),
                       ("plain SA compiled + gain table", lambda: plain_sa_compiled(prob, seed, time_limit, gains=True))):
        tab, seconds, peak, cpu = measure(fn)
        rows.append(row(name, method, prob, tab, bound, seconds, peak, cpu))
    plan, seconds, peak, cpu = measure(lambda: mm.seat(community, time_limit=time_limit, seed=seed, **kw))
    ours = row(name, "ours", prob, prob.to_tab(plan.assignments), plan.bound, seconds, peak, cpu)
    rows.append(ours)
    for col, base in (("vs_SA", rows[2]["objective"]), ("vs_SA_compiled", rows[3]["objective"]),
                      ("vs_SA_gains", rows[4]["objective"])):
        ours[col] = (ours["objective"] - base) / abs(base) if base else math.nan
    # two cores: on big events the bound is computed beside the search, in a process of its own
    plan2, seconds, peak, cpu = measure(lambda: mm.seat(community, time_limit=time_limit, seed=seed, workers=2, **kw))
    rows.append(row(name, "ours, workers=2", prob, prob.to_tab(plan2.assignments), plan2.bound, seconds,
                    peak, cpu))
    if name.startswith("300"):
        rows.append(replan(community, kw, plan, seed))
    return rows


def replan(community: mm.Community, kw: dict, plan: mm.Plan, seed: int) -> dict:
    """Round 1 held; 5 no-shows and 3 walk-ins; rounds 2-4 re-planned (target: < 10 s)."""
    rng = np.random.default_rng(seed)
    held = plan.assignments[plan.assignments["round"] == 1]
    hosts = set(kw.get("hosts", []))
    req = kw["requests"]
    asked = {m for p in req.together + req.apart for m in p}
    present = [m for m in community.ids if m not in hosts and m not in asked]
    no_shows = set(rng.choice(present, 5, replace=False))
    walk_ins = pd.DataFrame({"id": [f"walkin{k}" for k in range(3)], "offers": ["seo", "pricing", "sales"],
                             "needs": ["branding", "", "website"], "sector": ["art", "crafts", "writing"]})
    bigger = mm.Community.from_frame(pd.concat([community.to_frame(), walk_ins], ignore_index=True))
    later = [m for m in community.ids if m not in no_shows] + walk_ins["id"].tolist()
    attendance = {1: community.ids, **{r: later for r in range(2, kw["rounds"] + 1)}}
    kw2 = dict(kw)
    again, seconds, peak, cpu = measure(lambda: mm.seat(bigger, locked=held, attendance=attendance, time_limit=8,
                                                   seed=seed, **kw2))
    kept = again.assignments[again.assignments["round"] == 1].reset_index(drop=True)
    untouched = kept.equals(held.sort_values(["round", "table", "member"]).reset_index(drop=True))
    prob = S.build_problem(bigger, locked=held, attendance=attendance, **kw2)
    out = row("300 replan", "ours (round 1 locked)", prob, prob.to_tab(again.assignments), again.bound, seconds, peak,
              cpu)
    out["round1_untouched"] = untouched
    return out


INSTANCES = {"60": 10, "120": 20, "300": 30, "2000": 120, "golfer 5-3-7": 30, "golfer 8-4-9": 30}


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one tiny instance, 2 s per method")
    parser.add_argument("--only", help="run the instances whose name contains this text")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    S.warm_up()  # compile the kernel before any clock starts
    todo = {"tiny": 2.0} if args.quick else {k: v for k, v in INSTANCES.items() if not args.only or args.only in k}
    rows = []
    for name, limit in todo.items():
        rows += run(name, limit, args.seed)
    print("time limits (s): " + ", ".join(f"{k} {v:g}" for k, v in todo.items()) + "; shared 2-core machine")
    return print_table(rows, extra=["cpu_s", "repeats", "violations", "vs_SA", "vs_SA_compiled", "vs_SA_gains",
                                       "round1_untouched"])


if __name__ == "__main__":
    main()
