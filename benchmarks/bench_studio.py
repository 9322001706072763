"""Interaction speed of the panels on the 300-attendee event (datasets/event_300.csv).

Measures what an organizer feels: a move or a swap re-scored, checked and redrawn (aim: < 100 ms),
building the panel and redrawing it after a setting changes (aim: < 1 s), and whether a solve blocks
the kernel: while ``panel.solve()`` runs in the background, a trivial cell-like call is timed every
50 ms (its worst and median delay beyond the 50 ms sleep: the wait for the GIL included). Also the fast scorer against ``Objective.evaluate`` on the
same plan. ``--quick``: fewer repetitions and a shorter solve.

Run: ``python benchmarks/bench_studio.py [--quick]``. Times on a shared machine are noisy.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import measure, print_table  # noqa: E402

import matchmaking as mm  # noqa: E402

EVENT = Path(__file__).resolve().parents[1] / "datasets" / "event_300.csv"


def _row(instance: str, method: str, seconds: float, **extra: object) -> dict[str, object]:
    return {"instance": instance, "method": method, "objective": extra.pop("objective", float("nan")),
            "bound": float("nan"), "gap": float("nan"), "time_s": seconds, "peak_mb": extra.pop("peak_mb", 0.0),
            **extra}


def main(quick: bool = False) -> None:
    event = mm.Community.from_csv(EVENT)
    instance = f"{len(event)} attendees, 30x10, 4 rounds"
    reps = 10 if quick else 40
    rows = []
    panel, seconds, peak = measure(lambda: mm.widgets.seating_panel(
        event, tables=30, table_size=10, rounds=4, spread=["sector"], time_limit=4 if quick else 20))
    rows.append(_row(instance, "build the panel (first: imports the engine)", seconds, peak_mb=peak))
    _, seconds, peak = measure(lambda: mm.widgets.seating_panel(event, tables=30, table_size=10, rounds=4))
    rows.append(_row(instance, "build the panel again", seconds, peak_mb=peak))

    panel.solve()
    t_start = time.perf_counter()
    latencies = []
    while panel.busy:  # a trivial cell-like call every 50 ms while the solve runs in the background
        t0 = time.perf_counter()
        time.sleep(0.05)  # waking up needs the GIL: the wait for it is counted
        sum(i * i for i in range(1000))
        latencies.append(time.perf_counter() - t0 - 0.05)
    plan = panel.wait()
    solve_s = time.perf_counter() - t_start
    rows.append(_row(instance, "solve in the background (whole solve)", solve_s, objective=plan.objective))
    rows.append(_row(instance, f"cell-like call during the solve: worst of {len(latencies)}", max(latencies),
                     latency_ms=1000 * max(latencies)))
    rows.append(_row(instance, "cell-like call during the solve: median", statistics.median(latencies),
                     latency_ms=1000 * statistics.median(latencies)))

    rng = np.random.default_rng(0)
    members = plan.assignments["member"].unique()
    moves, swaps = [], []
    for _ in range(reps):
        m = str(rng.choice(members))
        r = int(rng.integers(1, 5))
        t0 = time.perf_counter()
        panel.move(m, int(rng.integers(1, 31)), round=r)
        moves.append(time.perf_counter() - t0)
        a, b = (str(x) for x in rng.choice(members, 2, replace=False))
        t0 = time.perf_counter()
        panel.swap(a, b, round=r)
        swaps.append(time.perf_counter() - t0)
    for name, times in (("move: re-score + check + redraw", moves), ("swap: re-score + check + redraw", swaps)):
        rows.append(_row(instance, f"{name} (median of {reps})", statistics.median(times),
                         objective=panel.plan.objective))
        rows.append(_row(instance, f"{name} (worst)", max(times)))
    ed = panel.editor
    t_fast = min(measure(lambda: ed.scorer.evaluate(ed.slots))[1] for _ in range(5))
    t_full = min(measure(lambda: ed.objective.evaluate(ed.assignments(), "seating"))[1] for _ in range(5))
    rows.append(_row(instance, "re-score only: PlanScorer (fast, exact)", t_fast, objective=ed.objective_value))
    rows.append(_row(instance, "re-score only: Objective.evaluate (baseline)", t_full,
                     objective=ed.objective.evaluate(ed.assignments(), "seating")["total"]))
    t0 = time.perf_counter()
    panel.color_by.value = "city"
    rows.append(_row(instance, "redraw: colour by another attribute", time.perf_counter() - t0))
    t0 = time.perf_counter()
    panel.weights["goals"].value = 1.0  # a setting: the plan turns stale, the summary redraws
    rows.append(_row(instance, "setting changed: mark stale + redraw", time.perf_counter() - t0))
    assert panel.stale
    print_table(rows, extra=["latency_ms"])


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
