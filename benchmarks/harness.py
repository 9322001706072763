"""Shared benchmark helpers: measure time and peak memory, print the standard table.

Every benchmark prints one table with the columns
``instance, method, objective, bound, gap, time_s, peak_mb`` (plus any extra columns).
Peak memory is the peak resident set size (RSS) of the process while the method runs, above
what it was when the method started, sampled every 5 ms from ``/proc/self/statm`` by a
background thread. Unlike ``tracemalloc`` it does not slow the measured code down, and it
sees native allocations (OR-Tools, numpy). Run each method in turn, never in parallel.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

COLUMNS = ["instance", "method", "objective", "bound", "gap", "time_s", "peak_mb"]


def _rss_bytes(pid: int | str = "self") -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # pragma: no cover - not Linux, or the process just ended
        return 0


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (its children, theirs...), from ``/proc``."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{p}/task/{t}/children") as fh:
                    kids = [int(x) for x in fh.read().split()]
            except OSError:
                kids = []
            out += kids
            todo += kids
    return out


def _tree_rss_bytes() -> int:
    """RSS of this process plus every process it started (e.g. Dask workers)."""
    return _rss_bytes() + sum(_rss_bytes(p) for p in _descendants(os.getpid()))


def measure(fn: Callable[[], Any], *, children: bool = False) -> tuple[Any, float, float]:
    """Run ``fn()``; return ``(result, seconds, peak MiB of RSS above the start)``.

    With ``children``, the RSS is that of this process and all the processes below it (a local
    Dask cluster's workers), sampled every 50 ms.
    """
    rss = _tree_rss_bytes if children else _rss_bytes
    start = rss()
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05 if children else 0.005):
            peak[0] = max(peak[0], rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    try:
        result = fn()
    finally:
        seconds = time.perf_counter() - t0
        done.set()
        sampler.join()
        peak[0] = max(peak[0], rss())
    return result, seconds, (peak[0] - start) / 2**20


def gap(objective: float, bound: float | None) -> float:
    """Relative gap ``(bound - objective) / |bound|``; NaN without a finite bound."""
    if bound is None or not math.isfinite(bound):
        return math.nan
    return (bound - objective) / max(abs(bound), 1e-9)


def print_table(rows: Sequence[dict[str, Any]], extra: Sequence[str] = ()) -> pd.DataFrame:
    """Print rows as the standard benchmark table and return it as a DataFrame."""
    cols = COLUMNS + [c for c in extra if c not in COLUMNS]
    frame = pd.DataFrame(rows).reindex(columns=cols)
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_columns", None):
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return frame
