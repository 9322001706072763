"""Solving in the background: an engine in a worker thread, its progress, a stop flag, its result.

The panels start every solve through :class:`SolveJob`, so ``panel.solve()`` returns at once and
the kernel stays usable (the engines' heavy loops run in numba, OR-Tools or numpy). The job
hands the engine a ``callback`` that records each progress record and returns ``False`` once
:meth:`SolveJob.stop` was asked: the engine then returns the best plan found so far. Plain
Python, no widgets: usable from scripts too.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any


def progress_record(*args: Any, started: float | None = None) -> dict[str, Any]:
    """One engine progress record as a dict: ``phase, elapsed, objective, bound, ...``.

    Accepts a :class:`~matchmaking.solvers.control.Progress` (its ``as_dict()``), a dict
    (``time`` and ``stage`` are read as ``elapsed`` and ``phase``) or an older ``(block, stats)``
    pair of arguments.

    Examples
    --------
    >>> progress_record({"time": 1.5, "objective": 3.0, "stage": "lns"})
    {'objective': 3.0, 'elapsed': 1.5, 'phase': 'lns'}
    >>> progress_record("Lyon", {"cohorts": 4})["phase"]
    'block Lyon'
    """
    if len(args) == 2 and isinstance(args[1], Mapping):
        rec: dict[str, Any] = {"phase": f"block {args[0]}", **args[1]}
    elif len(args) == 1 and hasattr(args[0], "as_dict"):
        rec = dict(args[0].as_dict())
    elif len(args) == 1 and isinstance(args[0], Mapping):
        rec = dict(args[0])
    else:
        rec = {"message": " ".join(str(a) for a in args)}
    if "time" in rec and "elapsed" not in rec:
        rec["elapsed"] = rec.pop("time")
    if "stage" in rec and "phase" not in rec:
        rec["phase"] = rec.pop("stage")
    if "elapsed" not in rec and started is not None:
        rec["elapsed"] = time.perf_counter() - started
    return rec


def accepts(engine: Callable[..., Any], name: str) -> bool:
    """Whether ``engine`` takes the keyword argument ``name``."""
    try:
        params = inspect.signature(engine).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return True
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


class SolveJob:
    """Run ``engine(*args, **kwargs)`` in a daemon thread with a progress callback and a stop flag.

    Parameters
    ----------
    engine : callable
        ``mm.seat``, ``mm.form_cohorts``, ``mm.pair``, ``mm.help_squad`` or any callable
        returning a plan; given ``callback=`` when it takes one.
    args, kwargs
        Its arguments.
    on_progress : callable, optional
        ``on_progress(record)`` with each :func:`progress_record` (in the worker thread).
    on_done : callable, optional
        ``on_done(job)`` once the engine returned or raised (in the worker thread, before
        :meth:`wait` returns).

    Examples
    --------
    >>> def engine(n, *, callback=None):
    ...     for i in range(n):
    ...         if callback({"objective": float(i), "iteration": i}) is False:
    ...             return "stopped at %d" % i
    ...     return "done"
    >>> job = SolveJob(engine, (3,)).start()
    >>> job.wait(), [h[1] for h in job.history]
    ('done', [0.0, 1.0, 2.0])
    """

    def __init__(
        self,
        engine: Callable[..., Any],
        args: tuple = (),
        kwargs: Mapping[str, Any] | None = None,
        *,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
        on_done: Callable[[SolveJob], None] | None = None,
    ) -> None:
        self.engine = engine
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.on_progress = on_progress
        self.on_done = on_done
        self.result: Any = None
        self.error: BaseException | None = None
        self.history: list[tuple[float, float, float | None]] = []
        self.last: dict[str, Any] = {}
        self.started = 0.0
        self.finished: float | None = None
        self.stop_requested = False
        self.listens = accepts(engine, "callback")
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ control
    def start(self) -> SolveJob:
        """Start the solve in a daemon thread; returns at once."""
        if self._thread is not None:
            raise RuntimeError("a SolveJob runs once")
        kwargs = dict(self.kwargs)
        if self.listens:
            kwargs["callback"] = self._callback
        self.started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, args=(kwargs,), name="matchmaking-solve", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the engine to stop: its next progress call returns False and it returns its best plan."""
        self.stop_requested = True

    def wait(self, timeout: float | None = None) -> Any:
        """Wait for the result; re-raises the engine's error. TimeoutError if still running."""
        if self._thread is None:
            raise RuntimeError("the job was not started")
        if not self._done.wait(timeout):
            raise TimeoutError(f"the solve is still running after {timeout} s (stop() ends it early)")
        if self.error is not None:
            raise self.error
        return self.result

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._done.is_set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def elapsed(self) -> float:
        if not self.started:
            return 0.0
        return (self.finished or time.perf_counter()) - self.started

    # ------------------------------------------------------------------ worker side
    def _callback(self, *args: Any) -> bool | None:
        rec = progress_record(*args, started=self.started)
        self.last = rec
        objective = rec.get("objective")
        if isinstance(objective, (int, float)):
            bound = rec.get("bound")
            self.history.append((float(rec.get("elapsed", self.elapsed)), float(objective),
                                 float(bound) if isinstance(bound, (int, float)) else None))
        if self.on_progress is not None:
            with contextlib.suppress(Exception):  # a display problem must never kill the solve
                self.on_progress(rec)
        return False if self.stop_requested else None

    def _run(self, kwargs: dict[str, Any]) -> None:
        try:
            self.result = self.engine(*self.args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - kept and re-raised by wait()
            self.error = exc
        finally:
            self.finished = time.perf_counter()
            if self.on_done is not None:
                try:
                    self.on_done(self)
                except BaseException as exc:  # noqa: BLE001
                    if self.error is None:
                        self.error = exc
            self._done.set()


__all__ = ["SolveJob", "accepts", "progress_record"]
