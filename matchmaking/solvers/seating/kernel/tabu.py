"""Compiled tabu search on repeated encounters (social-golfer style) over the state of :mod:`.core`."""

from __future__ import annotations

import numba as nb
import numpy as np

from matchmaking.solvers.seating.kernel.core import (
    MET,
    TOGETHER,
    Kernel,
    load_tab,
    randint,
    relocate,
    rng_state,
    swap_ok,
)
from matchmaking.solvers.seating.kernel.ties import keep_fewest


# ---------------------------------------------------------------------------------------------
# Tabu search on repeats (social-golfer style)
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True)
def _repeats_with(x, r, t, skip, F, mem, size, C, first):
    """Repeats of ``x`` with the members of table ``t`` (round ``r``) but ``skip``: meetings counted from ``first``."""
    out = 0
    for q in range(size[r, t]):
        m = mem[r, t, q]
        if m == x or m == skip:  # noqa: SIM109  (plain comparisons compile simplest)
            continue
        f = F[x, m]
        if C[x, m] >= first and not (f & TOGETHER):
            out += 1
        if f & MET:
            out += 1
    return out


@nb.njit(cache=True)
def _swap(x, y, r, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw, tab, mem, size, pos, C, NC, TO, SC, D, acc):
    """Swap ``x`` and ``y`` (other tables of round ``r``); ``mi``, ``mt``: scratch of 2+."""
    mi[0] = x
    mt[0] = tab[r, y]
    mi[1] = y
    mt[1] = tab[r, x]
    relocate(2, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
              tab, mem, size, pos, C, NC, TO, SC, D, acc, r, 0.0, False)


@nb.njit(cache=True, nogil=True)  # the studio kernel stays responsive while a solve runs
def tabu(n_iter, rounds, W, F, nptr, nidx, optr, oidx, OFF, codes, sw, aptr, aidx,
         tab, mem, size, pos, C, NC, TO, SC, D, acc, free, best_tab, rng, tenure, stall_limit, tabu_until, info):
    """Remove repeats by swaps: the conflict-directed tabu search of Dotú and Van Hentenryck.

    Every iteration evaluates every swap, in every round of ``rounds``, of a free member who
    repeats at their table with a free member of another table, and makes the best swap that
    is not tabu (a member may not return to a table it left for ``tenure`` plus a random
    0-11 iterations) unless it beats the best plan found (aspiration); ties are broken at
    random. After ``stall_limit`` iterations without a new best, the search restarts from the
    best plan after a few random swaps. Stops at zero repeats or after ``n_iter`` iterations.
    The search goes on across calls: ``tabu_until`` (rounds x n x tables) and ``info`` =
    (iteration, iterations since the best, fewest repeats) carry it, ``best_tab`` holds the
    plan with the fewest repeats. Returns the iterations made.
    """
    n = tab.shape[1]
    mi = np.empty(2, dtype=np.int64)
    mt = np.empty(2, dtype=np.int64)
    leaving = np.empty(2, dtype=np.int64)
    it = info[0]
    since = info[1]
    best_rep = info[2]
    stop = it + n_iter
    while it < stop and acc[3] > 0:
        it += 1
        best_d, n_ties, bx, by, br = 1 << 30, 0, -1, -1, -1
        for ri in range(rounds.shape[0]):
            r = rounds[ri]
            for x in range(n):
                a = tab[r, x]
                if a < 0 or not free[r, x]:
                    continue
                lx = _repeats_with(x, r, a, -1, F, mem, size, C, 2)
                if lx == 0:
                    continue
                for y in range(n):
                    b = tab[r, y]
                    if b < 0 or b == a or not free[r, y]:
                        continue
                    ly = _repeats_with(y, r, b, -1, F, mem, size, C, 2)
                    d = (_repeats_with(x, r, b, y, F, mem, size, C, 1) + _repeats_with(y, r, a, x, F, mem, size, C, 1)
                         - lx - ly)
                    if d > best_d:
                        continue
                    if (tabu_until[r, x, b] > it or tabu_until[r, y, a] > it) and acc[3] + d >= best_rep:
                        continue
                    if not swap_ok(x, y, r, tab, aptr, aidx, leaving):
                        continue
                    best_d, n_ties, bx, by, br = keep_fewest(d, x, y, r, best_d, n_ties, bx, by, br, rng)
        if bx < 0:
            since += 1
        else:
            a = tab[br, bx]
            b = tab[br, by]
            _swap(bx, by, br, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                  tab, mem, size, pos, C, NC, TO, SC, D, acc)
            tabu_until[br, bx, a] = it + tenure + randint(rng, 12)
            tabu_until[br, by, b] = it + tenure + randint(rng, 12)
            if acc[3] < best_rep:
                best_rep = acc[3]
                best_tab[:, :] = tab
                since = 0
            else:
                since += 1
        if since > stall_limit:  # restart near the best plan
            load_tab(best_tab, W, F, nptr, nidx, optr, oidx, OFF, codes, sw, tab, mem, size, pos, C, NC, TO, SC, D, acc)
            for _ in range(3):
                r = rounds[randint(rng, rounds.shape[0])]
                x = randint(rng, n)
                y = randint(rng, n)
                if (free[r, x] and free[r, y] and tab[r, x] >= 0 and tab[r, y] >= 0 and tab[r, x] != tab[r, y]
                        and swap_ok(x, y, r, tab, aptr, aidx, leaving)):
                    _swap(x, y, r, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                          tab, mem, size, pos, C, NC, TO, SC, D, acc)
            since = 0
    made = it - info[0]
    info[0] = it
    info[1] = since
    info[2] = best_rep
    return made


class Tabu:
    """A resumable :func:`tabu` search on ``kern`` over ``rounds`` (``free``: rounds x n movable)."""

    def __init__(self, kern: Kernel, rounds: list[int], free: np.ndarray, seed: int, *, tenure: int = 4,
                 stall_limit: int = 500) -> None:
        self.kern = kern
        self.rounds = np.asarray(rounds, dtype=np.int64)
        self.free = free.astype(np.uint8)
        self.rng = rng_state(seed)
        self.tenure, self.stall_limit = int(tenure), int(stall_limit)
        self.tabu_until = np.zeros(kern.tab.shape + (kern.size.shape[1],), dtype=np.int64)
        self.info = np.asarray([0, 0, kern.repeats], dtype=np.int64)
        self.best_tab = kern.tab.copy()

    @property
    def best_repeats(self) -> int:
        return int(self.info[2])

    def run(self, n_iter: int) -> int:
        """Up to ``n_iter`` more iterations; the iterations made."""
        k = self.kern
        return int(tabu(int(n_iter), self.rounds, *k.consts(), k.aptr, k.aidx, *k.state(), self.free,
                        self.best_tab, self.rng, self.tenure, self.stall_limit, self.tabu_until, self.info))
