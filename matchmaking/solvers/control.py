"""How every engine is watched and stopped: progress records, stopping criteria, the monitor.

One contract for ``seat``, ``form_cohorts``, ``pair`` and ``help_squad``:

- ``callback=`` is called with one :class:`Progress` record; returning ``False`` stops the solve
  and the best plan found so far is returned;
- ``stop=`` takes stopping criteria (small objects, combined by "any of"): :class:`MaxRuntime`,
  :class:`MaxIterations`, :class:`NoImprovement`, :class:`GapReached`;
- ``time_limit=`` is the wall-clock budget of the whole solve.

An engine creates one :class:`Monitor` and reports to it; the monitor keeps the clock, asks the
criteria, calls the user's callback (at most ``1 / min_interval`` times a second, except on
forced records) and remembers the improvements for :attr:`matchmaking.Plan.progress`.

Examples
--------
>>> m = Monitor(time_limit=10, stop=MaxIterations(100))
>>> m.report("search", objective=5.0, bound=8.0, iteration=50)
True
>>> m.report("search", objective=6.0, bound=8.0, iteration=100)
False
>>> m.stop_reason
'stopped after 100 iterations'
>>> [round(obj) for _, obj, _ in m.history]
[5, 6]
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from matchmaking.errors import InputError


@dataclass(frozen=True)
class Progress:
    """One progress record, given to the callback.

    Attributes
    ----------
    phase : str
        What the engine is doing: ``"start"``, ``"greedy"``, ``"repair"``, ``"search"``,
        ``"lns"``, ``"exact"``, ``"block 3/25"``, ``"done"``...
    elapsed : float
        Seconds since the solve started.
    objective : float or None
        The best objective found so far.
    bound : float or None
        The best proven upper bound so far.
    iteration : int
        Work done so far, in the engine's unit (proposals, blocks, rounds...).
    repeats : int or None
        Repeated encounters in the best plan (seating, pairings).
    violations : int or None
        Broken rules in the best plan (cohorts while repairing sizes...).
    message : str
        Anything else, in words.
    details : dict
        What else the engine knows at this point (a simulation: the event's metrics).

    Examples
    --------
    >>> p = Progress("search", 1.5, objective=90.0, bound=100.0)
    >>> round(p.gap, 3)
    0.1
    >>> p.as_dict()["phase"]
    'search'
    """

    phase: str
    elapsed: float
    objective: float | None = None
    bound: float | None = None
    iteration: int = 0
    repeats: int | None = None
    violations: int | None = None
    message: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """``(bound - objective) / |bound|``; ``inf`` when either is unknown or the bound is 0 (undefined)."""
        if self.objective is None or self.bound is None or not math.isfinite(self.bound):
            return math.inf
        if self.bound == self.objective:
            return 0.0
        if abs(self.bound) < 1e-9:
            return math.inf
        return (self.bound - self.objective) / abs(self.bound)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"details": dict(self.details)}


class StoppingCriterion(Protocol):
    """Anything called with a :class:`Progress` that answers True to stop."""

    def __call__(self, progress: Progress) -> bool: ...  # pragma: no cover


@dataclass
class MaxRuntime:
    """Stop after ``seconds`` of solving.

    >>> MaxRuntime(2)(Progress("search", 2.5))
    True
    """

    seconds: float

    def __post_init__(self) -> None:
        check_time_limit(self.seconds, column="MaxRuntime.seconds")

    def __call__(self, progress: Progress) -> bool:
        return progress.elapsed >= self.seconds

    def __str__(self) -> str:
        return f"stopped at the time limit ({self.seconds:g} s)"


@dataclass
class MaxIterations:
    """Stop once the engine has done ``n`` iterations.

    >>> MaxIterations(10)(Progress("search", 0.1, iteration=9))
    False
    """

    n: int

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise InputError(f"MaxIterations needs a whole number >= 1, not {self.n!r}", column="n")

    def __call__(self, progress: Progress) -> bool:
        return progress.iteration >= self.n

    def __str__(self) -> str:
        return f"stopped after {self.n} iterations"


class NoImprovement:
    """Stop when the objective has not improved for ``seconds`` or ``iterations``.

    >>> stop = NoImprovement(iterations=100)
    >>> stop(Progress("search", 0.0, objective=1.0, iteration=0))
    False
    >>> stop(Progress("search", 0.5, objective=1.0, iteration=150))
    True
    """

    def __init__(self, seconds: float | None = None, iterations: int | None = None) -> None:
        if seconds is None and iterations is None:
            raise InputError("NoImprovement needs seconds= or iterations=", column="NoImprovement")
        if seconds is not None:
            check_time_limit(seconds, column="NoImprovement.seconds")
        if iterations is not None and (not isinstance(iterations, int) or iterations < 1):
            raise InputError(f"NoImprovement iterations must be >= 1, not {iterations!r}", column="iterations")
        self.seconds = seconds
        self.iterations = iterations
        self._best: float | None = None
        self._at: tuple[float, int] = (0.0, 0)

    def __call__(self, progress: Progress) -> bool:
        if progress.objective is not None and (self._best is None or progress.objective > self._best):
            self._best = progress.objective
            self._at = (progress.elapsed, progress.iteration)
            return False
        if self.seconds is not None and progress.elapsed - self._at[0] >= self.seconds:
            return True
        return self.iterations is not None and progress.iteration - self._at[1] >= self.iterations

    def __str__(self) -> str:
        what = f"{self.seconds:g} s" if self.seconds is not None else f"{self.iterations} iterations"
        return f"stopped: no improvement in {what}"


@dataclass
class GapReached:
    """Stop once the gap between objective and bound is at most ``gap`` (0: bound reached).

    >>> GapReached(0.01)(Progress("search", 1.0, objective=99.5, bound=100.0))
    True
    """

    gap: float = 0.0

    def __post_init__(self) -> None:
        if not (isinstance(self.gap, (int, float)) and 0 <= self.gap < math.inf):
            raise InputError(f"GapReached needs a gap >= 0, not {self.gap!r}", column="gap")

    def __call__(self, progress: Progress) -> bool:
        return progress.gap <= self.gap

    def __str__(self) -> str:
        return "stopped: bound reached" if self.gap == 0 else f"stopped: gap within {100 * self.gap:g}%"


class AnyOf:
    """Stop when any of the criteria says so.

    >>> stop = AnyOf(MaxIterations(5), MaxRuntime(1.0))
    >>> stop(Progress("search", 1.2, iteration=1)), str(stop)
    (True, 'stopped at the time limit (1 s)')
    """

    def __init__(self, *criteria: StoppingCriterion) -> None:
        for c in criteria:
            if not callable(c):
                raise InputError(f"a stopping criterion must be callable, not {c!r}", column="stop")
        self.criteria = list(criteria)
        self.fired: StoppingCriterion | None = None

    def __call__(self, progress: Progress) -> bool:
        for c in self.criteria:
            if c(progress):
                self.fired = c
                return True
        return False

    def __str__(self) -> str:
        return str(self.fired) if self.fired is not None else "stopped"


def as_criterion(stop: StoppingCriterion | Iterable[StoppingCriterion] | None) -> AnyOf:
    """``stop=`` as one criterion: None (never), one criterion, or a list (any of them)."""
    if stop is None:
        return AnyOf()
    if callable(stop):
        return stop if isinstance(stop, AnyOf) else AnyOf(stop)
    try:
        return AnyOf(*stop)
    except TypeError:
        raise InputError(f"stop must be a stopping criterion or a list of them, not {stop!r}", column="stop") from None


def check_time_limit(time_limit: object, *, column: str = "time_limit") -> float:
    """A time limit in seconds, > 0 and finite, or InputError.

    >>> check_time_limit(5)
    5.0
    >>> check_time_limit(-1)
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: column 'time_limit': time limit must be a number of seconds > 0, not -1
    """
    ok = isinstance(time_limit, (int, float)) and not isinstance(time_limit, bool)
    if not ok or not (0 < float(time_limit) < math.inf):  # type: ignore[arg-type]
        raise InputError(f"time limit must be a number of seconds > 0, not {time_limit!r}", column=column)
    return float(time_limit)  # type: ignore[arg-type]


def check_seed(seed: object) -> int:
    """A seed: a whole number >= 0, or InputError.

    >>> check_seed(3)
    3
    """
    import numpy as np

    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a whole number >= 0, not {seed!r}", column="seed")
    return int(seed)


Callback = Callable[[Progress], object]


class Monitor:
    """The clock, the stopping criteria and the user's callback of one solve.

    Parameters
    ----------
    time_limit : float
        Seconds for the whole solve, from the monitor's creation.
    stop : criterion or list of criteria, optional
        Extra stopping criteria (any of them).
    callback : callable, optional
        Called with a :class:`Progress`; returning ``False`` stops the solve.
    min_interval : float
        Fewest seconds between two callback calls (forced records always go through).

    Examples
    --------
    >>> seen = []
    >>> m = Monitor(time_limit=5, callback=lambda p: seen.append(p.phase) or len(seen) < 2)
    >>> m.report("greedy", objective=1.0, force=True), m.report("search", objective=2.0, force=True)
    (True, False)
    >>> m.stopped, m.stop_reason, m.time_up()
    (True, 'stopped by the callback', True)
    """

    def __init__(
        self,
        *,
        time_limit: float,
        stop: StoppingCriterion | Iterable[StoppingCriterion] | None = None,
        callback: Callback | None = None,
        min_interval: float = 0.25,
    ) -> None:
        if callback is not None and not callable(callback):
            raise InputError(f"callback must be callable, not {callback!r}", column="callback")
        self.time_limit = check_time_limit(time_limit)
        self.criterion = as_criterion(stop)
        self.callback = callback
        self.min_interval = float(min_interval)
        self.start = time.perf_counter()
        self.deadline = self.start + self.time_limit
        self.stopped = False
        self.stop_reason: str | None = None
        self.history: list[tuple[float, float, float]] = []
        self.last: Progress | None = None
        self._best: float | None = None
        self._bound: float | None = None
        self._called = -math.inf

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def remaining(self) -> float:
        """Seconds left before the deadline (0 once stopped)."""
        return 0.0 if self.stopped else max(self.deadline - time.perf_counter(), 0.0)

    def time_up(self) -> bool:
        """True once the deadline has passed or the solve was stopped."""
        if not self.stopped and time.perf_counter() >= self.deadline:
            self._halt(str(MaxRuntime(self.time_limit)))
        return self.stopped

    def sub_deadline(self, share: float) -> float:
        """A ``perf_counter`` deadline ``share`` of the remaining time from now."""
        return time.perf_counter() + max(0.0, min(1.0, share)) * self.remaining()

    def _halt(self, reason: str) -> None:
        if not self.stopped:
            self.stopped = True
            self.stop_reason = reason

    def report(
        self,
        phase: str,
        *,
        objective: float | None = None,
        bound: float | None = None,
        iteration: int = 0,
        repeats: int | None = None,
        violations: int | None = None,
        message: str = "",
        force: bool = False,
    ) -> bool:
        """Record progress; True to go on, False to stop now (callback, criterion or time)."""
        elapsed = self.elapsed()
        if objective is not None and (self._best is None or objective > self._best):
            self._best = float(objective)
        if bound is not None and math.isfinite(bound):
            self._bound = float(bound) if self._bound is None else min(self._bound, float(bound))
        improved = objective is not None and objective == self._best
        record = Progress(phase, elapsed, self._best, self._bound, int(iteration), repeats, violations, message)
        self.last = record
        if improved and (not self.history or self.history[-1][1] != self._best):
            self.history.append((elapsed, self._best, self._bound if self._bound is not None else math.inf))
        if self.criterion(record):
            self._halt(str(self.criterion))
        if self.callback is not None and (force or elapsed - self._called >= self.min_interval):
            self._called = elapsed
            if self.callback(record) is False:
                self._halt("stopped by the callback")
        return not self.time_up()

    def note(self) -> str | None:
        """The stop reason, worded for a plan's notes (None when the solve ran to its end)."""
        return None if self.stop_reason is None else f"{self.stop_reason}; the best plan found so far is returned"
