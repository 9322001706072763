"""A proven bound on the pair term from how many distinct people each member can meet.

Over a plan, member ``i`` meets at most ``D_i`` distinct others (the seats next to them, summed
over the rounds they attend), and a pair's value counts once. So the pair term is at most the
value of the best *b-matching*: ``max sum_{i<j} w_ij y_ij`` over ``0 <= y <= 1`` with
``sum_j y_ij <= D_i`` (``w`` the positive part of the values, 0 for pairs that cannot meet). Its
linear-programming dual gives, for **any** ``u >= 0``,

    ``pairs <= sum_i D_i u_i + sum_{i<j} max(w_ij - u_i - u_j, 0)``

(weak duality: ``sum w y = sum (w_ij - u_i - u_j) y_ij + sum_i u_i sum_j y_ij``). No solver
accuracy enters: :func:`degree_bound` picks ``u`` by exact coordinate descent (each ``u_i`` set to
the ``(D_i + 1)``-th largest of ``w_ij - u_j``), then evaluates the right-hand side with a
rounding margin. ``u_i`` = half of the ``D_i``-th best value of ``i`` is the old "best partners"
bound's neighbourhood; the descent only lowers the value from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matchmaking.solvers.bounds.certify import gamma, safe_sum

__all__ = ["DegreeBound", "degree_bound", "degree_value"]


@dataclass
class DegreeBound:
    """A proven bound on the pair term with its certificate ``u`` (one price per member)."""

    value: float
    prices: np.ndarray = field(repr=False)
    sweeps: int = 0


def degree_value(values: np.ndarray, degree: np.ndarray, prices: np.ndarray) -> float:
    """The bound that prices ``u >= 0`` prove, with a margin for floating-point rounding.

    Parameters
    ----------
    values : ndarray (n, n)
        Symmetric pair values, 0 (or less) for pairs that cannot meet; the diagonal is ignored.
    degree : ndarray (n,)
        Most distinct partners each member can have.
    prices : ndarray (n,)
        Any non-negative prices (negative ones are clipped to 0).

    Examples
    --------
    >>> W = np.array([[0, 3.0, 1], [3.0, 0, 2], [1, 2, 0]])
    >>> degree_value(W, np.array([1, 1, 1]), np.zeros(3)) >= 6.0  # no prices: every pair
    True
    >>> degree_value(W, np.array([1, 1, 1]), np.array([1.5, 1.5, 0.5])) >= 3.0  # a matching holds 3
    True
    """
    w = np.maximum(np.asarray(values, dtype=float), 0.0)
    u = np.maximum(np.asarray(prices, dtype=float), 0.0)
    D = np.asarray(degree, dtype=float)
    n = len(w)
    iu = np.triu_indices(n, 1)
    slack = np.maximum(w[iu] - u[iu[0]] - u[iu[1]], 0.0)
    # each slack term is two roundings away from exact; the prices' products one more
    margin = gamma(3) * (float(w[iu].sum()) + (n - 1) * float(u.sum()) + float((D * u).sum()))
    return safe_sum(D * u) + safe_sum(slack) + margin


def degree_bound(values: np.ndarray, degree: np.ndarray, *, sweeps: int = 12) -> DegreeBound:
    """Prices by coordinate descent on the b-matching dual, and the bound they prove.

    Parameters
    ----------
    values : ndarray (n, n)
        Symmetric pair values (the positive part is used), 0 for pairs that cannot meet.
    degree : ndarray (n,) of int
        Most distinct partners of each member.
    sweeps : int
        Passes over the members (each exact for one price; the value never increases).

    Returns
    -------
    DegreeBound

    Examples
    --------
    >>> W = np.array([[0, 3.0, 1], [3.0, 0, 2], [1, 2, 0]])
    >>> b = degree_bound(W, np.array([1, 1, 1]))
    >>> 3.0 <= b.value <= 6.0 + 1e-9
    True
    """
    w = np.maximum(np.asarray(values, dtype=float), 0.0).copy()
    np.fill_diagonal(w, 0.0)
    D = np.asarray(degree, dtype=np.int64)
    n = len(w)
    # start where the old bound sits: half of each member's D-th best value
    u = np.zeros(n)
    if n > 1:
        srt = -np.sort(-w, axis=1)
        u = np.where(n - 1 > D, srt[np.arange(n), np.clip(D, 1, n - 1) - 1], 0.0) / 2.0
    done = 0
    while done < sweeps:
        done += 1
        changed = 0.0
        for i in range(n):
            a = w[i] - u
            a[i] = 0.0
            a = a[a > 0]
            k = int(D[i])
            new = 0.0 if len(a) <= k else float(np.partition(a, len(a) - k - 1)[len(a) - k - 1])
            changed = max(changed, abs(new - u[i]))
            u[i] = new
        if changed <= 1e-12 * (float(np.abs(w).max()) + 1.0):
            break
    return DegreeBound(degree_value(w, D, u), u, done)
