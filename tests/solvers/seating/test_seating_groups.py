"""The grouping search of pairwise rounds (issue 14): exact incremental sums, valid moves, optimal on tiny cases."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from seating_helpers import check_round_prices, random_plan

import matchmaking as mm
from matchmaking.solvers.seating import build_problem
from matchmaking.solvers.seating.groups import Budget, GroupSearch
from matchmaking.solvers.seating.kernel import groups as G
from matchmaking.solvers.seating.kernel.core import rng_state


def _instance(n: int, seed: int, apart: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    E = np.round(rng.uniform(0, 100, (n, n)), 3)
    E = np.triu(E, 1) + np.triu(E, 1).T
    for _ in range(apart):
        i, j = rng.choice(n, 2, replace=False)
        E[i, j] = E[j, i] = G.FORBIDDEN
    return E


def _state(E: np.ndarray, g: np.ndarray, m: int) -> tuple:
    GW = G.gw_init(E, g, m)
    mem, size, pos = G.tables_of(g, m, len(g) + 1)
    cur = np.asarray([G.group_value(E, g)])
    return GW, mem, size, pos, cur


@pytest.mark.parametrize("moves", [False, True])
def test_annealing_and_tabu_keep_the_sums_exact_and_the_rules(moves: bool) -> None:
    n, m = 30, 4
    E = _instance(n, 1)
    g = np.arange(n) % m
    free = np.ones(n, dtype=bool)
    free[[0, 5]] = False  # fixed members stay
    target = np.bincount(g, minlength=m)
    lo, hi = (target - 1, target + 1) if moves else (target, target)
    GW, mem, size, pos, cur = _state(E, g, m)
    best, best_g = cur.copy(), g.copy()
    rng = rng_state(3)
    mov = np.flatnonzero(free)
    partners = np.argsort(-E, axis=1)[:, :5].astype(np.int64)
    G.anneal_groups(E, g, GW, mem, size, pos, mov, free, lo, hi, 0.3 if moves else 0.0, 20_000, 50.0, 5.0, cur, best,
                    best_g, rng, partners, 0.5)
    assert cur[0] == pytest.approx(G.group_value(E, g)) and np.allclose(GW, G.gw_init(E, g, m))
    tabu, info = np.zeros((n, m), np.int64), np.zeros(3, np.int64)
    G.tabu_groups(E, *G.hard_partners(E, free), g, GW, mem, size, pos, free, lo, hi, 300, 10**6, 2, 8, tabu, info, cur,
                  best, best_g, rng)
    assert cur[0] == pytest.approx(G.group_value(E, g)) and np.allclose(GW, G.gw_init(E, g, m))
    assert best[0] == pytest.approx(G.group_value(E, best_g))
    sizes = np.bincount(g, minlength=m)
    assert (sizes >= lo).all() and (sizes <= hi).all() and (moves or (sizes == target).all())
    assert g[0] == 0 and g[5] == 1 and best_g[0] == 0 and best_g[5] == 1
    assert sorted(mem[t, q] for t in range(m) for q in range(size[t])) == list(range(n))  # the tables list everyone


def test_crossover_keeps_sizes_and_fixed_members_and_distance_ignores_labels() -> None:
    n, m = 24, 4
    E = _instance(n, 2)
    rng = np.random.default_rng(0)
    target = np.asarray([5, 6, 6, 7])
    base = np.repeat(np.arange(m), target)
    free = np.ones(n, dtype=bool)
    free[:3] = False
    g1, g2 = base.copy(), base.copy()
    g1[3:] = rng.permutation(base[3:])
    g2[3:] = rng.permutation(base[3:])
    for _ in range(20):
        child = G.cross_groups(E, g1, g2, free, target, rng_state(int(rng.integers(1000))))
        assert (np.bincount(child, minlength=m) == target).all() and (child[:3] == base[:3]).all()
    same = G.cross_groups(E, g1, g1, free, target, rng_state(1))
    assert G.partition_distance(same, g1, m) == 0
    relabelled = np.asarray([3, 2, 1, 0])[g1]
    assert G.partition_distance(g1, relabelled, m) == 0 and G.partition_distance(g1, g2, m) > 0


def _brute_force(E: np.ndarray, sizes: list[int]) -> float:
    n = len(E)
    best = -np.inf
    for first in itertools.combinations(range(1, n), sizes[0] - 1):
        g = np.ones(n, dtype=np.int64)
        g[[0, *first]] = 0
        best = max(best, G.group_value(E, g))
    return best


def test_memetic_search_finds_the_optimum_of_a_small_mdgp_and_respects_apart_pairs() -> None:
    E = _instance(12, 4, apart=3)
    best = _brute_force(E, [6, 6])
    target = np.asarray([6, 6])
    gs = GroupSearch(E, target, np.ones(12, dtype=bool), target, target, seed=0, population=4, stall=200)
    start = np.asarray([0, 1] * 6)
    start = start[np.argsort(-np.abs(E).sum(axis=1)).argsort()]  # any start of the right sizes
    g, value = gs.run(start, Budget(deadline=float("inf"), effort=200_000))
    assert value == pytest.approx(best) == pytest.approx(G.group_value(E, g)) and value > 0.5 * G.FORBIDDEN


def test_round_values_price_exactly_what_reseating_a_round_changes() -> None:
    c = mm.datasets.synthetic_community(18, seed=3)
    hist = pd.DataFrame({"a": c.ids[:4], "b": c.ids[4:8]})
    pairs = pd.DataFrame([(a, b, float((i * 7 + j * 3) % 11)) for i, a in enumerate(c.ids) for j, b in enumerate(c.ids)
                          if i < j], columns=["a", "b", "weight"])
    prob = build_problem(c, tables=3, table_size=6, rounds=3, pairs=pairs, history=hist,
                         attendance={2: c.ids[1:]})
    rng = np.random.default_rng(0)
    tab = random_plan(prob, rng)
    check_round_prices(prob, tab, rng, lambda r, idx, E: lambda g: G.group_value(E, g))


def test_pairwise_seating_uses_the_grouping_search_repeats_nothing_and_repeats_exactly() -> None:
    c = mm.datasets.synthetic_community(40, seed=9)
    ids = c.ids
    req = mm.Requests(apart=[(ids[0], ids[1])], pins=[(ids[2], 3, None)])
    kw = dict(tables=8, table_size=5, rounds=3, needs=0, requests=req, hosts=[ids[3]], time_limit=30,
              iterations=300_000, seed=4)
    a, b = mm.seat(c, **kw), mm.seat(c, **kw)
    assert "groups" in a.method and a.assignments.equals(b.assignments)
    assert a.check() == [] and a.metrics()["repeats"] == 0
    greedy = mm.seat(c, **{**kw, "iterations": 1})
    assert a.objective > greedy.objective


def test_one_round_with_room_left_is_solved_like_brute_force() -> None:
    c = mm.Community.from_frame(pd.DataFrame({"id": [f"m{i}" for i in range(9)]}))
    E = _instance(9, 7)
    pairs = pd.DataFrame([(f"m{i}", f"m{j}", E[i, j]) for i, j in itertools.combinations(range(9), 2)],
                         columns=["a", "b", "weight"])
    plan = mm.seat(c, capacities=[4, 4, 4], rounds=1, pairs=pairs, time_limit=20, iterations=50_000, seed=0)
    best = -np.inf
    for combo in itertools.product(range(3), repeat=9):  # every seating of 3 or 4 at the three tables
        g = np.asarray(combo)
        sizes = np.bincount(g, minlength=3)
        if sizes.max() <= 4 and sizes.min() >= 2:  # the search keeps tables within a seat of 3
            best = max(best, G.group_value(E, g))
    assert plan.objective == pytest.approx(best)


@pytest.mark.parametrize("repeats", [False, True])
def test_one_tabu_iteration_makes_the_best_swap_when_pairs_are_negative(repeats: bool) -> None:
    """Repeats and apart requests price pairs below zero: the table skipping must not miss the best swap.

    ``repeats``: a fifth of the pairs cost 10,000 (the hard partners evaluated one by one), on 18 people
    at 6 tables, from random seatings and from seatings a few tabu iterations on (near local optima)."""
    n, m = (18, 6) if repeats else (12, 3)
    for seed in range(200 if repeats else 30):
        r = np.random.default_rng(seed)
        E = r.uniform(-50, 10, (n, n)) if not repeats else r.uniform(0, 10, (n, n))
        if repeats:
            E = np.where(r.random((n, n)) < 0.2, -1e4, E)
        E = np.triu(E, 1) + np.triu(E, 1).T
        g = r.permutation(np.arange(n) % m)
        _tabu_steps(E, g, m, seed % 10 * 2 if repeats else 0, seed)
        value = G.group_value(E, g)
        best_swap = max(G.group_value(E, np.where(np.arange(n) == i, g[j], np.where(np.arange(n) == j, g[i], g)))
                        for i in range(n) for j in range(i + 1, n) if g[i] != g[j])
        assert _tabu_steps(E, g, m, 1, seed) == pytest.approx(best_swap), value
        assert G.group_value(E, g) == pytest.approx(best_swap)


def _tabu_steps(E: np.ndarray, g: np.ndarray, m: int, iterations: int, seed: int) -> float:
    """``iterations`` tabu iterations from ``g`` (changed in place), swaps only, nobody fixed; the value after."""
    n = len(g)
    target = np.bincount(g, minlength=m)
    GW, mem, size, pos, cur = _state(E, g, m)
    best, best_g = cur.copy(), g.copy()
    tabu, info = np.zeros((n, m), np.int64), np.zeros(3, np.int64)
    free = np.ones(n, dtype=bool)
    G.tabu_groups(E, *G.hard_partners(E, free), g, GW, mem, size, pos, free, target, target, iterations, 10**6, 2, 8,
                  tabu, info, cur, best, best_g, rng_state(seed))
    return float(cur[0])


def test_big_rounds_go_on_with_an_iterated_tabu_search_that_keeps_sizes_fixed_members_and_apart_pairs() -> None:
    n, m = 40, 5
    E = _instance(n, 7, apart=6)
    g0 = np.arange(n) % m
    free = np.ones(n, dtype=bool)
    free[[3, 9]] = False
    target = np.bincount(g0, minlength=m)
    calls: list[str] = []

    class Traced(GroupSearch):
        def iterate(self, g, v, budget, offer):  # noqa: ANN001, ANN202
            calls.append("iterate")
            return super().iterate(g, v, budget, offer)

    def solve(seed: int) -> tuple[np.ndarray, float]:
        gs = Traced(E, target, free, target, target, seed=seed, big=20, stall=200)  # 38 free members > big
        return gs.run(g0, Budget(float("inf"), effort=400_000))

    g, v = solve(3)
    assert calls  # the iterated search ran, not the pool
    assert v == pytest.approx(G.group_value(E, g)) and v > 0.5 * G.FORBIDDEN  # no apart pair seated together
    assert (np.bincount(g, minlength=m) == target).all() and g[3] == g0[3] and g[9] == g0[9]
    g2, v2 = solve(3)
    assert v2 == v and (g2 == g).all()  # the same seed and effort give the same seating
    kicked = Traced(E, target, free, target, target, seed=1).kicked(g0)
    assert (np.bincount(kicked, minlength=m) == target).all() and kicked[3] == g0[3] and kicked[9] == g0[9]
