"""Running the block tasks under the monitor: in this process, in worker processes, or on Dask.

Blocks are solved largest first. In this process a block that stops early leaves its time to
the next ones, and the monitor is asked between chunks of the local search, so a callback that
returns False (or a stopping criterion) stops the solve within a fraction of a second. In worker
processes or on Dask it is asked as each block finishes; the blocks not finished are cancelled.
Either way every block not solved gets its constructive start, so a whole plan comes back.
"""

from __future__ import annotations

import importlib
import os
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from matchmaking.scoring.affinity import Affinity
from matchmaking.solvers.cohorts.blocks import Block
from matchmaking.solvers.cohorts.bound import city_bound
from matchmaking.solvers.cohorts.tasks import BlockResult, solve_task, start_only
from matchmaking.solvers.control import Monitor


def run_blocks(problems: list[Block], monitor: Monitor, budget: float, *, hi: int, workers: int = 1,
               client: Any = None, address: str | None = None) -> list[BlockResult]:
    """Solve every block within ``budget`` seconds of search in all (shared by size); one result each."""
    order = sorted(range(len(problems)), key=lambda r: -len(problems[r].members))
    results: list[BlockResult | None] = [None] * len(problems)
    total = sum(len(b.members) for b in problems)
    end = time.time() + budget  # the blocks' shared limit, as a wall-clock time (workers share the clock)
    for b in problems:
        b.wall_deadline = end
    state = {"done": 0, "tries": 0, "score": 0.0}

    def finished(r: int, res: BlockResult) -> bool:
        results[r] = res
        state["done"] += 1
        state["tries"] += int(res.stats.get("tries", 0))
        state["score"] += res.score
        return monitor.report(f"block {state['done']}/{len(problems)}", objective=state["score"],
                              iteration=state["tries"], message=problems[r].key, force=True)

    if client is not None or address is not None:
        from matchmaking.parallel import dask_client, run_tasks

        with dask_client(client, address) as dc:
            dc.run(importlib.import_module, "matchmaking.solvers.cohorts.tasks")  # workers import the engine once
            slots = max(sum(w.get("nthreads", 1) for w in dc.scheduler_info()["workers"].values()), 1)
            for b in problems:
                b.time_limit = _share(budget, b, total, slots)
            shipped = [(problems[r], None, hi) for r in order]
            with warnings.catch_warnings():  # the blocks are the members' rows: a graph of a few MB is expected
                warnings.filterwarnings("ignore", message="Sending large graph")
                run_tasks(solve_task, shipped, client=dc, on_result=lambda k, res: finished(order[k], res))
    elif workers > 1 and len(problems) > 1:
        for b in problems:
            b.time_limit = _share(budget, b, total, workers)
        with ProcessPoolExecutor(max_workers=min(workers, os.cpu_count() or 1)) as pool:
            futures = {r: pool.submit(solve_task, problems[r], None, hi) for r in order}
            for r in order:
                if monitor.stopped:
                    futures[r].cancel()
                    continue
                if not finished(r, futures[r].result()):
                    for f in futures.values():
                        f.cancel()
    else:
        deadline = time.perf_counter() + budget
        left = total
        for r in order:
            if monitor.stopped or time.perf_counter() >= deadline:
                break  # the blocks left keep their start
            b = problems[r]
            b.time_limit = max((deadline - time.perf_counter()) * len(b.members) / max(left, 1),
                               b.params.min_block_seconds)
            left -= len(b.members)
            base = state["tries"]
            phase = f"block {state['done'] + 1}/{len(problems)}"

            def tick(tries: int, base: int = base, phase: str = phase) -> bool:
                return monitor.report(phase, objective=state["score"], iteration=base + tries)

            finished(r, solve_task(b, tick, hi))
    return [res if res is not None else start_only(b, hi) for b, res in zip(problems, results, strict=True)]


def _share(budget: float, b: Block, total: int, slots: int) -> float:
    """A block's seconds when ``slots`` blocks run at once: its share of the work, by size."""
    return max(budget * len(b.members) / max(total, 1) * max(1, slots), b.params.min_block_seconds)


def city_bound_task(aff: Affinity, offers: np.ndarray, needs: np.ndarray, needs_weight: float,
                    spread: Sequence[tuple[np.ndarray, float]], lo: int, hi: int, seconds: float) -> tuple[float, int]:
    """:func:`~matchmaking.solvers.cohorts.bound.city_bound` within ``seconds`` from now (a task)."""
    return city_bound(aff, offers, needs, needs_weight, spread, lo, hi, deadline=time.perf_counter() + seconds)


def run_city_bounds(cities: list[tuple], seconds: float, *, client: Any = None,
                    address: str | None = None) -> list[tuple[float, int]]:
    """The bound of each city cut into sub-blocks, sharing ``seconds`` by the square of their sizes."""
    if not cities:
        return []
    weights = np.asarray([float(len(c[0].community)) ** 2 for c in cities])
    shares = seconds * weights / weights.sum()
    tasks = [(*c, float(s)) for c, s in zip(cities, shares, strict=True)]
    if client is None and address is None:
        return [city_bound_task(*t) for t in tasks]
    from matchmaking.parallel import run_tasks

    return run_tasks(city_bound_task, tasks, client=client, address=address)
