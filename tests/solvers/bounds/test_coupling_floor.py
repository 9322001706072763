"""The floor under round-by-round bounds (``benchmarks/coupling_floor.py``): its value is a real point's."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

import matchmaking as mm
from matchmaking.solvers import seating as S

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))

import coupling_floor as F  # noqa: E402
from bench_seating import instance  # noqa: E402


@pytest.fixture(scope="module")
def tiny() -> tuple:
    community, kw = instance("tiny")
    plan = mm.seat(community, time_limit=3, seed=0, **kw)
    one = S.build_problem(community, **{**kw, "rounds": 1})
    rounds = F.plan_rounds(S.build_problem(community, **kw), plan)
    others = F.mixture(community, kw, one, 4, 0.5)
    return community, kw, plan, one, rounds, others


def test_mixture_of_a_plans_rounds_is_worth_the_plan(tiny) -> None:
    community, kw, plan, one, rounds, _ = tiny
    assert F.mixture_value(F.Columns(one, rounds), kw["rounds"])["total"] == pytest.approx(plan.objective)
    assert F.mixture_value(F.Columns(one, rounds + rounds), kw["rounds"])["total"] == pytest.approx(plan.objective)


def test_one_seating_in_every_round_pays_its_repeats_in_both(tiny) -> None:
    community, kw, plan, one, rounds, _ = tiny
    cols = F.Columns(one, rounds[:1])
    value = F.mixture_value(cols, kw["rounds"])  # round 1 twice: every tablemate pair twice
    pairs = int(F.meets(one, rounds[0]).sum())
    assert value["repeats"] == -one.objective.repeat_penalty * pairs
    floor, lam, prices = F.master(cols, kw["rounds"])
    assert floor == pytest.approx(value["total"]) and lam == pytest.approx([1.0])
    # the only seating is used, so its reduced cost is 0: the price of a round is what it earns at the prices
    assert prices["mu"] != 0 and kw["rounds"] * cols.priced(prices, 0) == pytest.approx(prices["mu"])


def test_master_is_a_floor_between_the_plan_and_the_bound(tiny) -> None:
    community, kw, plan, one, rounds, others = tiny
    cols = F.Columns(one, rounds + others)
    floor, lam, prices = F.master(cols, kw["rounds"])
    assert lam.sum() == pytest.approx(1.0) and (lam >= -1e-9).all()
    assert plan.objective - 1e-6 <= floor <= plan.bound + 1e-6
    # the point the program picked is worth exactly what it says
    assert F.mixture_value(cols, kw["rounds"], weights=lam)["total"] == pytest.approx(floor, rel=1e-9)
    # prices: every seating's reduced cost is at most 0, and 0 for the seatings used
    rc = np.array([kw["rounds"] * cols.priced(prices, k) - prices["mu"] for k in range(len(cols))])
    assert (rc <= 1e-6 * max(1.0, abs(floor))).all()
    assert np.abs(rc[lam > 1e-9]).max() <= 1e-6 * max(1.0, abs(floor))


def test_negative_pairs_are_charged_for_every_meeting(tiny) -> None:
    community, kw, plan, one, rounds, others = tiny
    rng = np.random.default_rng(0)
    W = np.triu(rng.choice([-2.0, -1.0, 1.0, 2.0], size=one.weights.shape), 1)
    cols = F.Columns(dataclasses.replace(one, weights=W + W.T), rounds + others)
    floor, lam, prices = F.master(cols, kw["rounds"])
    assert floor <= F.mixture_value(cols, kw["rounds"], weights=lam)["total"] + 1e-9
    rc = np.array([kw["rounds"] * cols.priced(prices, k) - prices["mu"] for k in range(len(cols))])
    assert np.abs(rc[lam > 1e-9]).max() <= 1e-6 * max(1.0, abs(floor))


def test_pricing_seats_the_pairs_the_prices_reward(tiny) -> None:
    community, kw, plan, one, rounds, _ = tiny
    iu = np.triu_indices(one.n, 1)
    pairs = np.zeros(len(iu[0]))
    wanted = [(0, 5), (1, 7), (2, 9), (3, 11)]
    for i, j in wanted:
        pairs[np.flatnonzero((iu[0] == i) & (iu[1] == j))] = 50.0
    tab = F.price(one, {"pairs": pairs, "needs": np.zeros(one.needs.size), "mu": 0.0}, 0.5, seed=0)
    assert not one.violations(tab)
    assert all(tab[0, i] == tab[0, j] for i, j in wanted)


def test_column_generation_never_lowers_the_floor(tiny) -> None:
    community, kw, plan, one, rounds, others = tiny
    cols = F.Columns(one, rounds + others)
    start, _, _ = F.master(cols, kw["rounds"])
    floor, lam = F.generate(cols, kw["rounds"], 0.3, 3, log=False)
    assert floor >= start - 1e-9 and len(cols) == len(rounds + others) + 3
    assert not any(one.violations(t) for t in cols.tabs)


def test_history_is_refused(tiny) -> None:
    community, kw, plan, one, rounds, _ = tiny
    met = np.zeros_like(one.met_before)
    met[0, 1] = met[1, 0] = True
    with pytest.raises(ValueError, match="history"):
        F.Columns(dataclasses.replace(one, met_before=met), rounds)
