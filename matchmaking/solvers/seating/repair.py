"""Repeat repair: a conflict-directed tabu search that removes repeated encounters (social-golfer style).

The compiled search is :func:`matchmaking.solvers.seating.kernel.tabu`; this module drives it
in chunks (progress, stop and deadline between chunks) and leaves the state at the plan with
the fewest repeats.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from matchmaking.solvers.seating import kernel as K
from matchmaking.solvers.seating.problem import movable

if TYPE_CHECKING:
    from matchmaking.solvers.seating.state import SeatingState
    from matchmaking.solvers.seating.tracker import Tracker

__all__ = ["repair_repeats"]


def repair_repeats(state: SeatingState, seed: int, deadline: float, max_iter: int, give_up: int = 10_000,
                   search: Tracker | None = None, *, tenure: int = 4, stall_limit: int = 500) -> None:
    """Swap members to remove repeated encounters (the compiled tabu search, see
    :func:`matchmaking.solvers.seating.kernel.tabu`): stops at zero repeats, the deadline,
    ``max_iter`` iterations, ``give_up`` iterations without fewer repeats, or when ``search``
    says stop (the callback hears of the walk between chunks, with the repeats left in its
    message). The state ends at the plan with the fewest repeats.
    """
    p = state.p
    rounds = [r for r in range(p.rounds) if r not in p.locked_rounds]
    if not rounds:
        return
    kern = K.Kernel(p, state.tab)
    search_ = K.Tabu(kern, rounds, movable(p), seed, tenure=tenure, stall_limit=stall_limit)
    done = last_gain = 0
    chunk = 50
    best_rep = kern.repeats
    while kern.repeats > 0 and done < max_iter and done - last_gain < give_up and time.perf_counter() < deadline:
        if search is not None and search.stopped:
            break
        t = time.perf_counter()
        step = min(chunk, max_iter - done)
        done += search_.run(step)
        if search_.best_repeats < best_rep:
            best_rep, last_gain = search_.best_repeats, done
        if search is not None and not search.record(message=f"{best_rep} repeats left after {done} tabu iterations"):
            break
        # chunks of about a tenth of a second; with a fixed effort, fixed chunks (the stopping
        # tests run between chunks, so their sizes must not depend on the clock)
        if search is None or search.max_iterations is None:
            chunk = int(min(max(step * 0.1 / max(time.perf_counter() - t, 1e-6), 10), 20_000))
    state.load(search_.best_tab)


