"""Pairwise events round by round: each round re-seated as an MDGP whose pair values price repeats.

When the objective is a sum of pair terms (no needs to cover, no spread to mix), the value of
round ``r`` given the other rounds is a sum over the pairs sharing a table of

    E[i, j] = w[i, j] if the pair meets in no other round, else 0
              - penalty if it meets in another round too (unless kept together)
              - penalty if it met before the event (history)

and ``E = FORBIDDEN`` for pairs asked apart. Re-seating one round is then the maximally
diverse grouping problem, solved by :class:`.groups.GroupSearch`; the rounds take turns
(block coordinate ascent), each turn starting from the round as it is. While zero repeats are
within reach the penalty is made prohibitive, so a plan without repeats keeps none.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from matchmaking.solvers.seating.groups import Budget, GroupSearch, default_tenure
from matchmaking.solvers.seating.kernel.groups import FORBIDDEN
from matchmaking.solvers.seating.mixed import MixedSearch, round_extras
from matchmaking.solvers.seating.problem import movable

if TYPE_CHECKING:
    from matchmaking.solvers.seating.params import SeatingParams
    from matchmaking.solvers.seating.problem import SeatingProblem
    from matchmaking.solvers.seating.tracker import Tracker

__all__ = ["is_pairwise", "round_values", "search_rounds"]


def is_pairwise(prob: SeatingProblem) -> bool:
    """Whether each round is a grouping problem for this search: the objective is a sum of pair terms
    (no needs that anyone could cover, no spread), and no together-group has to move (the
    search moves single members; the annealing moves groups)."""
    needs = bool(prob.objective.needs) and bool(prob.needs.any()) and bool(prob.offers.any())
    free_rounds = [r for r in range(prob.rounds) if r not in prob.locked_rounds]
    groups = any(len(b) > 1 and (prob.attend[r, b] & (prob.fixed[r, b] < 0)).any()
                 for b in prob.blocks for r in free_rounds)
    return not needs and not prob.spread_codes and not groups


def round_values(prob: SeatingProblem, tab: np.ndarray, r: int, penalty: float) -> tuple[np.ndarray, np.ndarray]:
    """The attendees of round ``r`` and their pair values ``E`` given the other rounds of ``tab``."""
    idx = np.flatnonzero(prob.attend[r])
    sub = np.ix_(idx, idx)
    other = np.zeros((len(idx), len(idx)), dtype=np.int64)
    for q in range(prob.rounds):
        if q != r:
            t = tab[q, idx]
            other += (t[:, None] == t[None, :]) & (t >= 0)[:, None]
    np.fill_diagonal(other, 0)
    kept = prob.together[sub]
    E = np.where(other == 0, prob.weights[sub], 0.0)
    E -= penalty * ((other >= 1) & ~kept)
    E -= penalty * prob.met_before[sub]
    pos = {int(i): k for k, i in enumerate(idx)}
    for i in idx:
        for j in prob.apart[int(i)]:
            if j in pos:
                E[pos[int(i)], pos[j]] = FORBIDDEN
    np.fill_diagonal(E, 0.0)
    return idx, E


def _bounds(prob: SeatingProblem, r: int, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest size of each table of round ``r``: within one seat of the balanced size
    (``prob.targets``, so that turns do not drift), widened to the current sizes ``target``."""
    balanced = prob.targets[r]
    open_ = target > 0
    lo = np.full(len(target), max(prob.min_size, 1, int(balanced[balanced > 0].min(initial=prob.n)) - 1),
                 dtype=np.int64)
    hi = np.where(open_, np.minimum(prob.capacities, balanced + 1), 0).astype(np.int64)
    return np.minimum(lo, target), np.maximum(hi, target)


class _Publisher:
    """Seatings of round ``r`` found by a turn, offered to the tracker at most twice a second."""

    def __init__(self, search: Tracker, r: int, idx: np.ndarray) -> None:
        self.search, self.r, self.idx = search, r, idx
        self.base = search.state.tab.copy()
        self.last = time.perf_counter()
        self.timed = search.max_iterations is None  # a fixed effort: only the end of a turn (no clock)

    def __call__(self, g: np.ndarray, _value: float = 0.0, *, force: bool = False) -> None:
        if not force and (not self.timed or time.perf_counter() - self.last < 0.5):
            return
        self.last = time.perf_counter()
        tab = self.base.copy()
        tab[self.r, self.idx] = g
        state = self.search.state
        state.load(tab)
        if not self.search.improved():
            state.load(self.search.best_tab)


def search_rounds(search: Tracker, params: SeatingParams, seed: int, *, min_repeats: int, mixed: bool = False) -> None:
    """Re-seat the free rounds of ``search``'s state in turn until the budget ends (see the module).

    With ``mixed`` (needs or spread terms in the objective) each round's search is
    :class:`.mixed.MixedSearch`, on the whole value of the round given the others.
    """
    state, p = search.state, search.state.p
    free = movable(p)
    rounds = [r for r in range(p.rounds) if r not in p.locked_rounds and free[r].sum() >= 2]
    if not rounds:
        return
    scale = 1.0 + float(np.abs(p.weights).max(initial=0.0))
    penalty = float(p.objective.repeat_penalty) if min_repeats else 1e4 * scale
    state.load(search.best_tab)
    turn = 0
    sweeps = 1 if len(rounds) == 1 else max(params.mixed_sweeps if mixed else params.round_sweeps, 1)
    while not search.out_of_budget():
        left_turns = max(sweeps * len(rounds) - turn, 1)
        r = rounds[turn % len(rounds)]
        turn += 1
        idx, E = round_values(p, state.tab, r, penalty)
        g0 = state.tab[r, idx].copy()
        target = np.bincount(g0, minlength=p.n_tables).astype(np.int64)
        lo, hi = _bounds(p, r, target)
        deadline = time.perf_counter() + max(search.deadline - time.perf_counter(), 0.0) / left_turns
        effort = None
        if search.max_iterations is not None:  # a fixed effort: counts share it, the clock is the hard stop
            effort = max((search.max_iterations - search.iterations) // left_turns, 1)
            deadline = search.deadline
        budget = Budget(min(deadline, search.deadline), effort, keep_going=search.record)
        tenure = params.group_tenure
        if mixed:
            tenure = params.mixed_tenure or max(2, default_tenure(int(free[r, idx].sum())) // 2)
        kw = {"seed": seed * 1000 + turn, "population": params.population, "stall": params.group_stall,
              "tenure": tenure, "restart": params.group_restart,
              "heat": (0.6, 0.08) if turn <= len(rounds) else (0.15, 0.04)}  # later turns: start warm
        if mixed:
            gs = MixedSearch(E, target, free[r, idx], lo, hi, round_extras(p, state.tab, r, idx), **kw)
        else:
            gs = GroupSearch(E, target, free[r, idx], lo, hi, **kw)
        show = _Publisher(search, r, idx)
        g, _ = gs.run(g0, budget, on_best=show)
        search.iterations += budget.spent
        show(g, force=True)
        if turn >= sweeps * len(rounds) and search.max_iterations is None and len(rounds) > 1:
            turn = 0  # time left: another sweep
        elif turn >= sweeps * len(rounds):
            break
