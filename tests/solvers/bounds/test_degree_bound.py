"""The degree (b-matching dual) bound on the pair term: at least the true optimum on tiny events
(brute force), never above the old best-partners bound, and any prices give a valid bound."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import matchmaking as mm
from matchmaking.solvers.bounds.degree import degree_bound, degree_value
from matchmaking.solvers.seating import build_problem, seating_bound
from matchmaking.solvers.seating.bound import degree_pairs, sdp_bound


def _partitions(n: int, size: int) -> list[np.ndarray]:
    """Every split of ``n`` people into tables of ``size`` (table labels canonical)."""
    out = []
    for combo in itertools.combinations(range(1, n), size - 1):
        first = (0, *combo)
        rest = [i for i in range(n) if i not in first]
        if len(rest) == size:
            tab = np.zeros(n, dtype=int)
            tab[rest] = 1
            out.append(tab)
        else:
            for sub in _partitions(len(rest), size):
                tab = np.zeros(n, dtype=int)
                tab[rest] = sub + 1
                out.append(tab)
    return out


def _best_pairs(W: np.ndarray, size: int, rounds: int) -> float:
    """The best pair term (a pair's value once, however often it meets) over every plan."""
    parts = _partitions(len(W), size)
    best = -np.inf
    for plan in itertools.product(parts, repeat=rounds):
        met = np.zeros(W.shape, dtype=bool)
        for tab in plan:
            met |= tab[:, None] == tab[None, :]
        best = max(best, float(np.triu(np.where(met, W, 0.0), 1).sum()))
    return best


@pytest.mark.parametrize("seed", range(4))
def test_degree_bound_is_at_least_the_brute_force_optimum(seed):
    rng = np.random.default_rng(seed)
    n, size, rounds = 6, 3, 2
    W = np.triu(rng.integers(-2, 6, size=(n, n)).astype(float), 1)
    W = W + W.T
    best = _best_pairs(W, size, rounds)
    b = degree_bound(W, np.full(n, rounds * (size - 1)))
    assert b.value >= best - 1e-9
    assert b.value <= float(np.triu(np.maximum(W, 0), 1).sum()) + 1e-9  # never above "every pair"
    for _ in range(5):  # any non-negative prices prove a bound
        u = rng.uniform(0, 4, size=n)
        assert degree_value(W, np.full(n, rounds * (size - 1)), u) >= best - 1e-9


def test_degree_bound_beats_best_partners_and_is_exact_on_a_matching():
    W = np.zeros((4, 4))
    W[0, 1:] = W[1:, 0] = 4.0  # a star: everyone wants member 0
    b = degree_bound(W, np.ones(4, dtype=int))  # one partner each: a maximum-weight matching
    assert 4.0 - 1e-9 <= b.value <= 4.0 + 1e-6
    best_partners = sum(np.sort(W[i])[-1] for i in range(4)) / 2  # (4 + 4 + 4 + 4) / 2
    assert b.value < best_partners


def test_degree_pairs_on_an_event_is_valid_and_never_looser():
    c = mm.datasets.synthetic_community(36, seed=5)
    kw = {"tables": 6, "table_size": 6, "rounds": 2, "spread": ["sector"]}
    prob = build_problem(c, **kw)
    old, terms = seating_bound(prob)
    degree = degree_pairs(prob)
    assert degree <= terms["pairs"] + 1e-6
    plan = mm.seat(c, iterations=5_000, time_limit=60, seed=0, **kw)
    pairs = plan.objective_fn.evaluate(plan.assignments, "seating")["pairs"]
    assert pairs <= degree + 1e-9
    bound, new_terms, notes = sdp_bound(prob, max_iter=0, target=plan.objective)  # cheap bounds only
    assert plan.objective <= bound <= old + 1e-9
    assert "sdp bound" not in new_terms
    assert bound < old and new_terms["degree bound"] == bound  # this event: the degree bound is the tighter


def test_a_large_gap_over_several_rounds_is_explained():
    c = mm.datasets.synthetic_community(36, seed=5)
    prob = build_problem(c, tables=6, table_size=6, rounds=2, spread=["sector"])
    bound, _, notes = sdp_bound(prob, max_iter=0, target=0.5 * seating_bound(prob)[0])
    assert any("overstates the distance" in n for n in notes)
    _, _, quiet = sdp_bound(prob, max_iter=0, target=bound)
    assert not any("overstates" in n for n in quiet)
