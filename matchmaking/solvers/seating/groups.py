"""One round as a maximally diverse grouping problem: a memetic search of tabu searches and crossovers.

When the value of a round is a sum of pair values (the affinity, with repeats and apart requests
priced into each pair, see :mod:`.rounds`), seating it is the MDGP. The search follows the
published state of the art in spirit (Lai & Hao's iterated maxima search, the three-phase search
of Yang et al., Schulz's tabu searches), written from their ideas:

- every seating is improved by a **tabu search** over swaps (and moves, when table sizes may
  vary) with O(1) evaluation from per-member, per-table sums (:mod:`.kernel.groups`);
- big rounds are first brought near a local optimum by a short **annealing** on the same state;
- a small **population** of improved seatings is recombined by a **group-based crossover**
  (the child inherits the most valuable tables of its parents) and each child is improved
  again; a child replaces the member of the pool it is closest to when it is that close and
  better, otherwise the worst member when better (quality and diversity), and the pool is
  rebuilt around the best seating after a stretch of children without progress.

The budget is the clock or a fixed effort (a tabu iteration counts as many units as the round
has free members, an annealing proposal as one), checked between compiled chunks, so the same
seed and effort give the same seating.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from matchmaking.solvers.seating.cooling import next_chunk
from matchmaking.solvers.seating.kernel import groups as G
from matchmaking.solvers.seating.kernel.core import rng_state

__all__ = ["Budget", "GroupSearch", "default_tenure"]


def default_tenure(free: int) -> int:
    """The tabu tenure of a round with ``free`` movable members: one per 48, at least 2.

    Measured at 30 s on RanReal MDGP instances: the best tenure grows with the round (about 5
    at n = 240, 10 to 15 at 480, 20 at 960); a tenure of 2 left n = 480 about 0.5% lower, and
    a long one (20 at 300 people in 30 tables) costs small rounds as much.

    Examples
    --------
    >>> default_tenure(240), default_tenure(960), default_tenure(30)
    (5, 20, 2)
    """
    return max(2, round(free / 48))


@dataclass
class Budget:
    """How long a search may go on: a ``perf_counter`` deadline, a fixed effort, and a stop test.

    ``keep_going()`` is called between chunks (a user's stop or callback may end the search).
    """

    deadline: float
    effort: int | None = None
    keep_going: Callable[[], bool] = field(default=lambda: True)
    spent: int = 0

    def more(self) -> bool:
        if self.effort is not None and self.spent >= self.effort:
            return False
        return time.perf_counter() < self.deadline and bool(self.keep_going())

    def spend(self, units: int) -> None:
        self.spent += int(units)


class GroupSearch:
    """The memetic search of one round (see the module docstring).

    Parameters
    ----------
    E : ndarray (n x n)
        Pair values of the round's attendees (symmetric, zero diagonal).
    target : ndarray (m)
        Table sizes of the starting seating; swaps keep them, moves stay within ``lo``/``hi``.
    free : ndarray (n) of bool
        Members the search may move (the others keep their table).
    lo, hi : ndarray (m)
        Smallest and largest size of each table (``lo == hi == target``: swaps only).
    seed : int
        Seed of the compiled random numbers.
    population, stall, tenure, restart : int
        Pool size, tabu iterations without progress before a tabu search ends, tabu tenure
        (``tenure`` to ``3 * tenure + 2`` iterations; None: :func:`default_tenure` of the
        free members), children without a new best before the pool is rebuilt.
    big, anneal_share, heat : int, float, (float, float)
        Rounds with more free members than ``big`` start with an annealing over
        ``anneal_share`` of the budget, from ``heat[0]`` to ``heat[1]`` times the typical change
        of a random swap, and go on with an iterated tabu search from the best seating
        (:meth:`iterate`) instead of the pool: one tabu search from a random seating costs
        them several seconds.
    kick : float
        Between two tabu searches the iterated search makes ``kick`` x free members random swaps
        of free members (so up to twice that share of them move; a swap within a table is void).
    guide, partners : float, int
        Share of annealing swaps aimed at the table of one of a member's ``partners`` best partners.
    """

    def __init__(self, E: np.ndarray, target: np.ndarray, free: np.ndarray, lo: np.ndarray, hi: np.ndarray, *,
                 seed: int = 0, population: int = 10, stall: int = 5000, tenure: int | None = None,
                 restart: int = 60, big: int = 600, anneal_share: float = 0.7,
                 heat: tuple[float, float] = (0.6, 0.08), guide: float = 0.2, partners: int = 20,
                 kick: float = 0.1) -> None:
        self.E = np.ascontiguousarray(E, dtype=np.float64)
        self.n = len(self.E)
        self.target = np.asarray(target, dtype=np.int64)
        self.m = len(self.target)
        self.free = np.asarray(free, dtype=np.bool_)
        self.hard = G.hard_partners(self.E, self.free)  # for the tabu search's table skipping
        self.mov = np.flatnonzero(self.free).astype(np.int64)
        self.lo = np.asarray(lo, dtype=np.int64)
        self.hi = np.asarray(hi, dtype=np.int64)
        self.slots = int(max(self.hi.max(initial=1), self.target.max(initial=1))) + 1
        self.rng = rng_state(seed)
        self.np_rng = np.random.default_rng(seed)
        self.population, self.stall, self.restart = int(population), int(stall), int(restart)
        tenure = default_tenure(len(self.mov)) if tenure is None else int(tenure)
        self.tenure = (tenure, 3 * tenure + 2)
        self.kick = float(kick)
        self.big, self.anneal_share, self.heat = int(big), float(anneal_share), heat
        self.guide, self.n_partners = float(guide), int(partners)
        self._partners: np.ndarray | None = None
        self.best_g: np.ndarray | None = None
        self.best = -np.inf

    # ------------------------------------------------------------------ single seatings
    def value(self, g: np.ndarray) -> float:
        return float(G.group_value(self.E, g))

    def random_start(self, like: np.ndarray) -> np.ndarray:
        """``like`` with its free members shuffled over their seats (table sizes kept)."""
        g = like.copy()
        g[self.mov] = like[self.mov][self.np_rng.permutation(len(self.mov))]
        return g

    @property
    def partners(self) -> np.ndarray:
        """Each member's most valuable free partners (for the guided proposals of the annealing)."""
        if self._partners is None:
            k = min(self.n_partners, len(self.mov) - 1)
            if k < 1 or self.guide <= 0:
                self._partners = np.zeros((self.n, 0), dtype=np.int64)
            else:
                values = np.where(self.free[None, :], self.E, -np.inf)
                np.fill_diagonal(values, -np.inf)
                self._partners = np.ascontiguousarray(np.argpartition(-values, k, axis=1)[:, :k], dtype=np.int64)
        return self._partners

    def anneal(self, g: np.ndarray, budget: Budget, share: float, heat: tuple[float, float] = (0.6, 0.08)
               ) -> tuple[np.ndarray, float]:
        """An annealing from ``g`` over ``share`` of what is left of the budget; its best seating.

        The temperature falls geometrically from ``heat[0]`` to ``heat[1]`` times the typical
        change of a random swap, following the proposals made with a fixed effort, else the clock.
        """
        g = g.copy()
        GW = G.gw_init(self.E, g, self.m)
        mem, size, pos = G.tables_of(g, self.m, self.slots)
        cur = np.asarray([self.value(g)])
        best, best_g = cur.copy(), g.copy()
        scale = self._swap_scale(g, GW)
        t_hi, t_lo = heat[0] * scale, heat[1] * scale
        p_move = 0.1 if (self.lo < self.hi).any() else 0.0
        start = time.perf_counter()
        span = max(share * (budget.deadline - start), 1e-3)
        total = None if budget.effort is None else max(int(share * (budget.effort - budget.spent)), 1)
        done, step = 0, 100_000
        while budget.more():
            chunk = next_chunk(done, total, time.perf_counter() - start, span, step, most=1_000_000, seconds=0.05,
                               cap=5_000_000)
            if chunk is None:
                break
            step, f0, f1 = chunk
            G.anneal_groups(self.E, g, GW, mem, size, pos, self.mov, self.free, self.lo, self.hi, p_move, step,
                            t_hi * (t_lo / t_hi) ** f0, t_hi * (t_lo / t_hi) ** f1, cur, best, best_g, self.rng,
                            self.partners, self.guide)
            done += step
            budget.spend(step)
        return best_g, float(best[0])

    def _swap_scale(self, g: np.ndarray, GW: np.ndarray) -> float:
        """The median absolute change of random swaps of free members at ``g`` (at least 1)."""
        if len(self.mov) < 2:
            return 1.0
        i = self.mov[self.np_rng.integers(len(self.mov), size=400)]
        j = self.mov[self.np_rng.integers(len(self.mov), size=400)]
        keep = g[i] != g[j]
        i, j = i[keep], j[keep]
        a, b = g[i], g[j]
        d = GW[i, b] - GW[i, a] + GW[j, a] - GW[j, b] - 2.0 * self.E[i, j]
        d = np.abs(d[np.abs(d) < 0.5 * abs(G.FORBIDDEN)])
        return float(np.median(d)) if len(d) and np.median(d) > 0 else 1.0

    #: Tabu iterations of one compiled call (the budget is checked between calls).
    tabu_chunk = 100

    def tabu(self, g: np.ndarray, budget: Budget) -> tuple[np.ndarray, float]:
        """The tabu search from ``g`` until it stalls (or the budget ends); its best seating."""
        g = g.copy()
        GW = G.gw_init(self.E, g, self.m)
        mem, size, pos = G.tables_of(g, self.m, self.slots)
        counts = self._tabu_counts(g)
        cur = np.asarray([self.value(g)])
        best, best_g = cur.copy(), g.copy()
        tabu = np.zeros((self.n, self.m), np.int64)
        info = np.zeros(3, np.int64)
        unit = max(len(self.mov), 1)
        chunk = self.tabu_chunk
        while info[1] < self.stall and budget.more():
            made = self._tabu_run(g, GW, mem, size, pos, counts, chunk, tabu, info, cur, best, best_g)
            budget.spend(made * unit)
            if made < chunk and info[1] < self.stall:  # no admissible move at all
                break
        return best_g, float(best[0])

    def _tabu_counts(self, g: np.ndarray) -> tuple:
        """What the tabu search keeps besides the pair sums (nothing here: the value is the pairs)."""
        return ()

    def _tabu_run(self, g, GW, mem, size, pos, counts, chunk, tabu, info, cur, best, best_g) -> int:
        """One compiled call of at most ``chunk`` tabu iterations; the iterations made."""
        return G.tabu_groups(self.E, *self.hard, g, GW, mem, size, pos, self.free, self.lo, self.hi, chunk, self.stall,
                             self.tenure[0], self.tenure[1], tabu, info, cur, best, best_g, self.rng)

    def improve(self, g: np.ndarray, budget: Budget) -> tuple[np.ndarray, float]:
        return self.tabu(g, budget)

    def kicked(self, g: np.ndarray) -> np.ndarray:
        """``g`` after ``kick`` x free members random swaps of two free members (table sizes kept)."""
        g = g.copy()
        k = max(2, int(self.kick * len(self.mov)))
        pick = self.mov[self.np_rng.integers(len(self.mov), size=(k, 2))]
        for i, j in pick:
            g[i], g[j] = g[j], g[i]
        return g

    def iterate(self, g: np.ndarray, v: float, budget: Budget, offer: Callable[[np.ndarray, float], None]) -> None:
        """Iterated tabu search from ``g`` (value ``v``): kick, tabu search, keep when better, until the budget ends.

        Measured on the RanReal n = 960 instance at 30 s: 0.15-0.27% above the pool of random
        starts, whose first tabu searches alone took most of the time left after the annealing;
        kicks of 10% of the members gave a mean 0.07% above kicks of 5% and 2.5% (5 and 3 seeds),
        20% no better.
        """
        while budget.more():
            child, cv = self.tabu(self.kicked(g), budget)
            offer(child, cv)
            if cv > v + 1e-9:
                g, v = child, cv

    # ------------------------------------------------------------------ the memetic search
    def run(self, g0: np.ndarray, budget: Budget, on_best: Callable[[np.ndarray, float], None] | None = None
            ) -> tuple[np.ndarray, float]:
        """Improve the seating ``g0`` (table of each member) within ``budget``; the best seating and its value."""
        g0 = np.asarray(g0, dtype=np.int64)
        self.best_g, self.best = g0.copy(), self.value(g0)
        if len(self.mov) < 2:
            return self.best_g, self.best

        def offer(g: np.ndarray, v: float) -> None:
            if v > self.best + 1e-9:
                self.best_g, self.best = g.copy(), v
                if on_best is not None:
                    on_best(self.best_g, self.best)

        big = len(self.mov) > self.big
        if big:  # big rounds: a long annealing first (a tabu iteration costs O(n^2))
            g0, v = self.anneal(g0, budget, share=self.anneal_share, heat=self.heat)
            offer(g0, v)
        g, v = self.tabu(g0, budget)
        offer(g, v)
        if big:
            self.iterate(g, v, budget, offer)
            return self.best_g, self.best
        pool, vals = [g], [v]
        while len(pool) < self.population and budget.more():
            g, v = self.improve(self.random_start(g0), budget)
            offer(g, v)
            pool.append(g)
            vals.append(v)
        close = max(1, len(self.mov) // 10)
        since = 0
        while len(pool) > 1 and budget.more():
            a, b = self.np_rng.choice(len(pool), 2, replace=False)
            child = G.cross_groups(self.E, pool[a], pool[b], self.free, self.target, self.rng)
            child, v = self.tabu(child, budget)
            before = self.best
            offer(child, v)
            since = 0 if self.best > before + 1e-9 else since + 1
            dist = [G.partition_distance(child, p, self.m) for p in pool]
            k = int(np.argmin(dist))
            if dist[k] > close:
                k = int(np.argmin(vals))
            if v > vals[k] + 1e-9:
                pool[k], vals[k] = child, v
            if since > self.restart:  # the pool has converged: rebuild it around the best seating
                keep = int(np.argmax(vals))
                for q in range(len(pool)):
                    if q != keep and budget.more():
                        pool[q], vals[q] = self.improve(self.random_start(g0), budget)
                        offer(pool[q], vals[q])
                since = 0
        return self.best_g, self.best
