"""The bookkeeping every phase of the seating search shares: best plan, budget, progress and stop.

The clock, the user's stopping criteria and the callback are the solve's
:class:`~matchmaking.solvers.control.Monitor`; the tracker adds what is seating's own: the best
plan in lexicographic order (no repeats first, then the objective), a deadline a phase may
shorten, a fixed effort (``iterations=``) and the stop once the proven bound is reached.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matchmaking.solvers.control import Monitor
    from matchmaking.solvers.seating.state import SeatingState

__all__ = ["Tracker"]


class Tracker:
    """The best plan of one solve and its budget.

    Parameters
    ----------
    state : SeatingState
        The current seating (the phases move it; :meth:`improved` compares it to the best).
    monitor : Monitor
        Clock, stopping criteria and callback of the solve.
    bound : float
        A proven bound: the search stops once the best plan reaches it.
    max_iterations : int, optional
        A fixed effort in annealing proposals (None: the clock decides).
    """

    def __init__(self, state: SeatingState, monitor: Monitor, bound: float = math.inf, *,
                 max_iterations: int | None = None) -> None:
        self.state = state
        self.monitor = monitor
        self.bound = bound
        self.deadline = monitor.deadline
        self.iterations = 0
        self.max_iterations = max_iterations
        self.phase = "start"
        self.done = False  # the bound is reached: nothing better exists
        self.clock_ended = False  # a phase ended by the clock (with a fixed effort: the effort was cut short)
        self.best_key = state.key()
        self.best_tab: np.ndarray = state.tab.copy()
        self.best_repeats = state.repeats
        self.record(force=True)
        self._check_bound()

    @property
    def stopped(self) -> bool:
        """The solve must end: stopped by the user (callback, criterion), out of time, or optimal."""
        return self.done or self.monitor.stopped

    def enter(self, phase: str) -> None:
        """A new phase starts (the callback hears of it)."""
        self.phase = phase
        self.record(force=True)

    def _check_bound(self) -> None:
        if -self.best_key[1] >= self.bound - 1e-9 * max(1.0, abs(self.bound)):
            self.done = True

    def out_of_budget(self) -> bool:
        """Whether the phase must end: stopped, past the deadline (noted in ``clock_ended``), or the effort spent."""
        if self.stopped:
            return True
        if time.perf_counter() >= self.deadline or self.monitor.time_up():
            self.clock_ended = True
            return True
        return self.max_iterations is not None and self.iterations >= self.max_iterations

    def improved(self) -> bool:
        """Keep the current seating if it beats the best plan; whether it did."""
        key = self.state.key()
        if key < (self.best_key[0], self.best_key[1] - 1e-9):
            self.offer(self.state.tab, key, self.state.repeats)
            return True
        return False

    def offer(self, tab: np.ndarray, key: tuple[int, float], repeats: int) -> None:
        """A seating found by a phase (``key`` as :meth:`SeatingState.key`), kept if better."""
        if key < (self.best_key[0], self.best_key[1] - 1e-9):
            self.best_key = key
            self.best_tab = tab.copy()
            self.best_repeats = int(repeats)
            self.record()
            self._check_bound()

    def record(self, force: bool = False, message: str = "") -> bool:
        """Tell the monitor where the solve stands; False when it must stop."""
        if self.monitor.stopped:  # the callback is not called again once the solve stopped
            return False
        bound = self.bound if math.isfinite(self.bound) else None
        return self.monitor.report(self.phase, objective=-self.best_key[1], bound=bound, iteration=self.iterations,
                                   repeats=self.best_repeats, message=message, force=force)
