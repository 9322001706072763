"""Helpers shared by the round-search tests: a random plan, and the check that a round's value prices a re-seating."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from matchmaking.solvers.seating import SeatingState
from matchmaking.solvers.seating.rounds import round_values


def random_plan(prob, rng: np.random.Generator) -> np.ndarray:
    """Rounds x members: each round's attendees shuffled over the tables, as evenly as they go (-1 absent)."""
    tab = np.full((prob.rounds, prob.n), -1)
    for r in range(prob.rounds):
        here = np.flatnonzero(prob.attend[r])
        tab[r, here] = rng.permutation(np.arange(len(here)) % prob.n_tables)
    return tab


def check_round_prices(prob, tab: np.ndarray, rng: np.random.Generator,
                       price: Callable[[int, np.ndarray, np.ndarray], Callable[[np.ndarray], float]]) -> None:
    """Re-seat each round of ``tab`` at random five times: the plan's total changes by the round's change in value.

    ``price(r, idx, E)`` gives the value of a seating ``g`` of round ``r``'s attendees ``idx`` (``E``: their
    pair values from :func:`round_values`).
    """
    state = SeatingState(prob)
    state.load(tab)
    for r in range(prob.rounds):
        idx, E = round_values(prob, tab, r, prob.objective.repeat_penalty)
        value = price(r, idx, E)
        for _ in range(5):
            g = rng.permutation(tab[r, idx])
            other = tab.copy()
            other[r, idx] = g
            moved = SeatingState(prob)
            moved.load(other)
            assert moved.total() - state.total() == pytest.approx(value(g) - value(tab[r, idx]))
