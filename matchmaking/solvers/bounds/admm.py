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
from dataclasses import dataclass, field

import numpy as np

from matchmaking.solvers.bounds.relax import RoundRelaxation


@dataclass
class Coupling:
    """Pairs ``i < j`` (global indices) whose meetings are priced jointly across rounds.

    ``wmax`` bounds ``w = mu / 2``; ``present[r]`` says whether the pair sits in round ``r``,
    ``li[r], lj[r]`` are its local rows there.
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


def _solve_w(g: np.ndarray, present: np.ndarray, wmax: np.ndarray, sigma: float, iters: int = 50) -> np.ndarray:
    """Per pair: the ``w`` in ``[0, wmax]`` with ``1 + sum_r clip(sigma (w + g_r), -1, 0) = 0``."""
    def slope(w: np.ndarray, g: np.ndarray, present: np.ndarray) -> np.ndarray:
        return 1.0 + np.where(present, np.clip(sigma * (w[None, :] + g), -1.0, 0.0), 0.0).sum(axis=0)

    lo = np.zeros_like(wmax)
    hi = wmax.copy()
    need = (slope(lo, g, present) < 0) & (hi > 0)  # otherwise w = 0 is optimal
    out = np.zeros_like(wmax)
    if not need.any():
        return out
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
    deadline: float,
    max_iter: int = 2000,
    check_every: int = 10,
    target: float | None = None,
) -> DualPoint:
    """Run the ADMM until ``deadline`` (``time.perf_counter``), ``max_iter`` or a stall.

    Parameters
    ----------
    rounds : list of RoundRelaxation
    weights : ndarray (n, n)
        Symmetric first-meeting values ``g`` (global indices).
    coupling : Coupling or None
        Pairs priced across rounds (``None``: rounds independent).
    target : float, optional
        Stop once the estimated bound is below it (e.g. the objective of a known plan).

    Returns
    -------
    DualPoint
        The point with the best estimated bound (to be certified by the caller).
    """
    scale = float(np.abs(weights).max()) or 1.0
    g_all = weights / scale
    R = len(rounds)
    P = 0 if coupling is None else len(coupling.i)
    w = np.zeros(P)
    state = []
    for rr in rounds:
        N = rr.size
        C0 = -rr.embed(g_all)  # min form, without the pair prices
        X = np.full((N, N), float(rr.row_hi[0]) / N)
        np.fill_diagonal(X, 1.0)
        state.append({"C0": C0, "X": X, "S": np.zeros((N, N)), "Z": np.zeros((N, N)), "y": np.zeros(N + 1),
                      "lo": rr.row_lo, "hi": rr.row_hi, "L": rr.lower, "U": rr.upper})
    sigma = 1.0
    best = DualPoint(w.copy(), [np.zeros(rr.size + 1) for rr in rounds], [np.zeros((rr.size, rr.size)) for rr in rounds])
    best_value = np.inf
    history: list[float] = []
    it = 0
    for it in range(1, max_iter + 1):
        wloc = [_local(coupling, w, r, rr.size) for r, rr in enumerate(rounds)] if P else [0.0] * R
        # y-step
        for r, (rr, st) in enumerate(zip(rounds, state, strict=True)):
            G = st["C0"] + wloc[r] - st["Z"] - st["S"] - st["X"] / sigma
            st["y"] = _y_step(rr, G, st["y"], sigma)
            st["Aty"] = rr.adj(st["y"])
        # (Z, w)-step
        Gs = [st["C0"] - st["Aty"] - st["S"] - st["X"] / sigma for st in state]
        for st, G in zip(state, Gs, strict=True):
            st["Z"] = G - np.clip(sigma * G, -st["U"], -st["L"]) / sigma
        if P:
            gp = np.stack([Gs[r][coupling.li[r], coupling.lj[r]] for r in range(R)])
            w = _solve_w(gp, coupling.present, coupling.wmax, sigma)
            a = w[None, :] + gp
            z = a - np.clip(sigma * a, -1.0, 0.0) / sigma
            for r, st in enumerate(state):
                pr = coupling.present[r]
                li, lj = coupling.li[r][pr], coupling.lj[r][pr]
                st["Z"][li, lj] = z[r][pr]
                st["Z"][lj, li] = z[r][pr]
            wloc = [_local(coupling, w, r, rr.size) for r, rr in enumerate(rounds)]
        # PSD step and primal update
        rp = rd = 0.0
        for r, (rr, st) in enumerate(zip(rounds, state, strict=True)):
            V = st["C0"] + wloc[r] - st["Aty"] - st["Z"] - st["X"] / sigma
            V = (V + V.T) / 2.0
            lam, Q = np.linalg.eigh(V)
            pos = lam > 0
            st["S"] = (Q[:, pos] * lam[pos]) @ Q[:, pos].T
            Xn = sigma * ((Q[:, ~pos] * -lam[~pos]) @ Q[:, ~pos].T)
            rd += float(np.linalg.norm(Xn - st["X"])) / sigma
            st["X"] = Xn
            ax = rr.op(Xn)
            rp += float(np.linalg.norm(ax - np.clip(ax, st["lo"], st["hi"])))
            rp += float(np.linalg.norm(Xn - np.clip(Xn, st["L"], st["U"])))
        if it % check_every == 0 or it == max_iter:
            value = _estimate(rounds, state, w, coupling, g_all) * scale
            history.append(value)
            if value < best_value:
                best_value = value
                best = DualPoint(w * scale, [-st["y"] * scale for st in state], [-st["Z"] * scale for st in state],
                                 it, value)
            if target is not None and best_value <= target:
                break
            if len(history) > 6 and history[-6] - min(history[-5:]) <= 1e-6 * abs(history[-6]):
                break
            # balance primal and dual residuals (the dual residual is X's change / sigma)
            if rd > 3 * rp:
                sigma *= 1.5
            elif rp > 3 * rd:
                sigma /= 1.5
        if time.perf_counter() >= deadline:
            break
    best.iterations = it
    return best


def _local(coupling: Coupling, w: np.ndarray, r: int, N: int) -> np.ndarray:
    """``w`` as a symmetric N x N matrix of round ``r`` (zero off the coupled pairs)."""
    M = np.zeros((N, N))
    pr = coupling.present[r]
    M[coupling.li[r][pr], coupling.lj[r][pr]] = w[pr]
    M[coupling.lj[r][pr], coupling.li[r][pr]] = w[pr]
    return M


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


def _estimate(rounds: list[RoundRelaxation], state: list[dict], w: np.ndarray, coupling: Coupling | None,
              g_all: np.ndarray) -> float:
    """The bound of the current dual point with floating-point eigenvalues (scaled units)."""
    total = 2.0 * float(w.sum())
    for r, (rr, st) in enumerate(zip(rounds, state, strict=True)):
        wl = _local(coupling, w, r, rr.size) if coupling is not None and len(w) else 0.0
        C = -(st["C0"] + wl)
        y, Z = -st["y"], -(st["Z"] + st["Z"].T) / 2
        K = C - rr.adj(y) - Z
        lam = float(np.linalg.eigvalsh(K)[-1])
        total += rr.size * lam + float(np.maximum(y * rr.row_lo, y * rr.row_hi).sum())
        total += float(np.maximum(Z * rr.lower, Z * rr.upper).sum())
    return total
