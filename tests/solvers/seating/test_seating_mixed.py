"""The round search on the whole value (needs and spread too, issue 14): exact round values and sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from seating_helpers import check_round_prices, random_plan

import matchmaking as mm
from matchmaking.solvers.seating import build_problem
from matchmaking.solvers.seating.groups import Budget
from matchmaking.solvers.seating.kernel import groups as G
from matchmaking.solvers.seating.kernel import mixed as X
from matchmaking.solvers.seating.kernel.core import rng_state
from matchmaking.solvers.seating.mixed import MixedSearch, round_extras
from matchmaking.solvers.seating.rounds import round_values


def _problem():
    c = mm.datasets.synthetic_community(24, seed=5)
    hist = pd.DataFrame({"a": c.ids[:3], "b": c.ids[3:6]})
    prob = build_problem(c, tables=4, table_size=6, rounds=3, spread=["sector"], history=hist,
                         attendance={2: c.ids[2:]})
    rng = np.random.default_rng(1)
    return prob, random_plan(prob, rng), rng


def _value(E, x, g, m):
    return G.group_value(E, g) + X.extra_value(g, m, x["needs_w"], x["sw"], x["optr"], x["oidx"], x["uptr"],
                                               x["uidx"], x["OFF"], x["codes"], x["V"])


def test_round_value_with_needs_and_spread_prices_exactly_what_reseating_a_round_changes() -> None:
    prob, tab, rng = _problem()
    assert prob.needs.any() and prob.spread_codes

    def price(r, idx, E):
        x = round_extras(prob, tab, r, idx)
        return lambda g: _value(E, x, g, 4)

    check_round_prices(prob, tab, rng, price)


@pytest.mark.parametrize("moves", [False, True])
def test_mixed_tabu_keeps_the_sums_exact_and_the_rules(moves: bool) -> None:
    prob, tab, _ = _problem()
    r, m = 0, 4
    idx, E = round_values(prob, tab, r, prob.objective.repeat_penalty)
    x = round_extras(prob, tab, r, idx)
    g = tab[r, idx].copy()
    n = len(g)
    free = np.ones(n, dtype=bool)
    free[[0, 5]] = False
    fixed = g[[0, 5]].copy()
    target = np.bincount(g, minlength=m)
    lo, hi = (target - 1, target + 1) if moves else (target, target)
    args = (x["optr"], x["oidx"], x["uptr"], x["uidx"], x["OFF"])
    GW = G.gw_init(E, g, m)
    mem, size, pos = G.tables_of(g, m, n + 1)
    counts = X.counts_init(g, m, *args, x["codes"], x["V"])
    cur = np.asarray([_value(E, x, g, m)])
    best, best_g = cur.copy(), g.copy()
    tabu, info = np.zeros((n, m), np.int64), np.zeros(3, np.int64)
    made = X.tabu_mixed(E, g, GW, mem, size, pos, free, lo, hi, x["needs_w"], x["sw"], *args, x["UO"], x["codes"],
                        *counts, 200, 10**6, 2, 8, tabu, info, cur, best, best_g, rng_state(2),
                        *G.hard_partners(E, free))
    assert made == 200
    assert cur[0] == pytest.approx(_value(E, x, g, m)) and best[0] == pytest.approx(_value(E, x, best_g, m))
    assert np.allclose(GW, G.gw_init(E, g, m))
    for have, want in zip(counts, X.counts_init(g, m, *args, x["codes"], x["V"]), strict=True):
        assert (have == want).all()
    sizes = np.bincount(g, minlength=m)
    assert (sizes >= lo).all() and (sizes <= hi).all() and (moves or (sizes == target).all())
    assert (g[[0, 5]] == fixed).all() and (best_g[[0, 5]] == fixed).all()


def test_mixed_search_improves_a_round_and_repeats_with_a_fixed_effort() -> None:
    prob, tab, _ = _problem()
    idx, E = round_values(prob, tab, 1, prob.objective.repeat_penalty)
    x = round_extras(prob, tab, 1, idx)
    g0 = tab[1, idx]
    target = np.bincount(g0, minlength=4)

    def run():
        s = MixedSearch(E, target, np.ones(len(idx), bool), target, target, x, seed=3, population=4, stall=50)
        return s.run(g0, Budget(float("inf"), effort=20_000))

    (g1, v1), (g2, v2) = run(), run()
    assert (g1 == g2).all() and v1 == v2 == pytest.approx(_value(E, x, g1, 4)) and v1 > _value(E, x, g0, 4)
    assert (np.bincount(g1, minlength=4) == target).all()


def test_seat_with_needs_and_spread_reseats_rounds_in_turn_keeps_the_rules_and_repeats_exactly() -> None:
    c = mm.datasets.synthetic_community(30, seed=2)
    ids = c.ids
    req = mm.Requests(apart=[(ids[0], ids[1])], together=[(ids[4], ids[5])], pins=[(ids[2], 3, None)])
    kw = dict(capacities=[6, 6, 5, 5, 5, 5], rounds=3, spread=["sector"], requests=req, hosts=[ids[3]],
              attendance={2: ids[1:]}, time_limit=60, iterations=60_000, seed=1)
    a, b = mm.seat(c, **kw), mm.seat(c, **kw)
    assert "rounds" in a.method and a.assignments.equals(b.assignments)
    assert a.check() == [] and a.metrics()["repeats"] == 0
    annealed = mm.seat(c, **kw, params={"anneal_share": 1.0})
    assert "rounds" not in annealed.method and annealed.check() == []


@pytest.mark.parametrize("harder", [False, True])
def test_mixed_tabu_takes_the_best_move_although_it_skips_tables(harder: bool) -> None:
    """Each iteration's move is the best of the whole neighbourhood, checked by brute force on random seatings
    of a round whose pair values price repeats prohibitively (the hard partners the table skipping must catch);
    ``harder`` has tables of 3 and adds moves (sizes within one seat), two fixed members, negative pair values,
    a pair asked apart and need and spread weights five times the pairs'."""
    prob, tab, rng = _problem()
    r, m = 1, 4
    if harder:  # small tables: joining one often brings a new value or covers a need
        c = mm.datasets.synthetic_community(24, seed=5)
        prob = build_problem(c, tables=8, table_size=3, rounds=3, spread=["sector"])
        tab, m = random_plan(prob, rng), 8
    idx, E = round_values(prob, tab, r, 1e4)
    x = round_extras(prob, tab, r, idx)
    n = len(idx)
    free = np.ones(n, dtype=bool)
    if harder:
        free[[0, 7]] = False
        noise = rng.normal(0, 3, (n, n))
        E = E + np.triu(noise, 1) + np.triu(noise, 1).T
        E[2, 9] = E[9, 2] = G.FORBIDDEN
        x = {**x, "needs_w": 5 * x["needs_w"], "sw": 5 * x["sw"]}
    hard = G.hard_partners(E, free)
    assert np.diff(hard[0]).sum() > 0 and (hard[2] > 0).any() == harder  # repeats priced in; soft part
    args = (x["optr"], x["oidx"], x["uptr"], x["uidx"], x["OFF"])
    target = np.bincount(tab[r, idx], minlength=m)
    lo, hi = (target - 1, target + 1) if harder else (target, target)

    def tabu_step(g, iterations, seed):
        GW = G.gw_init(E, g, m)
        mem, size, pos = G.tables_of(g, m, n + 1)
        counts = X.counts_init(g, m, *args, x["codes"], x["V"])
        v0 = _value(E, x, g, m)
        cur, best, best_g = np.asarray([v0]), np.asarray([v0]), g.copy()
        tabu, info = np.zeros((n, m), np.int64), np.zeros(3, np.int64)
        X.tabu_mixed(E, g, GW, mem, size, pos, free, lo, hi, x["needs_w"], x["sw"], *args, x["UO"],
                     x["codes"], *counts, iterations, 10**6, 2, 8, tabu, info, cur, best, best_g, rng_state(seed),
                     *hard)
        return cur[0] - v0

    for trial in range(400):
        g = tab[r, idx][rng.permutation(n)]
        tabu_step(g, trial % 20 * 3, trial)  # from random seatings to near local optima, where bounds bite
        sizes = np.bincount(g, minlength=m)
        v0 = _value(E, x, g, m)
        options = [(i, j) for i in range(n) for j in range(i + 1, n) if free[i] and free[j] and g[i] != g[j]]
        options += [(i, -1 - b) for i in range(n) for b in range(m) if free[i] and b != g[i]
                    and sizes[b] + 1 <= hi[b] and sizes[g[i]] - 1 >= lo[g[i]]]
        want = -np.inf
        for i, j in options:
            h = g.copy()
            if j >= 0:
                h[i], h[j] = g[j], g[i]
            else:
                h[i] = -1 - j
            d = _value(E, x, h, m) - v0
            if d > 0.5 * G.FORBIDDEN:
                want = max(want, d)
        assert tabu_step(g, 1, trial) == pytest.approx(want, abs=1e-3), trial  # sums of -1e12 round
