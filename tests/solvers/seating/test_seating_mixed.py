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
                        *X.hard_partners(E, free))
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


def test_mixed_tabu_takes_the_best_swap_although_it_skips_tables() -> None:
    """Each iteration's move is the best of the whole neighbourhood, checked by brute force on random seatings
    of a round whose pair values price repeats prohibitively (the hard partners the table skipping must catch)."""
    prob, tab, rng = _problem()
    r, m = 1, 4
    idx, E = round_values(prob, tab, r, 1e4)
    x = round_extras(prob, tab, r, idx)
    n = len(idx)
    free = np.ones(n, dtype=bool)
    hard = X.hard_partners(E, free)
    assert np.diff(hard[0]).sum() > 0  # some pairs met in another round
    args = (x["optr"], x["oidx"], x["uptr"], x["uidx"], x["OFF"])
    for trial in range(30):
        g = tab[r, idx].copy()
        g = g[rng.permutation(n)]
        target = np.bincount(g, minlength=m)
        v0 = _value(E, x, g, m)
        want = -np.inf
        for i in range(n):
            for j in range(i + 1, n):
                if g[i] != g[j]:
                    h = g.copy()
                    h[i], h[j] = g[j], g[i]
                    want = max(want, _value(E, x, h, m) - v0)
        GW = G.gw_init(E, g, m)
        mem, size, pos = G.tables_of(g, m, n + 1)
        counts = X.counts_init(g, m, *args, x["codes"], x["V"])
        cur, best, best_g = np.asarray([v0]), np.asarray([v0]), g.copy()
        tabu, info = np.zeros((n, m), np.int64), np.zeros(3, np.int64)
        X.tabu_mixed(E, g, GW, mem, size, pos, free, target, target, x["needs_w"], x["sw"], *args, x["UO"],
                     x["codes"], *counts, 1, 10**6, 2, 8, tabu, info, cur, best, best_g, rng_state(trial), *hard)
        assert cur[0] - v0 == pytest.approx(want), trial
