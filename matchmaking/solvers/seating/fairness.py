"""Fairness: after the search, swaps that raise the least-served attendee's value while worth it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from matchmaking.solvers.seating.problem import movable

if TYPE_CHECKING:
    from matchmaking.solvers.seating.state import SeatingState
    from matchmaking.solvers.seating.tracker import Tracker

__all__ = ["per_member", "raise_minimum"]


def raise_minimum(search: Tracker, rng: np.random.Generator, fairness: float) -> None:
    """Swaps that raise the least-served member's pair value, while worth it under ``fairness``."""
    state, p = search.state, search.state.p
    rounds = [r for r in range(p.rounds) if r not in p.locked_rounds]
    free = {r: movable(p, r) for r in rounds}
    for _ in range(200):
        if search.out_of_budget() or not rounds:
            return
        per = per_member(state)
        seated = p.attend.any(axis=0)
        worst = int(np.flatnonzero(seated)[np.argmin(np.where(seated, per, np.inf)[seated])])
        low = float(per[worst])
        best = None
        for r in rounds:
            if not free[r][worst] or search.out_of_budget():
                continue
            a = int(state.tab[r, worst])
            for j in np.flatnonzero(free[r] & (state.tab[r] != a) & (state.tab[r] >= 0)):
                j = int(j)
                b = int(state.tab[r, j])
                if not (state.apart_ok(worst, r, b, leaving=j) and state.apart_ok(j, r, a, leaving=worst)):
                    continue
                dv, dr = state.swap(worst, j, r)
                touched = np.asarray(state.at[r][a] + state.at[r][b])
                after = per.copy()
                after[touched] = per_member(state, touched)
                new_min = float(after[seated].min())
                state.swap(worst, j, r)
                gain = dv + fairness * (new_min - low)
                if dr <= 0 and new_min > low and gain > 0 and (best is None or gain > best[0]):
                    best = (gain, r, j)
        if best is None:
            return
        state.swap(worst, best[2], best[1])
        search.best_tab = state.tab.copy()  # the fairness trade is the user's choice: kept even at a lower total
        search.best_key = state.key()
        search.best_repeats = state.repeats
        search.record()


def per_member(state: SeatingState, rows: np.ndarray | None = None) -> np.ndarray:
    """Each member's pair value (of ``rows``): the sum of the values of the distinct people they meet."""
    C, W = (state.C, state.W) if rows is None else (state.C[rows], state.W[rows])
    return np.where(C > 0, W, 0.0).sum(axis=1)
