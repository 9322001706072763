"""Honest baselines for the seating benchmarks: random, greedy and the textbook simulated annealing.

Every baseline solves the same :class:`~matchmaking.solvers.seating.problem.SeatingProblem`
as :func:`matchmaking.seat` and returns a rounds x n table array (0-based, -1 absent) that
``problem.to_frame`` turns into a plan; the benchmarks score them with the shared objective.

Examples
--------
>>> import matchmaking as mm
>>> from matchmaking.solvers.seating import build_problem
>>> from matchmaking.solvers.seating.baselines import greedy_plan, random_plan
>>> prob = build_problem(mm.datasets.synthetic_community(12, seed=0), tables=3, table_size=4, rounds=2)
>>> random_plan(prob, seed=0).shape, prob.violations(greedy_plan(prob, seed=0))
((2, 12), [])
"""

from __future__ import annotations

import math
import time

import numpy as np

from matchmaking.solvers.control import Monitor
from matchmaking.solvers.seating.problem import SeatingProblem, movable
from matchmaking.solvers.seating.search import anneal
from matchmaking.solvers.seating.starts import greedy
from matchmaking.solvers.seating.state import SeatingState
from matchmaking.solvers.seating.tracker import Tracker

__all__ = ["greedy_plan", "plain_sa", "plain_sa_compiled", "random_plan"]


def random_plan(prob: SeatingProblem, seed: int) -> np.ndarray:
    """A random valid seating: requests hold, tables filled to balanced sizes in random order."""
    state = SeatingState(prob)
    greedy(state, np.random.default_rng(seed), range(prob.rounds), random_order=True)
    return state.tab.copy()


def greedy_plan(prob: SeatingProblem, seed: int) -> np.ndarray:
    """The constructive start of :func:`matchmaking.seat` alone."""
    state = SeatingState(prob)
    greedy(state, np.random.default_rng(seed), range(prob.rounds))
    return state.tab.copy()


def plain_sa(prob: SeatingProblem, seed: int, time_limit: float) -> np.ndarray:
    """Textbook simulated annealing: random start, swap moves, geometric cooling over the time.

    It maximises the reported objective (repeats at the objective's penalty) with the exact
    incremental evaluation of the Python reference state (:class:`SeatingState`);
    :func:`plain_sa_compiled` runs the same walk on the compiled kernel.
    """
    rng = np.random.default_rng(seed)
    state = SeatingState(prob)
    greedy(state, rng, range(prob.rounds), random_order=True)
    penalty = prob.objective.repeat_penalty
    slots = [(r, int(i)) for r in range(prob.rounds) for i in np.flatnonzero(movable(prob, r))]
    free = {r: np.flatnonzero(movable(prob, r)) for r in range(prob.rounds)}
    best, best_tab = state.total(), state.tab.copy()
    if not slots:
        return best_tab
    t_hi, t_lo = 2.0, 0.01
    t0 = time.perf_counter()
    k = 0
    while True:
        if k % 200 == 0:
            frac = (time.perf_counter() - t0) / time_limit
            if frac >= 1:
                break
            temp = t_hi * (t_lo / t_hi) ** frac
        k += 1
        r, i = slots[int(rng.integers(len(slots)))]
        j = int(free[r][int(rng.integers(len(free[r])))])
        a, b = int(state.tab[r, i]), int(state.tab[r, j])
        if a == b or not (state.apart_ok(i, r, b, leaving=j) and state.apart_ok(j, r, a, leaving=i)):
            continue
        dv, dr = state.swap_delta(i, j, r)
        delta = dv - penalty * dr
        if delta >= 0 or rng.random() < math.exp(delta / temp):
            state.swap(i, j, r)
            if state.total() > best + 1e-9:
                best, best_tab = state.total(), state.tab.copy()
    return best_tab


def plain_sa_compiled(prob: SeatingProblem, seed: int, time_limit: float, *, gains: bool = False) -> np.ndarray:
    """The same textbook annealing on the compiled kernel :func:`matchmaking.seat` uses (about 50x more moves).

    Random start, uniform swaps of free members, geometric cooling from 2 to 0.01 over the
    time, repeats at the objective's penalty, each swap evaluated by scanning both tables: no
    guided moves, no moves to a table with room, no together-block moves, no gain table, no
    repeat repair, no CP-SAT. What is left between this baseline
    and ``seat`` is the search design. ``gains=True`` prices the same proposals from the gain
    table of :mod:`matchmaking.solvers.seating.kernel.gains` once few pass (as ``seat`` does), so
    more of them fit in the time: it measures what the table alone adds.
    """
    state = SeatingState(prob)
    greedy(state, np.random.default_rng(seed), range(prob.rounds), random_order=True)
    search = Tracker(state, Monitor(time_limit=time_limit))
    anneal(search, seed, guide=0.0, temperatures=(2.0, 0.01), p_move=0.0, p_group=0.0, gains=gains)
    return search.best_tab
