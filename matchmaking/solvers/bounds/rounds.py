"""A proven bound on the pair value of several rounds of groups, with repeat penalties.

The pair term of a plan is ``sum_{i<j} f_ij(M_ij)`` where ``M_ij`` is how many rounds ``i`` and
``j`` share a group and ``f_ij(M) = g_ij [M >= 1] - p_ij (M - 1)_+``: the pair's value counts
once (``g = W``, or ``W - penalty`` for a pair that met before, whose every meeting is a repeat)
and each further meeting costs ``p`` (the repeat penalty; 0 for pairs kept together).

**Decoupling the rounds.** For any slope ``s_ij``, ``f_ij(M) <= c_ij(s_ij) + s_ij M`` with
``c_ij(s) = max_M f_ij(M) - s M`` over the meetings the rounds allow (computed exactly: the
maximum of a piecewise-linear function of ``M`` is at ``M_lo``, 1 or ``M_hi``). Summing,

    ``pairs <= sum_{i<j} c_ij(s_ij) + sum_r max_{X_r} sum_{i<j} s_ij X_r,ij``

and each round's maximum is bounded by the dual certificate of its semidefinite relaxation
(:mod:`.relax`). Any ``s`` is valid. ``s = W`` (repeats dropped) counts a pair in every round;
the slopes ``s = g - mu`` of the joint relaxation's multipliers (``mu_ij`` = the price of the
constraint "a pair meets once", solved by :mod:`.admm`) charge pairs that several rounds want.
The printed value is recomputed from ``(s, y_r, Z_r)`` alone (:func:`certify`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from matchmaking.solvers.bounds.admm import Coupling, DualPoint, solve
from matchmaking.solvers.bounds.certify import gamma, safe_sum
from matchmaking.solvers.bounds.relax import RoundRelaxation, make_round


@dataclass
class RoundsData:
    """The pair part of a multi-round grouping problem, in global member indices ``0..n-1``."""

    weights: np.ndarray  # n x n symmetric pair values W
    rounds: list[RoundRelaxation]
    first: np.ndarray  # n x n: g, the value of a first meeting
    penalty: np.ndarray  # n x n: p, the cost of each further meeting
    m_lo: np.ndarray  # n x n: meetings the rounds force (fixed together)
    m_hi: np.ndarray  # n x n: meetings the rounds allow

    @property
    def n(self) -> int:
        return len(self.weights)


@dataclass
class Certificate:
    """A dual certificate of the pair bound: slopes ``s`` and per round ``(y, Z)`` (max form)."""

    slopes: np.ndarray = field(repr=False)
    ys: list[np.ndarray] = field(repr=False)
    Zs: list[np.ndarray] = field(repr=False)


@dataclass
class PairBound:
    """A proven bound on the pair term with its certificate and how it was found."""

    value: float
    certificate: Certificate | None
    method: str
    seconds: float
    iterations: int = 0
    notes: list[str] = field(default_factory=list)


def build(
    weights: np.ndarray,
    capacities: np.ndarray,
    attend: np.ndarray,
    *,
    fixed: np.ndarray | None = None,
    together: np.ndarray | None = None,
    apart: np.ndarray | None = None,
    met_before: np.ndarray | None = None,
    repeat_penalty: float = 0.0,
) -> RoundsData:
    """Collect the rounds' relaxations and each pair's value function.

    Parameters
    ----------
    weights : ndarray (n, n)
        Symmetric pair values.
    capacities : ndarray (T,)
        Seats per table (the same tables every round).
    attend : ndarray (R, n) of bool
        Who sits in each round.
    fixed : ndarray (R, n) of int, optional
        Table each member is fixed at in each round (-1: free).
    together, apart : ndarray (n, n) of bool, optional
        Pairs that share a table in every round both attend / never do.
    met_before : ndarray (n, n) of bool, optional
        Pairs whose every meeting is a repeat.
    repeat_penalty : float
        Cost of each repeated meeting (pairs kept together: none).
    """
    W = np.asarray(weights, dtype=float)
    n = len(W)
    attend = np.asarray(attend, dtype=bool)
    R = len(attend)
    fixed = np.full((R, n), -1, dtype=np.int64) if fixed is None else np.asarray(fixed)
    together = np.zeros((n, n), dtype=bool) if together is None else np.asarray(together, dtype=bool)
    apart = np.zeros((n, n), dtype=bool) if apart is None else np.asarray(apart, dtype=bool)
    met = np.zeros((n, n), dtype=bool) if met_before is None else np.asarray(met_before, dtype=bool)
    met = met & ~together
    rounds, m_lo, m_hi = [], np.zeros((n, n), dtype=np.int64), np.zeros((n, n), dtype=np.int64)
    for r in range(R):
        idx = np.flatnonzero(attend[r])
        rr = make_round(idx, capacities, table_of=fixed[r, idx], same=together[np.ix_(idx, idx)],
                        apart=apart[np.ix_(idx, idx)])
        k = len(idx)
        m_lo[np.ix_(idx, idx)] += (rr.lower[:k, :k] >= 1).astype(np.int64)
        m_hi[np.ix_(idx, idx)] += (rr.upper[:k, :k] >= 1).astype(np.int64)
        rounds.append(rr)
    pen = np.where(together, 0.0, float(repeat_penalty))
    first = W - np.where(met, float(repeat_penalty), 0.0)
    return RoundsData(W, rounds, first, pen, m_lo, m_hi)


def pair_constants(data: RoundsData, slopes: np.ndarray) -> tuple[np.ndarray, float]:
    """``c_ij(s_ij)`` for the pairs ``i < j``, and an upper bound on the rounding of computing them."""
    iu = np.triu_indices(data.n, 1)
    s, g, p = slopes[iu], data.first[iu], data.penalty[iu]
    lo, hi = data.m_lo[iu].astype(float), data.m_hi[iu].astype(float)

    def value(M: np.ndarray) -> np.ndarray:
        return np.where(M >= 1, g - p * np.maximum(M - 1, 0.0), 0.0) - s * M

    one = np.minimum(np.maximum(lo, 1.0), hi)
    c = np.maximum(np.maximum(value(lo), value(one)), value(hi))
    err = gamma(6) * float((np.abs(g) + p * hi + np.abs(s) * hi).sum())
    return c, err


def certify(data: RoundsData, cert: Certificate) -> float:
    """The bound a certificate proves, recomputed from the certificate alone.

    Examples
    --------
    >>> W = np.array([[0, 5.0, 1], [5.0, 0, 2], [1, 2, 0]])
    >>> data = build(W, np.array([2, 1]), np.ones((1, 3), dtype=bool))
    >>> zero = Certificate(W.copy(), [np.zeros(4)], [np.zeros((3, 3))])
    >>> certify(data, zero) >= 5.0  # any dual point gives a valid (here weak) bound
    True
    """
    s = (cert.slopes + cert.slopes.T) / 2.0
    c, err = pair_constants(data, s)
    total = safe_sum(c) + err
    for rr, y, Z in zip(data.rounds, cert.ys, cert.Zs, strict=True):
        total += rr.bound(rr.embed(s), y, Z)
    return float(total)


def distinct_rounds(rounds: list[RoundRelaxation]) -> list[list[int]]:
    """Rounds grouped by identical relaxations (same people, pins, requests and capacities)."""
    groups: list[list[int]] = []
    for r, rr in enumerate(rounds):
        for g in groups:
            first = rounds[g[0]]
            if (first.size == rr.size and np.array_equal(first.members, rr.members)
                    and np.array_equal(first.row_lo, rr.row_lo) and np.array_equal(first.row_hi, rr.row_hi)
                    and np.array_equal(first.lower, rr.lower) and np.array_equal(first.upper, rr.upper)):
                g.append(r)
                break
        else:
            groups.append([r])
    return groups


def coupling(data: RoundsData, rounds: list[RoundRelaxation] | None = None) -> Coupling | None:
    """Pairs free in every round they share, sharing at least two, with room to price a meeting.

    ``rounds``: the (distinct) relaxations the solver iterates on (default: every round).
    """
    n = data.n
    free = np.ones((n, n), dtype=bool)
    for rr in data.rounds:
        k = len(rr.members)
        fixed = rr.lower[:k, :k] == rr.upper[:k, :k]
        free[np.ix_(rr.members, rr.members)] &= ~fixed
    wmax = np.maximum(data.first + data.penalty, 0.0) / 2.0
    ok = np.triu(free & (data.m_hi >= 2) & (data.m_lo == 0) & (wmax > 0), 1)
    i, j = np.nonzero(ok)
    if not len(i):
        return None
    return Coupling.build(data.rounds if rounds is None else rounds, i, j, wmax[i, j], n)


def iteration_seconds(sizes: list[int], threads: int | None = None) -> float:
    """A forecast of one solver iteration on rounds of these sizes (one eigendecomposition each).

    Times a 192 x 192 eigendecomposition on this machine now and scales it by ``(N / 192)^3``,
    twice over for the matrix products and the rest of the iteration. ``threads``: BLAS threads
    (default: :func:`_threads`).
    """
    rng = np.random.default_rng(0)
    M = rng.standard_normal((192, 192))
    M = M + M.T
    unit = np.inf
    with threadpool_limits(threads or _threads(sizes), user_api="blas"):
        np.linalg.eigh(M)  # warm-up (workspace, threads)
        for _ in range(3):
            t = time.perf_counter()
            np.linalg.eigh(M)
            unit = min(unit, time.perf_counter() - t)
    return 2.0 * unit * sum((max(N, 1) / 192.0) ** 3 for N in sizes)


def proof_seconds(per: float, rounds: int, distinct: int) -> float:
    """Time kept for the certificate after the solver: its eigenvalue proof runs once per round,
    identical rounds too, so one forecast iteration (``per``, over the ``distinct`` rounds) per
    round (a Cholesky factorisation, measured at under a tenth of one)."""
    return per * rounds / max(distinct, 1)


def _threads(sizes: list[int]) -> int | None:
    """One BLAS thread for rounds under 1,000 seats: their eigendecompositions are small, and
    threads that wait on a busy machine make them ten times slower."""
    return 1 if max(sizes, default=0) < 1000 else None


def rounds_bound(data: RoundsData, *, time_limit: float = 5.0, max_iter: int | None = None,
                 target: float | None = None, couple: bool = True, min_iterations: int = 20,
                 keep_going: Callable[[], bool] | None = None, threads: int | None = None,
                 forecast: bool = True) -> PairBound:
    """Solve the relaxation's dual and certify the best point: a proven bound on the pair term.

    Parameters
    ----------
    data : RoundsData
    time_limit : float
        Seconds for the solver and the certificate's eigenvalue proof (the solver stops one forecast
        iteration per round, plus one, before the limit to leave time for the proof).
    max_iter : int, optional
        A fixed effort instead of the clock: the same input gives the same bound.
    target : float, optional
        The value of a known plan: stop as soon as the bound is estimated below it.
    couple : bool
        Price pairs that meet in several rounds (the joint relaxation); else rounds are bounded
        one by one (a pair may then count in every round).
    min_iterations : int
        With a time limit, give up (``value = inf``, with a note) when fewer iterations than
        this are forecast to fit: a few iterations give a valid but useless bound.
    keep_going : callable, optional
        Asked after every solver iteration; ``False`` (the solve was stopped) ends the run
        without a certificate (``value = inf``, with a note).
    threads : int, optional
        BLAS threads (default: one under 1,000 seats, else all; one when a search runs beside).
    forecast : bool
        Decide from a forecast of the iteration time (:func:`iteration_seconds`) whether the
        solver runs and when it stops for the certificate. ``False``: from the iterations
        themselves (it gives up after three when ``min_iterations`` would not fit, and keeps two
        measured iterations per round, plus two, for the certificate); for long limits, where the
        forecast's cubic scaling from a small matrix overestimates big rounds (it said 7.5 s an
        iteration at 2,000 seats, against 2 s measured).

    Returns
    -------
    PairBound
        ``value`` is proven (or ``inf``); ``certificate`` reproduces it through :func:`certify`.
    """
    t0 = time.perf_counter()
    groups = distinct_rounds(data.rounds)
    reps = [data.rounds[g[0]] for g in groups]
    with threadpool_limits(threads or _threads([rr.size for rr in reps]), user_api="blas"):
        per = 0.0
        if max_iter is None and forecast:
            per = iteration_seconds([rr.size for rr in reps], threads)
            if per * min_iterations > time_limit:
                return _too_slow(per, min_iterations, time_limit, t0)
        cp = coupling(data, reps) if couple and len(data.rounds) > 1 else None
        # the deadline is checked after each iteration: stop one forecast iteration early, and keep the proof's time
        proof = proof_seconds(per, len(data.rounds), len(groups)) + per
        keep = 0.0 if forecast else 2.0 + 2.0 * len(data.rounds) / len(groups)  # measured: 4.4 s of proof at 2,000 x 3
        deadline = np.inf if max_iter is not None else t0 + max(time_limit - proof, 0.5 * time_limit)
        dp: DualPoint = solve(reps, data.first, cp, counts=[len(g) for g in groups], deadline=deadline,
                              max_iter=max_iter or 100_000, target=target, keep=keep,
                              min_iterations=0 if max_iter is not None else min_iterations, keep_going=keep_going)
        if dp.too_slow:
            return _too_slow(dp.too_slow, min_iterations, time_limit, t0)
        if dp.stopped:
            return PairBound(np.inf, None, "none", time.perf_counter() - t0, dp.iterations,
                             [f"no semidefinite bound: the solve was stopped after {dp.iterations} iteration(s)"])
        slopes = data.first.copy()
        if cp is not None:
            slopes[cp.i, cp.j] -= 2.0 * dp.w
            slopes[cp.j, cp.i] -= 2.0 * dp.w
        ys: list = [None] * len(data.rounds)
        Zs: list = [None] * len(data.rounds)
        for k, g in enumerate(groups):
            for r in g:
                ys[r], Zs[r] = dp.ys[k], dp.Zs[k]
        cert = Certificate(slopes, ys, Zs)
        value = certify(data, cert)
    method = "SDP" + (" joint over rounds" if cp is not None else (" per round" if len(data.rounds) > 1 else ""))
    notes = [f"{method}: first-order dual, {dp.iterations} iteration(s), certified by a Cholesky eigenvalue proof"]
    return PairBound(value, cert, method, time.perf_counter() - t0, dp.iterations, notes)


def _too_slow(per: float, iterations: int, time_limit: float, t0: float) -> PairBound:
    note = (f"no semidefinite bound: one iteration takes about {per:.2g} s here, "
            f"{iterations} do not fit in {time_limit:.3g} s")
    return PairBound(np.inf, None, "none", time.perf_counter() - t0, 0, [note])


def partition_bound(
    weights: np.ndarray,
    capacities: np.ndarray,
    *,
    table_of: np.ndarray | None = None,
    together: np.ndarray | None = None,
    apart: np.ndarray | None = None,
    time_limit: float = 5.0,
    max_iter: int | None = None,
    target: float | None = None,
) -> PairBound:
    """A proven bound on ``max sum_{i<j} W_ij [i, j share a group]`` over groupings into tables.

    Tables have the given capacities (seats may stay empty); ``table_of`` pins people to tables
    (-1: free), ``together`` / ``apart`` are pair masks. The semidefinite relaxation of
    :mod:`.relax`, solved by :mod:`.admm`, certified from its dual.

    Examples
    --------
    >>> from matchmaking.datasets.mdgplib import ranreal
    >>> inst = ranreal(12, 3, seed=4)
    >>> b = partition_bound(inst.weights, inst.upper, max_iter=300)
    >>> best = max(inst.value(np.array(g)) for g in [[0] * 4 + [1] * 4 + [2] * 4])  # one grouping
    >>> b.value >= best
    True
    """
    W = np.asarray(weights, dtype=float)
    n = len(W)
    attend = np.ones((1, n), dtype=bool)
    fixed = None if table_of is None else np.asarray(table_of, dtype=np.int64)[None, :]
    data = build(W, np.asarray(capacities), attend, fixed=fixed, together=together, apart=apart)
    return rounds_bound(data, time_limit=time_limit, max_iter=max_iter, target=target, couple=False)
