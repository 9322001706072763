"""Zero repeats by social-golfer search: the tabu search on pair classes, and symmetric designs.

Two uses of one compiled search (:func:`matchmaking.solvers.seating.kernel.golfer.golfer_tabu`):

- :class:`GolferSearch` on a seating problem: one class per pair, capacity one meeting (none
  for pairs who met before, every round for pairs kept together), apart pairs never seated
  together; only movable members move (pins, hosts, together-blocks and locked rounds stay).
- :func:`cyclic_design`: a zero-repeat schedule of ``T`` tables of ``s`` for ``R`` rounds with
  a cyclic symmetry imposed. The ``N = T s`` points are ``Z_k x {0..c-1}`` plus ``f`` fixed
  points (``N = k c + f``, ``k`` dividing ``R``); the shift ``x -> x + 1`` of ``Z_k`` maps
  round ``(j, g)`` to round ``(j, g + 1)``, so only ``R / k`` representative rounds are
  searched, over the pair *orbits*: an orbit of ``k`` pairs may be met once in them (each of
  its pairs then meets once in the developed schedule), a shorter orbit never. The search is
  ``k`` times smaller: it finds 6-3-8 in about half a second, but not 8-4-10 (where each
  golfer misses exactly one other): none of its symmetries gave one in 30 s (measured), and
  :mod:`.orbital` proves several of them impossible. 8-4-10 comes from :mod:`.layered`
  (an abelian group translating two layers, decided by CP-SAT), which the design search
  tries first on such tight sizes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from matchmaking.solvers.seating.kernel.core import rng_state
from matchmaking.solvers.seating.kernel.golfer import arrays, conflicts, golfer_tabu

__all__ = ["GolferSearch", "cyclic_design", "orbit_classes"]


class GolferSearch:
    """A resumable tabu search on the conflicts of a seating (see :mod:`.kernel.golfer`).

    Parameters
    ----------
    tab : ndarray
        Rounds x members table (-1: absent); the start, not modified.
    n_tables : int
        Number of tables.
    cls, cap : ndarray
        Class of each pair (n x n, symmetric) and meetings each class may hold.
    rounds : sequence of int
        Rounds the search may change.
    free : ndarray, optional
        Rounds x members that may move (default: every attendee).
    bad : ndarray, optional
        n x n pairs that may never share a table (they must not share one at the start).
    seed : int
        Random seed (the search depends only on it and the iterations made).
    tenure, tenure_span, stall_limit, kicks : int
        Tabu tenure ``tenure + random(tenure_span)``; iterations without a new best before
        the search returns to the best plan and makes ``kicks`` random swaps there.

    Examples
    --------
    >>> import numpy as np
    >>> tab = np.zeros((2, 4), dtype=np.int64); tab[:, 2:] = 1  # 4 people, 2 tables, the same twice
    >>> cls = np.arange(16).reshape(4, 4); cls = np.minimum(cls, cls.T)
    >>> g = GolferSearch(tab, 2, cls, np.ones(16, dtype=np.int64), rounds=[1], seed=0)
    >>> g.conflicts, g.run(100) >= 1, g.best_conflicts
    (2, True, 0)
    """

    def __init__(self, tab: np.ndarray, n_tables: int, cls: np.ndarray, cap: np.ndarray, rounds: list[int], *,
                 free: np.ndarray | None = None, bad: np.ndarray | None = None, seed: int = 0, tenure: int = 4,
                 tenure_span: int = 12, stall_limit: int = 300, kicks: int = 2) -> None:
        self.tab = np.ascontiguousarray(tab, dtype=np.int64).copy()
        R, n = self.tab.shape
        self.mem, self.size, self.pos = arrays(self.tab, n_tables)
        self.cls = np.ascontiguousarray(cls, dtype=np.int64)
        self.cap = np.ascontiguousarray(cap, dtype=np.int64)
        if self.cls.shape != (n, n) or self.cls.min(initial=0) < 0 or self.cls.max(initial=0) >= len(self.cap):
            raise ValueError("cls must be n x n class indices into cap")
        self.cnt = np.zeros(len(self.cap), dtype=np.int64)
        self.rounds = np.asarray(rounds, dtype=np.int64)
        self.free = (self.tab >= 0 if free is None else np.asarray(free, dtype=bool) & (self.tab >= 0)).astype(np.uint8)
        self.bad = np.zeros((n, n), dtype=np.uint8) if bad is None else np.asarray(bad, dtype=np.uint8)
        self.rng = rng_state(seed)
        self.params = (int(tenure), max(int(tenure_span), 1), int(stall_limit), int(kicks))
        self.tabu_until = np.zeros((R, n, n_tables), dtype=np.int64)
        cur = conflicts(self.tab, self.mem, self.size, self.cls, self.cnt, self.cap)
        self.info = np.asarray([0, 0, cur, cur], dtype=np.int64)
        self.best_tab = self.tab.copy()
        self.pairs = len(np.unique(self.cls[np.triu_indices(n, 1)])) == n * (n - 1) // 2  # one class a pair

    @property
    def conflicts(self) -> int:
        """Conflicts of the current plan."""
        return int(self.info[3])

    @property
    def best_conflicts(self) -> int:
        """Conflicts of :attr:`best_tab`, the best plan so far."""
        return int(self.info[2])

    @property
    def iterations(self) -> int:
        return int(self.info[0])

    def run(self, n_iter: int) -> int:
        """Up to ``n_iter`` more iterations (fewer at zero conflicts); the iterations made."""
        if not len(self.rounds):
            return 0
        t_min, t_span, stall, kicks = self.params
        return int(golfer_tabu(int(n_iter), self.rounds, self.tab, self.mem, self.size, self.pos, self.cls, self.cnt,
                               self.cap, self.bad, self.free, self.best_tab, self.rng, t_min, t_span, stall, kicks,
                               self.tabu_until, self.info, self.pairs))

    def run_until(self, max_iter: int, deadline: float = math.inf, chunk: int = 2000,
                  keep_going: Callable[[], bool] | None = None) -> int:
        """Iterate in chunks until zero conflicts, ``max_iter`` iterations, the ``deadline``, or
        ``keep_going()`` (asked between chunks) returns False."""
        done = 0
        while self.best_conflicts > 0 and done < max_iter and time.perf_counter() < deadline:
            if keep_going is not None and not keep_going():
                break
            done += self.run(min(chunk, max_iter - done))
        return done


def orbit_classes(k: int, c: int, f: int) -> tuple[np.ndarray, np.ndarray]:
    """Pair orbits of the shift of ``Z_k`` on ``k c`` points (point ``col * k + x``) and ``f`` fixed points.

    Returns ``(cls, cap)``: ``cls[i, j]`` the orbit of the pair ``(i, j)`` (the diagonal is an
    orbit of its own), ``cap[o]`` 1 for orbits of ``k`` pairs, 0 for shorter ones (a pair of
    such an orbit met once in the representative rounds would meet several times).

    Examples
    --------
    >>> cls, cap = orbit_classes(4, 1, 0)  # a 4-cycle: pairs at distance 1 (4 of them), at distance 2 (2)
    >>> int(cap.sum()), bool(cls[0, 1] == cls[1, 2] == cls[3, 0]), int(cap[cls[0, 2]])
    (1, True, 0)
    """
    N = k * c + f
    moved = np.arange(k * c)
    cls = np.full((N, N), -1, dtype=np.int64)
    caps: list[int] = []
    images = [np.concatenate([(moved // k) * k + (moved % k + g) % k, np.arange(k * c, N)]) for g in range(k)]
    for i in range(N):
        for j in range(i, N):
            if cls[i, j] >= 0:
                continue
            o = len(caps)
            seen = set()
            for g in range(k):
                a, b = int(images[g][i]), int(images[g][j])
                cls[a, b] = cls[b, a] = o
                seen.add((min(a, b), max(a, b)))
            caps.append(1 if len(seen) == k and i != j else 0)
    return cls, np.asarray(caps, dtype=np.int64)


def _develop(rep: np.ndarray, k: int, c: int) -> np.ndarray:
    """The rounds of the representative rounds ``rep`` under the shift: ``(j, g)`` -> round ``j k + g``."""
    n_rep, N = rep.shape
    out = np.empty((n_rep * k, N), dtype=np.int64)
    pts = np.arange(N)
    moved = pts < k * c
    for j in range(n_rep):
        for g in range(k):
            img = pts.copy()
            img[moved] = (pts[moved] // k) * k + (pts[moved] % k + g) % k
            out[j * k + g, img] = rep[j]
    return out


def cyclic_design(n_tables: int, size: int, rounds: int, *, seed: int = 0, max_iter: int = 200_000,
                  deadline: float = math.inf, keep_going: Callable[[], bool] | None = None) -> np.ndarray | None:
    """A schedule of ``n_tables`` tables of ``size`` for ``rounds`` rounds where no pair meets twice.

    Tries the cyclic symmetries of the module docstring, the largest ``k`` first, each with
    an equal share of ``max_iter`` tabu iterations on its representative rounds; the result
    is developed and checked. Returns a rounds x ``n_tables * size`` array of tables (design
    points as columns), or None when no symmetric schedule was found in the effort (or none
    can exist by counting: beyond one round a table takes at most one member of each table of
    the first round, so ``size`` may not exceed ``n_tables``). ``keep_going`` is asked between
    chunks of the search (a user's stop or callback); False ends it.

    Examples
    --------
    >>> tab = cyclic_design(6, 3, 8, seed=0)  # 18 golfers, 6 groups of 3, 8 weeks
    >>> tab.shape, all(np.bincount(row).tolist() == [3] * 6 for row in tab)
    ((8, 18), True)
    """
    T, s, R = int(n_tables), int(size), int(rounds)
    N = T * s
    if s < 2 or R < 1 or R * (s - 1) > N - 1 or (R > 1 and s > T):
        return None
    options = []
    for k in range(R, 1, -1):
        if R % k:
            continue
        for f in range(0, min(s, T) + 1):
            if (N - f) % k == 0 and (N - f) // k > 0:
                options.append((k, (N - f) // k, f))
    rng = np.random.default_rng(seed)
    share = max(1, max_iter // max(len(options), 1))
    for k, c, f in options:
        cls, cap = orbit_classes(k, c, f)
        if int(cap.sum()) < (R // k) * T * s * (s - 1) // 2:
            continue
        rep = np.asarray([rng.permutation(np.arange(N) % T) for _ in range(R // k)], dtype=np.int64)
        search = GolferSearch(rep, T, cls, cap, list(range(R // k)), seed=int(rng.integers(1 << 62)))
        search.run_until(share, deadline, keep_going=keep_going)
        if search.best_conflicts == 0:
            tab = _develop(search.best_tab, k, c)
            if not _repeats(tab):
                return tab
        if time.perf_counter() >= deadline or (keep_going is not None and not keep_going()):
            break
    return None


def _repeats(tab: np.ndarray) -> int:
    """Repeated pairs of a full schedule (rounds x points of tables)."""
    N = tab.shape[1]
    same = np.zeros((N, N), dtype=np.int64)
    for row in tab:
        same += row[:, None] == row[None, :]
    np.fill_diagonal(same, 0)
    return int(np.maximum(same - 1, 0).sum() // 2)
