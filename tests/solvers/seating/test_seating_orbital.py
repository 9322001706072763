"""The pair-orbit CP-SAT model of golfer schedules under a group (matchmaking.solvers.seating.orbital)."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaking.solvers.seating.orbital import cyclic_generator, solve_orbital


def repeats(tab: np.ndarray) -> int:
    """Pairs meeting more than once, counted independently of the module."""
    met: dict[tuple[int, int], int] = {}
    for row in tab.tolist():
        for a in range(len(row)):
            for b in range(a + 1, len(row)):
                if row[a] == row[b]:
                    met[a, b] = met.get((a, b), 0) + 1
    return sum(v - 1 for v in met.values() if v > 1)


def test_affine_plane_under_translations() -> None:
    gens = [(np.arange(16) ^ t, np.arange(5)) for t in (1, 2, 4, 8)]
    res = solve_orbital(16, 4, 5, gens, effort=5)
    assert res.status == "OPTIMAL" and res.variables < 5 * 120
    assert repeats(res.schedule) == 0
    assert all(np.bincount(row).tolist() == [4] * 4 for row in res.schedule)


def test_six_three_eight_with_a_four_cycle_symmetry() -> None:
    res = solve_orbital(18, 3, 8, [cyclic_generator([4, 4, 4, 4, 1, 1], [4, 4])], effort=10)
    assert res.status == "OPTIMAL" and repeats(res.schedule) == 0
    sigma = np.asarray(cyclic_generator([4, 4, 4, 4, 1, 1], [4, 4])[0])
    developed = res.schedule[1]  # round 1 is round 0 moved by sigma: same tables, moved points
    assert all((developed[sigma[a]] == developed[sigma[b]]) == (res.schedule[0][a] == res.schedule[0][b])
               for a in range(18) for b in range(18))


def test_mates_refute_the_z15_structure_of_eight_four_ten() -> None:
    # Z_15 on two 15-cycles and two fixed points, rounds in two orbits of 5: the fixed points' tables
    # need four triples of pure difference 5 where the two layers hold two, so CP-SAT proves it at once
    mates = [(a + 15) % 30 if a < 30 else 61 - a for a in range(32)]
    res = solve_orbital(32, 4, 10, [cyclic_generator([15, 15, 1, 1], [5, 5])], mates, effort=10)
    assert res.status == "INFEASIBLE" and res.schedule is None


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        solve_orbital(6, 4, 2, [])
    with pytest.raises(ValueError):
        solve_orbital(4, 2, 3, [], mates=[0, 1, 2, 3])
    with pytest.raises(ValueError):
        solve_orbital(4, 2, 3, [(np.zeros(4, dtype=np.int64), np.arange(3))])
    with pytest.raises(ValueError, match="invariant"):  # mates the symmetry does not keep: refused, not "refuted"
        solve_orbital(18, 3, 8, [cyclic_generator([4, 4, 4, 4, 1, 1], [4, 4])], mates=[a ^ 1 for a in range(18)])


def test_mates_never_meet_and_every_other_pair_meets_once() -> None:
    # 4 people, tables of 2, 0-1 and 2-3 mates: the two rounds are {02, 13} and {03, 12} in some order
    res = solve_orbital(4, 2, 2, [], mates=[1, 0, 3, 2])
    assert res.status == "OPTIMAL" and repeats(res.schedule) == 0
    for row in res.schedule:
        assert row[0] != row[1] and row[2] != row[3]
    # 6 people in tables of 3 with three mate pairs: the 12 other pairs would need 2 rounds of two
    # triangles of the octahedron K_{2,2,2}, two antipodal pairs of faces, and no two such pairs cover
    # its edges exactly once (their difference would need 3 pairwise different bits): refuted
    assert solve_orbital(6, 3, 2, [], mates=[1, 0, 3, 2, 5, 4]).status == "INFEASIBLE"
