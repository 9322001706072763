"""Shared benchmark helpers: measure time and peak memory, print the standard table.

Every benchmark prints one table with the columns
``instance, method, objective, bound, gap, time_s, peak_mb`` (plus any extra columns).
Peak memory is measured with ``tracemalloc`` (Python allocations, including numpy) in the
same process; run each method in turn, never in parallel.
"""

from __future__ import annotations

import math
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

COLUMNS = ["instance", "method", "objective", "bound", "gap", "time_s", "peak_mb"]


def measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``fn()``; return ``(result, seconds, peak MiB of Python allocations)``."""
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        result = fn()
    finally:
        seconds = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, seconds, peak / 2**20


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
