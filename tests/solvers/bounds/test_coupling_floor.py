"""The floor under round-by-round bounds (``benchmarks/coupling_floor.py``): its value is a real point's."""

from __future__ import annotations

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
    tab = S.build_problem(community, **kw).to_tab(plan.assignments)
    return community, kw, plan, one, [tab[r:r + 1] for r in range(kw["rounds"])]


def test_mixture_of_a_plans_rounds_is_worth_the_plan(tiny) -> None:
    community, kw, plan, one, rounds = tiny
    value = F.mixture_value(one, rounds, kw["rounds"])
    assert value["total"] == pytest.approx(plan.objective)
    # the same rounds mixed twice over give the same point
    assert F.mixture_value(one, rounds + rounds, kw["rounds"])["total"] == pytest.approx(plan.objective)


def test_mixing_one_seating_into_every_round_pays_its_repeats(tiny) -> None:
    community, kw, plan, one, rounds = tiny
    value = F.mixture_value(one, rounds[:1], kw["rounds"])  # round 1 in both rounds: every pair twice
    assert value["repeats"] < 0 and value["total"] < plan.objective


def test_master_program_is_a_floor_between_the_plan_and_the_bound(tiny) -> None:
    community, kw, plan, one, rounds = tiny
    others = F.mixture(community, kw, 4, 0.5)
    floor, lam, prices = F.master(one, rounds + others, kw["rounds"])
    assert lam.sum() == pytest.approx(1.0) and (lam >= -1e-9).all()
    assert plan.objective - 1e-6 <= floor <= plan.bound + 1e-6
    # the point the program picked is worth what it says
    assert F.mixture_value(one, [t for t, x in zip(rounds + others, lam, strict=True) for _ in range(int(round(x * 1000)))],
                           kw["rounds"])["total"] == pytest.approx(floor, rel=1e-2)
    assert np.isfinite(prices["mu"])
