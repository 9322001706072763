"""A first-order solver for the dual of the (multi-round) grouping relaxation.

The relaxation of ``R`` rounds maximises ``sum_r <C_r(mu), X_r> + sum_pairs mu_ij`` over one
PSD same-group matrix per round (:mod:`.relax`), where ``mu_ij >= 0`` prices a pair meeting in
several rounds (the pair's value counts once; :mod:`.rounds` turns ``mu`` into weights). Its dual
is solved by the alternating direction method of multipliers in the form of Wen, Goldfarb and Yin
(*Math. Prog. Comp.* 2, 2010) for SDPs with bounds: per iteration, the row multipliers ``y``
(closed form, or a short accelerated proximal gradient when row sums are intervals), the entry
multipliers ``Z`` together with ``mu`` (separable per pair: a monotone scalar equation solved by
bisection), then a projection on the PSD cone per round (one symmetric eigendecomposition), and
the primal step ``X = sigma (-V)_+``.

The solver only *proposes* dual points. Bounds are never taken from it: they are evaluated by
:meth:`.relax.RoundRelaxation.bound` with a proven eigenvalue bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from matchmaking.solvers.bounds.relax import RoundRelaxation

#: Rounds of this many seats or more split ``V`` with a partial single-precision eigendecomposition
#: (only the smaller of its positive and negative parts; measured at 2,000 seats: 0.6 s against 1.6 s).
PARTIAL_SIZE = 1000


@dataclass
class Coupling:
    """Pairs ``i < j`` (global indices) whose meetings are priced jointly across rounds.

    ``wmax`` bounds ``w = mu / 2``; ``present[r]`` says whether the pair sits in round ``r``,
    ``li[r], lj[r]`` are its local rows there (each round as the solver sees it: identical rounds
    may be merged into one, see ``counts`` in :func:`solve`).
    """

    i: np.ndarray
    j: np.ndarray
    wmax: np.ndarray
    present: np.ndarray = field(repr=False)  # R x P bool
    li: np.ndarray = field(repr=False)  # R x P int
    lj: np.ndarray = field(repr=False)

    @classmethod
    def build(cls, rounds: list[RoundRelaxation], i: np.ndarray, j: np.ndarray, wmax: np.ndarray, n: int) -> Coupling:
        R, P = len(rounds), len(i)
        present = np.zeros((R, P), dtype=bool)
        li = np.zeros((R, P), dtype=np.int64)
        lj = np.zeros((R, P), dtype=np.int64)
        for r, rr in enumerate(rounds):
            loc = np.full(n, -1, dtype=np.int64)
            loc[rr.members] = np.arange(len(rr.members))
            present[r] = (loc[i] >= 0) & (loc[j] >= 0)
            li[r], lj[r] = np.maximum(loc[i], 0), np.maximum(loc[j], 0)
        return cls(np.asarray(i), np.asarray(j), np.asarray(wmax, dtype=float), present, li, lj)


@dataclass
class DualPoint:
    """A proposed dual point: pair prices ``w = mu / 2`` and, per round, ``(y, Z)`` in max form."""

    w: np.ndarray
    ys: list[np.ndarray]
    Zs: list[np.ndarray]
    iterations: int = 0
    estimate: float = np.inf  # the solver's (unproven) estimate of the bound
    primal: list[np.ndarray] | None = field(default=None, repr=False)  # the X of each round (diagnostics)
    too_slow: float = 0.0  # seconds per iteration when the run gave up (min_iterations would not fit)
    stopped: bool = False  # ended by ``keep_going``


def _solve_w(g: np.ndarray, present: np.ndarray, wmax: np.ndarray, sigma: float, iters: int = 50) -> np.ndarray:
    """Per pair: the ``w`` in ``[0, wmax]`` with ``1 + sum_r m_r clip(sigma (w + g_r), -1, 0) = 0``.

    ``present`` holds the multiplicity ``m_r`` of each (distinct) round where the pair sits.
    """
    def slope(w: np.ndarray, g: np.ndarray, present: np.ndarray) -> np.ndarray:
        return 1.0 + (present * np.clip(sigma * (w[None, :] + g), -1.0, 0.0)).sum(axis=0)

    lo = np.zeros_like(wmax)
    hi = wmax.copy()
    need = (slope(lo, g, present) < 0) & (hi > 0)  # otherwise w = 0 is optimal
    out = np.zeros_like(wmax)
    if not need.any():
        return out
    if len(g) == 1:  # one (distinct) round: 1 + m clip(sigma (w + g), -1, 0) = 0 in closed form
        m = np.maximum(present[0], 1.0)
        root = -g[0] - 1.0 / (m * sigma)
        return np.where(need, np.clip(root, 0.0, wmax), 0.0)
    g, present, lo, hi = g[:, need], present[:, need], lo[need], hi[need]
    for _ in range(iters):
        mid = (lo + hi) / 2.0
        up = slope(mid, g, present) < 0
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
    out[need] = (lo + hi) / 2.0
    return out


def solve(
    rounds: list[RoundRelaxation],
    weights: np.ndarray,
    coupling: Coupling | None,
    *,
    counts: list[int] | None = None,
    deadline: float = np.inf,
    max_iter: int = 2000,
    check_every: int = 10,
    target: float | None = None,
    stall: float = 1e-5,
    trace: list | None = None,
    min_iterations: int = 0,
    keep_going: Callable[[], bool] | None = None,
    keep: float = 0.0,
) -> DualPoint:
    """Run the ADMM until ``deadline`` (``time.perf_counter``), ``max_iter`` or a stall.

    Parameters
    ----------
    rounds : list of RoundRelaxation
    weights : ndarray (n, n)
        Symmetric first-meeting values ``g`` (global indices).
    coupling : Coupling or None
        Pairs priced across rounds (``None``: rounds independent).
    counts : list of int, optional
        How many identical rounds each relaxation stands for (default 1 each). By symmetry and
        convexity the joint relaxation has an optimum where identical rounds agree.
    target : float, optional
        Stop once the estimated bound is below it (e.g. the objective of a known plan).
    stall : float
        Stop when 50 iterations improved the estimate by less than this share (not tested in the
        first 60 iterations after a change of the step size, see :func:`_stalled`).
    trace : list, optional
        Receives ``(iteration, time, estimate, sigma, primal residual, dual residual)``.
    min_iterations : int
        With a deadline: after 3 iterations, give up (``too_slow`` set) when fewer than this
        many would fit before it.
    keep_going : callable, optional
        Asked after every iteration; ``False`` ends the run there (``stopped`` set).
    keep : float
        Iterations' worth of time (as measured so far in the run) to keep before ``deadline``
        (the caller's certificate, and the iteration that would cross it).

    Returns
    -------
    DualPoint
        The point with the best estimated bound (to be certified by the caller). With
        ``deadline`` infinite the run is a fixed effort (``max_iter``) and deterministic.
    """
    scale = float(np.abs(weights).max()) or 1.0
    g_all = weights / scale
    R = len(rounds)
    counts = [1] * R if counts is None else list(counts)
    P = 0 if coupling is None else len(coupling.i)
    mult = None if coupling is None else coupling.present * np.asarray(counts, dtype=float)[:, None]
    wmax = None if coupling is None else coupling.wmax / scale
    w = np.zeros(P)
    state = []
    for r, rr in enumerate(rounds):
        N = rr.size
        X = np.full((N, N), float(rr.row_hi[0]) / N)
        np.fill_diagonal(X, 1.0)
        st = {"C0": -rr.embed(g_all), "X": X, "S": np.zeros((N, N)), "Z": np.zeros((N, N)), "y": np.zeros(N + 1),
              "wl": np.zeros((N, N))}
        if P:
            pr = coupling.present[r]
            st["li"], st["lj"] = coupling.li[r][pr], coupling.lj[r][pr]
            st["pr"] = pr
        state.append(st)
    sigma = 1.0
    best = DualPoint(w.copy(), [np.zeros(rr.size + 1) for rr in rounds], [np.zeros((rr.size, rr.size)) for rr in rounds])
    history: list[float] = []
    it = changed = 0
    start = time.perf_counter()
    end = deadline
    for it in range(1, max_iter + 1):
        if it > 1 and keep:
            end = deadline - keep * (time.perf_counter() - start) / (it - 1)
        if it == 4 and min_iterations > 3 and np.isfinite(deadline):
            per = (time.perf_counter() - start) / 3
            if time.perf_counter() + per * (min_iterations - 3) > end:
                best.too_slow = per
                break
        for rr, st in zip(rounds, state, strict=True):  # y-step
            G = st["C0"] + st["wl"] - st["Z"] - st["S"] - st["X"] / sigma
            st["y"] = _y_step(rr, G, st["y"], sigma)
            st["Aty"] = rr.adj(st["y"])
        Gs = [st["C0"] - st["Aty"] - st["S"] - st["X"] / sigma for st in state]  # (Z, w)-step
        for rr, st, G in zip(rounds, state, Gs, strict=True):
            st["Z"] = G - np.clip(sigma * G, -rr.upper, -rr.lower) / sigma
        if P:
            gp = np.stack([Gs[r][coupling.li[r], coupling.lj[r]] for r in range(R)])
            w = _solve_w(gp, mult, wmax, sigma)
            a = w[None, :] + gp
            z = a - np.clip(sigma * a, -1.0, 0.0) / sigma
            for r, st in enumerate(state):
                li, lj, zr = st["li"], st["lj"], z[r][st["pr"]]
                st["Z"][li, lj] = zr
                st["Z"][lj, li] = zr
                st["wl"][li, lj] = w[st["pr"]]
                st["wl"][lj, li] = w[st["pr"]]
        rp = rd = 0.0
        for rr, st in zip(rounds, state, strict=True):  # PSD step and primal update
            V = st["C0"] + st["wl"] - st["Aty"] - st["Z"] - st["X"] / sigma
            V = (V + V.T) / 2.0
            st["S"], Xn = _split(V, sigma, st)
            rd += float(np.linalg.norm(Xn - st["X"])) / sigma
            st["X"] = Xn
            ax = rr.op(Xn)
            rp += float(np.linalg.norm(ax - np.clip(ax, rr.row_lo, rr.row_hi)))
            rp += float(np.linalg.norm(Xn - np.clip(Xn, rr.lower, rr.upper)))
        if keep_going is not None and not keep_going():
            best.stopped = True
            break
        if it % check_every and it != max_iter and time.perf_counter() < end:
            continue
        value = _estimate(rounds, counts, state, w) * scale
        history.append(value)
        if trace is not None:
            trace.append((it, time.perf_counter(), value, sigma, rp, rd))
        if value < best.estimate:
            best = DualPoint(w * scale, [-st["y"] * scale for st in state], [-st["Z"] * scale for st in state],
                             it, value, [st["X"] for st in state])
        if time.perf_counter() >= end or (target is not None and best.estimate <= target):
            break
        if _stalled(history, it - changed, check_every, stall):
            break
        if rd > 3 * rp:  # balance primal and dual residuals (the dual residual is X's change / sigma)
            sigma *= 1.5
            changed = it
        elif rp > 3 * rd:
            sigma /= 1.5
            changed = it
    best.iterations = it
    return best


def _split(V: np.ndarray, sigma: float, st: dict) -> tuple[np.ndarray, np.ndarray]:
    """``(V_+, sigma (-V)_+)``: the projection of ``V`` on the PSD cone and the new primal ``X``.

    One product with the smaller eigenspace. From :data:`PARTIAL_SIZE` seats only that part is
    computed, in single precision (the side is the one that was smaller at the last iteration,
    kept in ``st["side"]``): the solver only proposes dual points, so its rounding costs no validity.
    """
    N = len(V)
    if N < PARTIAL_SIZE:
        lam, Q = np.linalg.eigh(V)
        pos = lam > 0
        if pos.sum() <= N // 2:
            S = (Q[:, pos] * lam[pos]) @ Q[:, pos].T
            return S, sigma * (S - V)
        X = sigma * ((Q[:, ~pos] * -lam[~pos]) @ Q[:, ~pos].T)
        return V + X / sigma, X
    positive = st.get("side", "neg") == "pos"
    lam, Q = scipy.linalg.eigh(V.astype(np.float32), subset_by_value=(0.0, np.inf) if positive else (-np.inf, 0.0),
                               driver="evr")
    if len(lam) > N // 2:  # this side was the bigger one: compute the other next time
        st["side"] = "neg" if positive else "pos"
    part = ((Q * np.abs(lam)) @ Q.T).astype(np.float64)
    if positive:
        return part, sigma * (part - V)
    X = sigma * part
    return V + X / sigma, X


def _stalled(history: list[float], since_change: int, check_every: int, stall: float) -> bool:
    """Whether the last five checks improved the estimate by less than the share ``stall``.

    Not tested until more than five checks after the last change of sigma (``since_change``
    iterations ago): the estimate rises for a while after one, which is no stall.

    Examples
    --------
    >>> _stalled([10.0, 9.0, 8.5, 8.4, 8.4, 8.4, 8.4], 100, 10, 1e-3)
    False
    >>> _stalled([8.4, 8.4, 8.4, 8.4, 8.4, 8.4, 8.4], 100, 10, 1e-3)
    True
    >>> _stalled([8.4, 8.5, 8.6, 8.6, 8.5, 8.45, 8.41], 30, 10, 1e-3)  # a rise right after a change
    False
    """
    if since_change <= 5 * check_every or len(history) <= 6:
        return False
    return history[-6] - min(history[-5:]) <= stall * abs(history[-6])


def _y_step(rr: RoundRelaxation, G: np.ndarray, y: np.ndarray, sigma: float) -> np.ndarray:
    """``argmin (sigma/2)|A^* y|^2 - sigma y.A(G) + sum max(-y lo, -y hi)`` (warm-started)."""
    N = rr.size
    a = rr.op(G)
    lo, hi = rr.row_lo, rr.row_hi
    if rr.rows_exact:  # H v = a + lo / sigma with H = (N/2) I + e e^T / 2; the total row is redundant
        rhs = a[:-1] + lo[:-1] / sigma
        sv = rhs.sum() / N
        v = (rhs - sv / 2.0) / (N / 2.0)
        return np.r_[v, 0.0]

    def H(y: np.ndarray) -> np.ndarray:
        v, t = y[:-1], y[-1]
        sv = v.sum()
        return np.r_[(N / 2.0) * v + (sv / 2.0 + t), sv + t]

    L = sigma * (N + 1.0)
    x, z, tk = y.copy(), y.copy(), 1.0
    for _ in range(40):
        u = z - sigma * (H(z) - a) / L
        xn = u - np.clip(L * u, -hi, -lo) / L
        tn = (1 + np.sqrt(1 + 4 * tk * tk)) / 2
        z = xn + ((tk - 1) / tn) * (xn - x)
        x, tk = xn, tn
    return x


def _estimate(rounds: list[RoundRelaxation], counts: list[int], state: list[dict], w: np.ndarray) -> float:
    """The bound of the current dual point with floating-point eigenvalues (scaled units)."""
    total = 2.0 * float(w.sum())
    for r, (rr, st) in enumerate(zip(rounds, state, strict=True)):
        C = -(st["C0"] + st["wl"])
        y, Z = -st["y"], -(st["Z"] + st["Z"].T) / 2
        lam = float(np.linalg.eigvalsh(C - rr.adj(y) - Z)[-1])
        value = rr.size * lam + float(np.maximum(y * rr.row_lo, y * rr.row_hi).sum())
        total += counts[r] * (value + float(np.maximum(Z * rr.lower, Z * rr.upper).sum()))
    return total
