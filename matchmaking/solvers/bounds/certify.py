"""Rigorous arithmetic for dual certificates: a safe upper bound on the largest eigenvalue.

Every bound of this package is the value of a dual-feasible point, computed in floating point
with explicit margins, so that the printed number is at least the true optimum even though the
first-order solver that produced the dual point was approximate.

The only delicate quantity is ``lambda_max(M)`` of a symmetric matrix. :func:`lambda_max_upper`
takes a floating-point estimate ``t`` and proves ``lambda_max(M) <= t + margin`` by running a
Cholesky factorisation of ``t I - M``. If the factorisation runs to completion in floating point,
the factor ``R`` satisfies ``R^T R = t I - M + E`` with ``|E| <= gamma_{n+1} |R^T| |R|``
entrywise (Higham, *Accuracy and Stability of Numerical Algorithms*, Thm 10.3; any order of the
inner products, blocked or not), hence ``||E||_2 <= gamma_{n+1} tr(t I - M) / (1 - gamma_{n+1})``
and ``lambda_min(t I - M) >= -||E||_2`` (the argument of Rump, BIT 46, 2006). We use twice that
margin (``gamma_{2n+2}``), add the rounding of forming ``t I - M``, and ignore underflow (entries
are far from the subnormal range here).
"""

from __future__ import annotations

import math

import numpy as np

#: Unit roundoff of IEEE double precision.
UNIT = 2.0**-53


def gamma(k: int) -> float:
    """Higham's ``gamma_k = k u / (1 - k u)``: the relative error bound of ``k`` roundings.

    Examples
    --------
    >>> gamma(1) > 1.1e-16
    True
    """
    ku = k * UNIT
    return ku / (1.0 - ku)


def safe_sum(values: np.ndarray) -> float:
    """An upper bound on the exact sum of ``values`` (floats), whatever the rounding.

    ``math.fsum`` is correctly rounded; one ulp of the result plus ``u`` times the sum of the
    magnitudes covers the products that produced the values (one rounding each).

    Examples
    --------
    >>> safe_sum(np.array([0.1, 0.2])) >= 0.3
    True
    """
    values = np.asarray(values, dtype=float).ravel()
    if not len(values):
        return 0.0
    total = math.fsum(values.tolist())
    slack = 2 * UNIT * float(np.abs(values).sum()) + math.ulp(total)
    return total + slack


def lambda_max_upper(M: np.ndarray, estimate: float | None = None) -> float:
    """A proven upper bound on the largest eigenvalue of the symmetric float matrix ``M``.

    Parameters
    ----------
    M : ndarray (n, n)
        Symmetric; its entries are taken as exact.
    estimate : float, optional
        A floating-point estimate of ``lambda_max(M)`` (computed with ``eigvalsh`` otherwise).

    Returns
    -------
    float
        ``t`` with ``lambda_max(M) <= t``, proven by a Cholesky factorisation of a shift.

    Examples
    --------
    >>> M = np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> t = lambda_max_upper(M)
    >>> 3.0 <= t < 3.0 + 1e-9
    True
    """
    M = np.asarray(M, dtype=float)
    n = len(M)
    if n == 0:
        return -math.inf
    if not np.isfinite(M).all():
        return math.inf
    if n == 1:
        return float(M[0, 0])
    lam = float(np.linalg.eigvalsh(M)[-1]) if estimate is None else float(estimate)
    scale = float(np.abs(M).max()) + 1e-300
    delta = max(1e-12 * scale, 1e-300) * n
    diag = np.diagonal(M).copy()
    for _ in range(60):
        t = lam + delta
        shifted = -M
        shifted[np.diag_indices(n)] = t - diag
        try:
            np.linalg.cholesky(shifted)
        except np.linalg.LinAlgError:
            delta *= 4.0
            continue
        trace = float(np.sum(t - diag))
        g = gamma(2 * n + 2)
        margin = 2.0 * g * max(trace, 0.0) * (1 + 1e-12) / (1.0 - g)
        form = UNIT * float(np.abs(t - diag).max())  # rounding of t - M_ii
        return t + margin + form + math.ulp(t) * 4
    return math.inf  # pragma: no cover - the shift grows geometrically past any eigenvalue
