"""The layered structures of the tight golfer sizes (issue 14: 8-4-10 without repeats)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.solvers.seating.layered import (
    abelian_groups,
    is_tight,
    layered_design,
    layered_structures,
)
from matchmaking.solvers.seating.orbital import solve_orbital


def _repeat_free(tab: np.ndarray, size: int) -> bool:
    same = np.zeros((tab.shape[1],) * 2, dtype=np.int64)
    for row in tab:
        if (np.bincount(row) != size).any():
            return False
        same += row[:, None] == row[None, :]
    np.fill_diagonal(same, 0)
    return int(same.max()) <= 1


def test_abelian_groups_are_the_products_of_cyclic_groups() -> None:
    assert abelian_groups(16) == [(16,), (8, 2), (4, 4), (4, 2, 2), (2, 2, 2, 2)]
    assert abelian_groups(12) == [(12,), (6, 2)]
    assert abelian_groups(9) == [(9,), (3, 3)]
    assert abelian_groups(7) == [(7,)]


def test_tight_means_everyone_misses_exactly_one_other() -> None:
    assert is_tight(8, 4, 10) and is_tight(6, 3, 8) and is_tight(4, 2, 6)
    assert not is_tight(8, 4, 9) and not is_tight(5, 3, 7)
    assert layered_design(8, 4, 9) is None  # not tight: left to the other designs


def test_structures_have_invariant_mates_and_consistent_rounds() -> None:
    statuses = []
    for name, gens, mates in itertools.islice(layered_structures(8, 4, 10, seed=3), 12):
        mate = np.asarray(mates)
        assert (mate[mate] == np.arange(32)).all() and (mate != np.arange(32)).all(), name
        for pts, rds in gens:
            assert (mate[pts] == pts[mate]).all(), name
            assert sorted(rds.tolist()) == list(range(10)), name
        res = solve_orbital(32, 4, 10, gens, mates, effort=0.05)  # the model accepts it
        assert res.status in ("OPTIMAL", "INFEASIBLE", "UNKNOWN"), name
        statuses.append(res.status)
        if res.schedule is not None:
            assert _repeat_free(res.schedule, 4), name
    assert "INFEASIBLE" in statuses  # most structures are refuted outright


def test_groups_without_involutions_give_nothing() -> None:
    assert layered_design(6, 3, 8) is None  # 18 points: Z_9 and Z_3 x Z_3 have no element of order 2


def test_small_tight_size_is_found_and_reproducible() -> None:
    a = layered_design(4, 2, 6, seed=5)
    b = layered_design(4, 2, 6, seed=5)
    assert a is not None and _repeat_free(a, 2)
    assert (a == b).all()


def test_8_4_10_is_found_without_repeats() -> None:
    tab = layered_design(8, 4, 10, seed=1, effort=0.3, max_structures=40)
    assert tab is not None and tab.shape == (10, 32)
    assert _repeat_free(tab, 4)
    same = sum((row[:, None] == row[None, :]).astype(int) for row in tab)
    assert int((same == 0).sum()) == 32  # every golfer misses exactly one other


@pytest.mark.parametrize("seed", [1, 4])
def test_seat_gives_8_4_10_without_repeats_at_a_fixed_effort(seed: int) -> None:
    ids = [f"g{i:02d}" for i in range(32)]
    plan = mm.seat(mm.Community.from_frame(pd.DataFrame({"id": ids})), tables=8, table_size=4, rounds=10,
                   needs=0.0, seed=seed, iterations=400_000, time_limit=120)
    assert plan.metrics()["repeats"] == 0
    assert plan.check() == []
    assert plan.assignments.groupby(["round", "table"]).size().eq(4).all()


def test_sampled_structures_end_when_the_draws_repeat(monkeypatch: pytest.MonkeyPatch) -> None:
    from matchmaking.solvers.seating import layered

    monkeypatch.setattr(layered, "LISTED", 0)  # every group sampled at random, as the big ones are
    group = layered.AbelianGroup((2, 2))
    drawn = list(group.structures(6, np.random.default_rng(0)))  # ends: no endless loop once all are drawn
    keys = {(tuple(p), tuple(sorted(tuple(sorted(H)) for H in c)), h) for p, c, h in drawn}
    assert len(keys) == len(drawn) == group.count(6)


def test_seat_on_8_4_10_repeats_itself_at_a_fixed_effort() -> None:
    ids = [f"g{i:02d}" for i in range(32)]
    c = mm.Community.from_frame(pd.DataFrame({"id": ids}))
    plans = [mm.seat(c, tables=8, table_size=4, rounds=10, needs=0.0, seed=4, iterations=300_000, time_limit=120)
             for _ in range(2)]
    key = ["round", "member"]
    a, b = (p.assignments.sort_values(key).reset_index(drop=True) for p in plans)
    assert a.equals(b) and plans[0].metrics()["repeats"] == 0
