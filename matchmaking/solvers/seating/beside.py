"""The proven bound on a second core: the semidefinite bound computed beside the search.

With ``workers >= 2`` a time-limited solve keeps no time at its end for the bound
(:func:`.bound.sdp_budget`): the bound starts at once in a child process, on one BLAS thread,
and its solver runs until 2% before the time limit (or until it converges) while the search keeps its
time on the other core. The relaxation does not depend on the plan (only its early stop at the
plan's value does), so the bound gets the whole time limit instead of a share of it: on large
events that is what lets the relaxation run at all (2,000 people over 3 rounds: about 1 s an
iteration on one core). The engine uses it only where the serial reserve cannot run the
relaxation (:func:`.bound.sdp_fits`): where it can (300 people over 4 rounds, 30 s), the child
measured 0.5-1% lower plans (four runs, 5,050-5,068.5 against 5,074-5,110.5) for a bound 0.2%
tighter. Solves under :data:`MIN_SECONDS` keep the serial reserve.

A process, not a thread: SciPy's partial eigendecomposition holds the GIL (a thread beside it
slowed the search at 2,000 people by 1.2%). The child is a fresh interpreter running this module
(``python -c``; no fork of a process that may run threads, and unlike ``multiprocessing``'s spawn
it does not re-run the caller's script), fed the pickled problem through a pipe; it starts in about
two seconds. The bound is abandoned when the solve is stopped early, and when the child fails or
does not answer in time (the degree bound is printed then, with a note); the child is then killed. A fixed effort (``iterations=``) keeps
the serial bound: the child's bound would depend on the clock.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from matchmaking.solvers.seating.bound import plan_seconds, sdp_bound, with_reading

if TYPE_CHECKING:
    from matchmaking.solvers.control import Monitor
    from matchmaking.solvers.seating.params import SeatingParams
    from matchmaking.solvers.seating.problem import SeatingProblem

__all__ = ["BoundBeside", "serve"]

#: Seconds past the time limit the plan waits for the bound's process before printing the cheap bounds.
GRACE = 0.25
#: Share of the time limit the child keeps for an iteration or a proof that runs longer than measured.
LATE = 0.02
#: Fewest seconds worth a child (it starts in about two; shorter solves keep the serial reserve).
MIN_SECONDS = 5.0


def serve() -> None:
    """The child: read ``(problem, until)`` from stdin, write the pickled :func:`.bound.sdp_bound` to stdout.

    ``until`` is a ``time.time()``, the clock both processes share.
    """
    problem, until = pickle.load(sys.stdin.buffer)
    out = sdp_bound(problem, time_limit=max(until - time.time(), 0.0), threads=1, forecast=False)
    pickle.dump(out, sys.stdout.buffer)
    sys.stdout.buffer.flush()


class BoundBeside:
    """The semidefinite bound of ``problem`` in a child process, until ``seconds`` have passed.

    Use :meth:`start` (``None`` when there is nothing to bound) and, once the search has ended,
    :meth:`result`.

    Examples
    --------
    >>> import matchmaking as mm
    >>> from matchmaking.solvers.control import Monitor
    >>> from matchmaking.solvers.seating import SeatingParams, build_problem
    >>> prob = build_problem(mm.datasets.synthetic_community(24, seed=1), tables=4, table_size=6, rounds=2)
    >>> beside = BoundBeside.start(prob, Monitor(time_limit=60.0), SeatingParams())  # answers once converged
    >>> bound, terms, notes = beside.result(objective=0.0, bound=1e9, terms={})
    >>> "sdp bound" in terms, any("beside the search" in n for n in notes)
    (True, True)
    """

    def __init__(self, problem: SeatingProblem, monitor: Monitor, seconds: float) -> None:
        self.problem, self.monitor = problem, monitor
        payload = pickle.dumps((problem, time.time() + seconds), protocol=pickle.HIGHEST_PROTOCOL)
        # the child finds this package (its folder after the caller's own PYTHONPATH) and has no current
        # directory in front of its path (-P), so that a stray module there cannot shadow it
        root = str(Path(__file__).resolve().parents[3])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), root])),
                   OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        code = "from matchmaking.solvers.seating.beside import serve; serve()"
        self.process = subprocess.Popen([sys.executable, "-P", "-c", code], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self._answer: tuple[bytes, bytes] | None = None
        self._talk = threading.Thread(target=self._communicate, args=(payload,), name="seating-bound", daemon=True)
        try:
            self._talk.start()
        except BaseException:
            self.process.kill()
            raise

    def _communicate(self, payload: bytes) -> None:
        try:
            self._answer = self.process.communicate(payload)
        except (OSError, ValueError):  # killed while talking
            self._answer = None

    @classmethod
    def start(cls, problem: SeatingProblem, monitor: Monitor, params: SeatingParams) -> BoundBeside | None:
        """Start the bound's process; ``None`` (the serial bound then) when the bound is switched off
        (``bound_share=0``), the event has no pair value to bound, less than :data:`MIN_SECONDS` are
        left, or the child cannot be started."""
        # the child answers a little early (LATE of the limit): its last iteration and proof may run long
        seconds = monitor.deadline - time.perf_counter() - plan_seconds(problem) - LATE * monitor.time_limit
        if params.bound_share <= 0 or not (problem.weights > 0).any() or seconds < MIN_SECONDS:
            return None
        try:
            return cls(problem, monitor, seconds)
        except (OSError, RuntimeError, pickle.PicklingError, TypeError, AttributeError):
            return None

    def cancel(self) -> None:
        """End the child now (its bound is not used)."""
        if self.process.poll() is None:
            self.process.kill()
        self._talk.join(1.0)

    def result(self, objective: float, bound: float, terms: dict) -> tuple[float, dict, list[str]]:
        """The tighter of ``bound`` (the cheap bounds, ``terms``) and the child's, with notes.

        Waits for the child until the time limit (plus :data:`GRACE`). A plan that meets ``bound``
        does not wait, nor does a solve stopped before its time limit (a stop or a criterion) whose
        child has not answered yet. A child that fails or is late leaves the cheap bounds and the
        degree bound (:func:`.bound.sdp_bound` without the relaxation), with a note.
        """
        early_stop = self.monitor.stopped and time.perf_counter() < self.monitor.deadline
        if objective >= bound - 1e-9 * max(1.0, abs(bound)) or (early_stop and self._talk.is_alive()):
            self.cancel()
            return bound, terms, []
        self._talk.join(max(self.monitor.deadline - time.perf_counter(), 0.0) + GRACE)
        if self._talk.is_alive() or self._answer is None:
            self.cancel()
            return self._fallback(objective, "did not end within the time limit")
        out, err = self._answer
        try:
            if self.process.returncode != 0:
                lines = err.decode(errors="replace").strip().splitlines()
                raise RuntimeError(f"exit code {self.process.returncode}: {lines[-1] if lines else 'no message'}")
            new, new_terms, notes = pickle.loads(out)  # noqa: S301 - our own child's answer
        except Exception as exc:  # a crash, an import error, memory: no bound from the child
            return self._fallback(objective, f"failed ({exc})")
        if not np.isfinite(new) or new >= bound:
            return bound, terms, notes
        notes = [*notes, "the bound was computed beside the search, in a process of its own (workers >= 2)"]
        return with_reading(self.problem, new, objective, notes), new_terms, notes

    def _fallback(self, objective: float, why: str) -> tuple[float, dict, list[str]]:
        bound, terms, notes = sdp_bound(self.problem, max_iter=0)
        notes = [f"the semidefinite bound computed beside the search {why}: the cheap bounds are printed", *notes]
        return with_reading(self.problem, bound, objective, notes), terms, notes
