"""Repeat repair: a social-golfer tabu search that removes repeated encounters.

Up to :data:`GOLFER_SIZE` members the search is :class:`~matchmaking.solvers.seating.golfer.GolferSearch`
(a compiled conflict-directed tabu search on a pair-meeting count matrix, swaps evaluated in
``O(table size)``, restarts near the best plan with random swaps); bigger events use the tabu
search over the whole kernel state (:func:`matchmaking.solvers.seating.kernel.tabu`), which
needs no n x n class matrix. Either is driven in chunks (progress, stop and deadline between
chunks) and leaves the state at the plan with the fewest repeats.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from matchmaking.solvers.seating import kernel as K
from matchmaking.solvers.seating.golfer import GolferSearch
from matchmaking.solvers.seating.problem import movable

if TYPE_CHECKING:
    from matchmaking.solvers.seating.problem import SeatingProblem
    from matchmaking.solvers.seating.state import SeatingState
    from matchmaking.solvers.seating.tracker import Tracker

__all__ = ["GOLFER_SIZE", "pair_classes", "repair_repeats"]

#: Largest event (members) repaired by the golfer search (its class matrix is n x n).
GOLFER_SIZE = 600


def pair_classes(p: SeatingProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(cls, cap, bad)`` of the golfer search on ``p``: one class per pair; capacity one
    meeting, none for pairs who met before, every round for pairs kept together; ``bad`` the
    apart pairs.

    Examples
    --------
    >>> import matchmaking as mm
    >>> p = mm.solvers.seating.build_problem(mm.datasets.synthetic_community(6, seed=0), tables=2, table_size=3)
    >>> cls, cap, bad = pair_classes(p)
    >>> cls.shape, int(cap[cls[0, 1]]), bool(bad.any())
    ((6, 6), 1, False)
    """
    n = p.n
    idx = np.arange(n)
    cls = np.minimum(idx[:, None], idx[None, :]) * n + np.maximum(idx[:, None], idx[None, :])
    cap = np.ones(n * n, dtype=np.int64)
    cap[cls[p.met_before]] = 0
    cap[cls[p.together]] = max(p.rounds, 1)
    bad = np.zeros((n, n), dtype=np.uint8)
    for i, others in enumerate(p.apart):
        for j in others:
            bad[i, j] = bad[j, i] = 1
    return cls, cap, bad


def repair_repeats(state: SeatingState, seed: int, deadline: float, max_iter: int, give_up: int = 10_000,
                   search: Tracker | None = None, *, tenure: int = 4, stall_limit: int = 500) -> None:
    """Swap members to remove repeated encounters.

    Stops at zero repeats, the deadline, ``max_iter`` iterations, ``give_up`` iterations
    without fewer repeats, or when ``search`` says stop (the callback hears of the walk
    between chunks, with the repeats left in its message). The state ends at the plan with
    the fewest repeats (the golfer search counts a meeting of a pair who met before once).
    """
    p = state.p
    rounds = [r for r in range(p.rounds) if r not in p.locked_rounds]
    if not rounds:
        return
    if p.n <= GOLFER_SIZE:
        cls, cap, bad = pair_classes(p)
        walk = GolferSearch(state.tab, p.n_tables, cls, cap, rounds, free=movable(p), bad=bad, seed=seed,
                            tenure=tenure, stall_limit=stall_limit)
        best = lambda: walk.best_conflicts  # noqa: E731
    else:
        walk = K.Tabu(K.Kernel(p, state.tab), rounds, movable(p), seed, tenure=tenure, stall_limit=stall_limit)
        best = lambda: walk.best_repeats  # noqa: E731
    done = last_gain = 0
    chunk = 50
    best_rep = best()
    while best_rep > 0 and done < max_iter and done - last_gain < give_up and time.perf_counter() < deadline:
        if search is not None and search.stopped:
            break
        t = time.perf_counter()
        step = min(chunk, max_iter - done)
        done += walk.run(step)
        if best() < best_rep:
            best_rep, last_gain = best(), done
        if search is not None and not search.record(message=f"{best_rep} repeats left after {done} tabu iterations"):
            break
        # chunks of about a tenth of a second; with a fixed effort, fixed chunks (the stopping
        # tests run between chunks, so their sizes must not depend on the clock)
        if search is None or search.max_iterations is None:
            chunk = int(min(max(step * 0.1 / max(time.perf_counter() - t, 1e-6), 10), 20_000))
    state.load(walk.best_tab)
