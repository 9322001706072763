"""The bookkeeping every phase of the seating search shares: best plan, progress, callback, stopping."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matchmaking.solvers.seating.state import SeatingState

__all__ = ["Tracker"]


@dataclass
class Tracker:
    """Bookkeeping shared by the improvement phases: best plan, progress, callback, stopping."""

    state: SeatingState
    t0: float
    deadline: float
    bound: float
    callback: Callable[[dict], object] | None = None
    best_key: tuple[int, float] = (0, 0.0)
    best_tab: np.ndarray = None
    progress: list[tuple[float, float, float]] = field(default_factory=list)
    iterations: int = 0
    max_iterations: int | None = None
    stopped: bool = False
    cancelled: bool = False  # the callback returned False: stop, and call it no more
    _last_call: float = -1.0

    def __post_init__(self) -> None:
        self.best_key = self.state.key()
        self.best_tab = self.state.tab.copy()
        self.record(force=True)
        self._check_bound()

    def _check_bound(self) -> None:
        """Stop once the best plan reaches the proven bound: nothing better exists."""
        if self.state.total() >= self.bound - 1e-9 * max(1.0, abs(self.bound)):
            self.stopped = True

    def out_of_budget(self) -> bool:
        if self.stopped or time.perf_counter() >= self.deadline:
            return True
        return self.max_iterations is not None and self.iterations >= self.max_iterations

    def improved(self) -> bool:
        key = self.state.key()
        if key < (self.best_key[0], self.best_key[1] - 1e-9):
            self.best_key = key
            self.best_tab = self.state.tab.copy()
            self.record()
            self._check_bound()
            return True
        return False

    def record(self, force: bool = False, total: float | None = None, repeats: int | None = None) -> None:
        """Note the progress (the current plan's total unless ``total`` is given); call the callback."""
        now = time.perf_counter() - self.t0
        if total is None:
            total, repeats = self.state.total(), self.state.repeats
        if force or not self.progress or now - self.progress[-1][0] >= 0.05:
            self.progress.append((now, total, self.bound))
        else:
            self.progress[-1] = (self.progress[-1][0], total, self.bound)
        if self.callback is not None and not self.cancelled and (force or now - self._last_call >= 0.25):
            self._last_call = now
            info = {"time": now, "objective": total, "bound": self.bound, "repeats": repeats,
                    "iteration": self.iterations}
            if self.callback(info) is False:
                self.stopped = self.cancelled = True
