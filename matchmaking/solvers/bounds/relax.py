"""The semidefinite relaxation of one round of grouping, and the value of a dual certificate.

One round puts ``n`` people in groups (tables) of given capacities. Empty seats are filled with
*dummies* of weight zero, so that every table is full; a person's row of the same-group matrix
``X`` (``X_ij = 1`` when ``i`` and ``j`` share a group, ``X_ii = 1``) then sums to the capacity
of their table. Every grouping satisfies

- ``X`` positive semidefinite (``X = sum_g 1_g 1_g^T``) with unit diagonal (so ``tr X = N``);
- ``L <= X <= U`` entrywise: ``[0, 1]``, or fixed entries for pinned members (same table: 1,
  different tables: 0), pairs kept together (1) or apart (0);
- row sums between the smallest and the largest capacity (exactly the capacity of the table
  when the capacities are equal or the member is pinned), and a total ``sum_t c_t^2``.

For the maximisation of ``<C, X>`` over that set, *any* ``y`` (one value per row constraint and
one for the total) and any symmetric ``Z`` give the weak-duality bound

    ``<C, X> <= N lambda_max(C - A^*(y) - Z) + sum_k max(y_k lo_k, y_k hi_k) + sum_ij max(Z_ij L_ij, Z_ij U_ij)``

because ``<C, X> = <C - A^* y - Z, X> + y^T A(X) + <Z, X>`` and ``<K, X> <= lambda_max(K) tr X``
for ``X`` PSD. No sign condition, no feasibility tolerance: :meth:`RoundRelaxation.bound`
evaluates it with a proven eigenvalue bound (:func:`~.certify.lambda_max_upper`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matchmaking.solvers.bounds.certify import gamma, lambda_max_upper, safe_sum


@dataclass
class RoundRelaxation:
    """The constraints of one round (members, dummies, box, row sums); weights come separately.

    Attributes
    ----------
    members : ndarray of int
        Global indices of the people of the round (the first ``len(members)`` rows of ``X``).
    size : int
        ``N``: members plus dummies (empty seats).
    lower, upper : ndarray (N, N)
        Entry bounds of ``X`` (diagonal 1).
    row_lo, row_hi : ndarray (N + 1,)
        Bounds of the row sums of ``X`` and, last, of the total sum divided by ``N``.
    """

    members: np.ndarray
    size: int
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)
    row_lo: np.ndarray = field(repr=False)
    row_hi: np.ndarray = field(repr=False)

    @property
    def rows_exact(self) -> bool:
        """True when every row sum is fixed (equal capacities, or pins): the y-step is closed form."""
        return bool(np.array_equal(self.row_lo[:-1], self.row_hi[:-1]))

    def embed(self, weights: np.ndarray) -> np.ndarray:
        """``C = weights / 2`` on the round's members (pairs ``i < j`` counted once), 0 on dummies."""
        m = len(self.members)
        C = np.zeros((self.size, self.size))
        C[:m, :m] = weights[np.ix_(self.members, self.members)] / 2.0
        np.fill_diagonal(C, 0.0)
        return C

    # the row operator A(X) = [row sums; total / N] and its adjoint
    def op(self, X: np.ndarray) -> np.ndarray:
        rows = X.sum(axis=1)
        return np.r_[rows, rows.sum() / self.size]

    def adj(self, y: np.ndarray) -> np.ndarray:
        v, t = y[:-1], y[-1]
        return (v[:, None] + v[None, :]) / 2.0 + t / self.size

    def bound(self, C: np.ndarray, y: np.ndarray, Z: np.ndarray, estimate: float | None = None) -> float:
        """The proven weak-duality bound of ``max <C, X>`` from the dual point ``(y, Z)``.

        ``C`` must be symmetric; ``Z`` is symmetrised first (``(Z + Z^T) / 2`` is exactly
        symmetric in floating point), so the matrix whose eigenvalue is bounded is symmetric too.
        """
        Z = (Z + Z.T) / 2.0
        A = self.adj(y)
        K = C - A - Z
        lam = lambda_max_upper(K, estimate)
        rows = np.maximum(y * self.row_lo, y * self.row_hi)
        box = np.maximum(Z * self.lower, Z * self.upper)
        return self.size * lam + safe_sum(rows) + safe_sum(box) + _form_slack(C, A, Z, self.size)


def _form_slack(C: np.ndarray, A: np.ndarray, Z: np.ndarray, n: int) -> float:
    """``n ||E||_F`` for the rounding ``E`` of forming ``C - A^*(y) - Z`` (``|E| <= gamma_6 (|C|+|A|+|Z|)``)."""
    mag = np.abs(C) + np.abs(A) + np.abs(Z)
    return gamma(6) * n * float(np.sqrt((mag * mag).sum())) * 1.01


def make_round(
    members: np.ndarray,
    capacities: np.ndarray,
    *,
    table_of: np.ndarray | None = None,
    same: np.ndarray | None = None,
    apart: np.ndarray | None = None,
) -> RoundRelaxation:
    """The relaxation of one round.

    Parameters
    ----------
    members : ndarray of int
        Global indices of the people seated in the round.
    capacities : ndarray of int
        Seats per table (tables may stay partly empty: dummies fill them).
    table_of : ndarray of int, optional
        Per member (aligned with ``members``): the table they are fixed at, or -1.
    same, apart : ndarray (n, n) of bool, optional
        Per pair of members (aligned with ``members``): must share a table / must not.

    Examples
    --------
    >>> rr = make_round(np.arange(4), np.array([2, 2]))
    >>> rr.size, rr.rows_exact, float(rr.row_hi[0])
    (4, True, 2.0)
    """
    members = np.asarray(members, dtype=np.int64)
    caps = np.asarray(capacities, dtype=np.int64)
    m = len(members)
    N = int(caps.sum())
    if m > N:
        raise ValueError(f"{m} people for {N} seats")
    lower = np.zeros((N, N))
    upper = np.ones((N, N))
    row_lo = np.full(N + 1, float(caps.min()))
    row_hi = np.full(N + 1, float(caps.max()))
    if same is not None:
        lower[:m, :m][same] = 1.0
    if apart is not None:
        upper[:m, :m][apart] = 0.0
    if table_of is not None:
        t = np.asarray(table_of, dtype=np.int64)
        f = np.flatnonzero(t >= 0)
        eq = (t[f][:, None] == t[f][None, :]).astype(float)
        lower[np.ix_(f, f)] = eq
        upper[np.ix_(f, f)] = eq
        row_lo[f] = row_hi[f] = caps[t[f]].astype(float)
    np.fill_diagonal(lower, 1.0)
    np.fill_diagonal(upper, 1.0)
    row_lo[-1] = row_hi[-1] = float((caps.astype(float) ** 2).sum()) / N
    return RoundRelaxation(members, N, lower, upper, row_lo, row_hi)
