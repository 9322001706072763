"""The exact roulette (CP-SAT) against brute force, and the proofs it gives (issue 14)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.scoring.objective import default_objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.control import Monitor
from matchmaking.solvers.pairing import RouletteParams
from matchmaking.solvers.pairing.roulette_exact import solve_exact
from matchmaking.solvers.pairing.roulette_search import RouletteProblem


def groupings(people: list[int]) -> list[frozenset]:
    """Every split of sorted ``people`` into pairs (and one trio when odd), as sets of pairs met."""
    if not people:
        return [frozenset()]
    first, rest = people[0], people[1:]
    out = []
    for mate in rest:  # first in a pair
        left = [p for p in rest if p != mate]
        if len(left) != 1:
            out += [frozenset({(first, mate)}) | tail for tail in groupings(left)]
    if len(people) % 2 == 1:  # first in the trio, the rest in pairs
        for a, b in itertools.combinations(rest, 2):
            left = [p for p in rest if p not in (a, b)]
            out += [frozenset({(first, a), (first, b), (a, b)}) | tail for tail in groupings(left)]
    return out


def brute_force(n: int, rounds: int, w: np.ndarray, banned: set = frozenset()) -> float:
    options = [g for g in groupings(list(range(n))) if not g & banned]
    best = -np.inf
    for combo in itertools.combinations(options, rounds):
        seen: set = set()
        if any(seen & g or seen.update(g) for g in combo):
            continue
        best = max(best, sum(w[a, b] for a, b in seen))
    return best


def weights_frame(c: mm.Community, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = len(c)
    i, j = np.triu_indices(n, 1)
    w = np.zeros((n, n))
    w[i, j] = rng.integers(0, 20, len(i))
    ids = np.asarray(c.ids)
    return pd.DataFrame({"a": ids[i], "b": ids[j], "weight": w[i, j]}), w


@pytest.mark.parametrize(("n", "rounds", "seed"), [(8, 3, 0), (8, 3, 1), (7, 2, 2), (7, 3, 3)])
def test_exact_model_equals_brute_force(n: int, rounds: int, seed: int) -> None:
    c = mm.datasets.synthetic_community(n, seed=seed)
    frame, w = weights_frame(c, seed)
    optimum = brute_force(n, rounds, w)
    objective = default_objective(c, "pairs", pairs=frame)
    problem = RouletteProblem(objective, c.ids, np.ones((rounds, n), dtype=bool), Requests())
    hint = problem.build(None)
    plan, bound, proven = solve_exact(problem, hint, Monitor(time_limit=60), seconds=30, seed=0)
    assert proven and problem.value(plan) == (0, pytest.approx(optimum)) and bound == pytest.approx(optimum)
    for groups in plan:  # a perfect grouping each round: pairs, one trio when odd
        assert sorted(m for g in groups for m in g) == list(range(n))
        assert sorted(len(g) for g in groups) == [2] * (n // 2 - n % 2) + [3] * (n % 2)
    result = mm.pair(c, "roulette", rounds=rounds, pairs=frame, time_limit=30)
    assert result.status == "optimal" and result.objective == pytest.approx(optimum) and result.gap == 0
    assert result.check() == []


def test_history_apart_and_together_in_the_exact_model() -> None:
    n, rounds = 8, 2
    c = mm.datasets.synthetic_community(n, seed=5)
    frame, w = weights_frame(c, 5)
    ids = c.ids
    history = pd.DataFrame({"a": [ids[0]], "b": [ids[1]]})
    requests = Requests(apart=[(ids[2], ids[3])], together=[(ids[4], ids[5])])
    banned = {(0, 1), (2, 3)}
    # the together pair meets in every round: fix it, and brute-force the others
    options = [g for g in groupings(list(range(n))) if not g & banned and (4, 5) in g]
    best = -np.inf
    for combo in itertools.combinations(options, rounds):
        pairs = [p for g in combo for p in g if p != (4, 5)]
        if len(pairs) == len(set(pairs)):
            best = max(best, sum(w[a, b] for a, b in set(pairs) | {(4, 5)}))
    plan = mm.pair(c, "roulette", rounds=rounds, pairs=frame, history=history, requests=requests, time_limit=30)
    assert plan.status == "optimal" and plan.objective == pytest.approx(best)
    assert plan.metrics()["repeats"] == 0 and plan.check() == []


def test_the_exact_model_runs_when_the_heuristic_misses_the_bound() -> None:
    """Sparse weights: the LP bound is fractional, so only the exact model can prove optimality."""
    c = mm.datasets.synthetic_community(16, seed=7)
    rng = np.random.default_rng(7)
    ids = np.asarray(c.ids)
    i, j = np.triu_indices(16, 1)
    keep = rng.random(len(i)) < 0.25
    frame = pd.DataFrame({"a": ids[i[keep]], "b": ids[j[keep]], "weight": rng.integers(1, 50, keep.sum()).astype(float)})
    joint = mm.pair(c, "roulette", rounds=4, pairs=frame, time_limit=30)
    sequential = mm.pair(c, "roulette", rounds=4, pairs=frame, method="sequential")
    assert joint.status == "optimal" and joint.gap == 0 and joint.objective >= sequential.objective
    assert any("CP-SAT" in n or "LP bound" in n for n in joint.notes)
    small = mm.pair(c, "roulette", rounds=4, pairs=frame, time_limit=30,
                    roulette_params=RouletteParams(exact_max_pairs=10))
    assert small.bound >= joint.objective - 1e-9 and small.objective <= joint.objective + 1e-9
    assert any("too large for the exact model" in n for n in small.notes) or small.status == "optimal"


def test_a_callback_stops_the_exact_search() -> None:
    c = mm.datasets.synthetic_community(24, seed=2)
    frame, _ = weights_frame(c, 2)
    calls = []

    def stop_in_exact(p: mm.Progress) -> bool:
        calls.append(p.phase)
        return p.phase != "exact"

    plan = mm.pair(c, "roulette", rounds=4, pairs=frame, callback=stop_in_exact, time_limit=30,
                   roulette_params=RouletteParams(patience=1))
    assert plan.check() == [] and calls.count("exact") <= 1
    if "exact" in calls:
        assert plan.extras["stopped"] == "stopped by the callback"
