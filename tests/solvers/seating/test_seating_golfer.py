"""Zero repeats (issue 14): the golfer tabu search on pair classes, cyclic designs and their relabelling."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

import matchmaking as mm
from matchmaking.solvers.seating.golfer import GolferSearch, cyclic_design, orbit_classes
from matchmaking.solvers.seating.kernel.golfer import conflicts, swap


def repeated_pairs(tab: np.ndarray) -> int:
    """Meetings beyond the first of every pair, counted from scratch (rounds x members, -1 absent)."""
    meet: dict[tuple[int, int], int] = {}
    for row in tab:
        for t in set(row[row >= 0].tolist()):
            for a, b in itertools.combinations(np.flatnonzero(row == t).tolist(), 2):
                meet[a, b] = meet.get((a, b), 0) + 1
    return sum(m - 1 for m in meet.values() if m > 1)


def test_swaps_keep_the_conflict_count_exact() -> None:
    rng = np.random.default_rng(3)
    for k, c, f in [(1, 12, 0), (4, 3, 0), (3, 3, 3)]:
        cls, cap = orbit_classes(k, c, f)
        N = k * c + f
        tab = np.asarray([rng.permutation(np.arange(N) % 4) for _ in range(3)], dtype=np.int64)
        g = GolferSearch(tab, 4, cls, cap, [0, 1, 2], seed=0)
        cur = g.conflicts
        for _ in range(200):
            r, x, y = int(rng.integers(3)), int(rng.integers(N)), int(rng.integers(N))
            if g.tab[r, x] != g.tab[r, y]:
                cur += swap(x, y, r, g.tab, g.mem, g.pos, g.size, g.cls, g.cnt, g.cap)
                assert cur == conflicts(g.tab, g.mem, g.size, g.cls, g.cnt.copy(), g.cap)
        if k == 1:
            assert cur == repeated_pairs(g.tab)


def test_orbits_of_the_shift() -> None:
    cls, cap = orbit_classes(10, 3, 2)  # 8-4-10: 48 full orbits = the 48 pairs of one round of 8 tables of 4
    assert int(cap.sum()) == 48 and (cls == cls.T).all()
    assert cap[cls[0, 5]] == 0 and cap[cls[30, 31]] == 0 and cap[cls[0, 30]] == 1


def test_golfer_search_reaches_zero_and_keeps_the_fixed() -> None:
    rng = np.random.default_rng(0)
    cls, cap = orbit_classes(1, 15, 0)
    tab = np.asarray([rng.permutation(np.arange(15) % 5) for _ in range(7)], dtype=np.int64)  # Kirkman 5-3-7
    free = np.ones_like(tab, dtype=bool)
    free[:, 0] = False
    g = GolferSearch(tab, 5, cls, cap, list(range(7)), free=free, seed=1)
    g.run_until(20_000)
    assert g.best_conflicts == 0 and repeated_pairs(g.best_tab) == 0
    assert (g.best_tab[:, 0] == tab[:, 0]).all()


def test_cyclic_design_6_3_8_has_no_repeated_pair() -> None:
    tab = cyclic_design(6, 3, 8, seed=4, max_iter=100_000)
    assert tab is not None and tab.shape == (8, 18)
    assert all(np.bincount(row, minlength=6).tolist() == [3] * 6 for row in tab)
    assert repeated_pairs(tab) == 0


def test_6_3_8_with_hosts_and_absences_is_repeat_free_and_reproducible() -> None:
    ids = [f"g{i:02d}" for i in range(18)]
    c = mm.Community.from_frame(pd.DataFrame({"id": ids}))
    kw = {"tables": 6, "table_size": 3, "rounds": 8, "hosts": {ids[3]: 1, ids[11]: 4}, "attendance": {2: ids[1:]},
          "time_limit": 120, "iterations": 5_000, "seed": 3, "needs": 0}
    plan = mm.seat(c, **kw)
    rows = plan.assignments
    assert plan.metrics()["repeats"] == 0 and plan.check() == []
    assert set(rows.loc[rows["member"] == ids[3], "table"]) == {1}
    assert set(rows.loc[rows["member"] == ids[11], "table"]) == {4}
    assert ids[0] not in set(rows.loc[rows["round"] == 2, "member"])
    again = mm.seat(c, **kw)
    pd.testing.assert_frame_equal(plan.assignments, again.assignments)


def test_symmetric_structures_are_solved_or_refuted_exactly() -> None:
    from matchmaking.solvers.seating.symmetric import Structure, solve_structure

    tab = solve_structure(6, 3, 8, Structure(4, (4, 4, 4, 4, 1, 1), (4, 4), 0), effort=20.0)
    assert tab is not None and tab.shape == (8, 18) and repeated_pairs(tab) == 0
    assert all(np.bincount(row, minlength=6).tolist() == [3] * 6 for row in tab)
    # Z_15 on two columns with two fixed points, rounds in orbits of 5: no 8-4-10 schedule has it
    assert solve_structure(8, 4, 10, Structure(15, (15, 15, 1, 1), (5, 5), 2), effort=20.0) is None



def test_a_fixed_effort_gives_the_same_plan_or_says_the_clock_cut_it() -> None:
    # 8-4-10: no field design, the cyclic and CP-SAT design searches and the repair all run; with
    # iterations= their counts bound them, so a plan differs from the unhurried one only when the
    # time limit cut the run, and then a note says so
    c = mm.Community.from_frame(pd.DataFrame({"id": [f"p{i:02d}" for i in range(32)]}))
    key = ["round", "member"]
    plans = [mm.seat(c, tables=8, table_size=4, rounds=10, iterations=20_000, time_limit=limit, seed=0)
             for limit in (60, 2)]
    assert not any("cut short" in note for note in plans[0].notes)
    same = plans[0].assignments.sort_values(key).reset_index(drop=True).equals(
        plans[1].assignments.sort_values(key).reset_index(drop=True))
    assert same or any("cut short" in note for note in plans[1].notes)
