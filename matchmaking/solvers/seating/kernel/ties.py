"""The best candidate of a tabu search's neighbourhood, ties broken at random (numba).

Each search scans its neighbourhood once per iteration and keeps one best candidate: among
equally good ones, the ``k``-th seen replaces the kept one with probability ``1/k`` (reservoir
sampling), so every tie is equally likely to be made. The helpers are inlined into the scans
(``inline="always"``): they run once per candidate, the hottest line of the searches.
"""

from __future__ import annotations

import numba as nb

from matchmaking.solvers.seating.kernel.core import rand, randint


@nb.njit(cache=True, inline="always")
def keep_most(d, i, j, b, bd, bi, bj, bb, ties, rng):
    """Candidate ``(i, j, b)`` of gain ``d >= bd`` against the kept ``(bi, bj, bb)`` of gain ``bd``.

    Returns the new ``(bd, bi, bj, bb, ties)``; ``ties`` counts the candidates of gain ``bd`` seen.
    """
    if d > bd:
        return d, i, j, b, 1
    ties += 1
    if rand(rng) * ties < 1.0:
        return bd, i, j, b, ties
    return bd, bi, bj, bb, ties


@nb.njit(cache=True, inline="always")
def keep_fewest(d, x, y, r, best_d, ties, bx, by, br, rng):
    """Candidate ``(x, y, r)`` of change ``d <= best_d`` against the kept ``(bx, by, br)`` of change ``best_d``.

    Returns the new ``(best_d, ties, bx, by, br)``; ``ties`` counts the candidates of change ``best_d`` seen.
    """
    if d < best_d:
        return d, 1, x, y, r
    ties += 1
    if randint(rng, ties) == 0:
        return best_d, ties, x, y, r
    return best_d, ties, bx, by, br
