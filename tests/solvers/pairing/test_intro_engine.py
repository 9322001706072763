"""The intro engine's pieces: exact partner lists, the matching LP and its rounding, blocks (issue 13)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.scoring.candidates import PartnerIndex, pair_table
from matchmaking.solvers.control import MaxIterations, Monitor
from matchmaking.solvers.pairing import IntroParams
from matchmaking.solvers.pairing import matching as mt
from matchmaking.solvers.pairing.intro import solve_matching


def random_pairs(c: mm.Community, density: float, seed: int, low: int = -3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.asarray(c.ids)
    i, j = np.triu_indices(len(ids), 1)
    keep = rng.random(len(i)) < density
    return pd.DataFrame({"a": ids[i[keep]], "b": ids[j[keep]], "weight": rng.integers(low, 6, keep.sum()).astype(float)})


@pytest.fixture(scope="module")
def c() -> mm.Community:
    return mm.datasets.synthetic_community(120, seed=9)


@pytest.mark.parametrize("kind", ["default", "every term", "pairs file"])
@pytest.mark.parametrize("k", [1, 4])
def test_partner_lists_are_exactly_the_best(c: mm.Community, kind: str, k: int) -> None:
    history = pd.DataFrame({"a": c.ids[:20], "b": c.ids[20:40]})
    pairs = random_pairs(c, 0.1, seed=2)
    aff = {"default": mm.affinity(c),
           "every term": mm.affinity(c, similar={"city": 0.5}, spread=["sector"], history=history, pairs=pairs),
           "pairs file": mm.Affinity.from_pairs(c, pairs)}[kind]
    dense = aff.dense()
    np.fill_diagonal(dense, -np.inf)
    for floor in (0.0, -2.0):
        partners, scores = PartnerIndex(aff).top(k, min_score=floor)
        for r in range(len(c)):
            expected = sorted((-dense[r, x], x) for x in range(len(c)) if dense[r, x] > floor)[:k]
            assert [x for x in partners[r] if x >= 0] == [x for _, x in expected]
            assert scores[r][: len(expected)] == pytest.approx([-s for s, _ in expected])
    index = PartnerIndex(aff)
    sampled, sampled_scores = index.top(k, cap=3, seed=1)
    found = sampled >= 0
    assert sampled_scores[found] == pytest.approx(dense[np.nonzero(found)[0], sampled[found]])
    assert (index.upper_bounds()[:, None] >= dense).all()  # every pair within its members' upper bounds
    sub = index.subset(np.arange(10, 30))
    assert sub.pair_scores(np.array([0, 3]), np.array([5, 7])) == pytest.approx(dense[[10, 13], [15, 17]])


def test_top_pairs_table_is_deterministic(c: mm.Community) -> None:
    aff = mm.affinity(c)
    table = aff.top_pairs(3)
    assert table.equals(aff.top_pairs(3))
    assert (table["a"] < table["b"]).all() or set(table["a"]) <= set(c.ids)
    assert table.equals(pair_table(aff, np.arange(len(c)), *PartnerIndex(aff).top(3)))


@pytest.mark.parametrize("seed", range(4))
def test_lp_rounding_matches_networkx_and_proves_it(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    i, j = np.nonzero(np.triu(rng.random((n, n)) < 0.08, 1))
    w = rng.integers(1, 6, len(i)).astype(float)
    g = nx.Graph()
    g.add_weighted_edges_from(zip(i.tolist(), j.tolist(), w.tolist(), strict=True))
    best = sum(g[a][b]["weight"] for a, b in nx.max_weight_matching(g))
    mate, proven, bound, _ = solve_matching(n, i, j, w, Monitor(time_limit=60), IntroParams())
    assert proven and bound == pytest.approx(best)
    assert mt.matching_weight(mate, i, j, w.astype(np.int64)) == best
    assert all(mate[mate[u]] == u for u in range(n) if mate[u] >= 0)
    sigma, twice = mt.two_matching(n, i, j, w.astype(np.int64))
    assert twice >= 2 * best and sorted(sigma.tolist()) == list(range(n))


def test_odd_cycles_are_rounded() -> None:
    # two triangles joined by a light edge: the LP takes halves of both, the rounding a matching
    i, j = np.array([0, 1, 0, 3, 4, 3, 2]), np.array([1, 2, 2, 4, 5, 5, 3])
    w = np.array([4, 4, 4, 4, 4, 4, 1])
    mate, proven, bound, _ = solve_matching(6, i, j, w, Monitor(time_limit=60), IntroParams())
    assert mt.matching_weight(mate, i, j, w) == 9 and proven and bound == 9  # 4 + 4 + 1
    skipped, proven, bound, notes = solve_matching(6, i, j, w, Monitor(time_limit=60), IntroParams(blossom_rate=1e-9))
    assert not proven and bound == 12 and "LP relaxation" in notes[0]  # no time for the blossom: the LP bound
    assert mt.matching_weight(skipped, i, j, w) >= 8


def test_candidates_that_hold_every_pair_are_optimal() -> None:
    """The audit's ``--candidates 10``: a sparse graph whose lists hold every positive pair."""
    c = mm.datasets.synthetic_community(200, seed=1)
    pairs = random_pairs(c, 0.02, seed=3, low=1)
    plan = mm.pair(c, pairs=pairs, candidates=10)
    assert plan.status == "optimal" and plan.gap == 0
    assert plan.objective == pytest.approx(mm.pair(c, pairs=pairs, candidates="all").objective)


def test_restricted_candidates_bound_everything(c: mm.Community) -> None:
    plan = mm.pair(c, candidates=2)
    full = mm.pair(c, candidates="all")
    assert full.status == "optimal" and plan.objective <= full.objective <= plan.bound + 1e-9
    assert plan.check() == [] and full.check() == []


def test_blocks_pair_large_communities_and_stop_between_blocks(c: mm.Community) -> None:
    params = IntroParams(whole_max=50, block_size=30)
    plan = mm.pair(c, candidates=5, intro_params=params, seed=4)
    assert plan.check() == [] and plan.extras["blocks"] == 4 and plan.extras["passes"] >= 1
    assert plan.bound == float("inf") and any("no useful bound" in n for n in plan.notes)
    assert plan.extras["coarse_bound"] >= plan.objective
    again = mm.pair(c, candidates=5, intro_params=params, seed=4)
    pd.testing.assert_frame_equal(plan.assignments, again.assignments)  # stops on no improvement: seeded
    first_pass = mm.pair(c, candidates=5, intro_params=params, seed=4, stop=MaxIterations(4))
    assert first_pass.objective <= plan.objective and first_pass.extras["passes"] == 1
    cut = mm.pair(c, candidates=5, intro_params=params, seed=4, stop=MaxIterations(2))
    assert cut.check() == [] and any("before 60 member(s) were reached" in n for n in cut.notes)
    assert set(cut.extras["unmatched"]) >= set(c.ids) - set(cut.assignments["member"])


def test_blocks_respect_requests(c: mm.Community) -> None:
    a, b, x = c.ids[:3]
    requests = mm.Requests(together=[(a, b)], apart=[(a, x)])
    plan = mm.pair(c, candidates=5, intro_params=IntroParams(whole_max=50, block_size=40), requests=requests)
    assert plan.check() == [] and any(set(g) == {a, b} for g in plan.groups().values())


def test_candidates_all_at_scale_is_refused_before_any_work() -> None:
    c = mm.datasets.synthetic_community(2000, seed=1)
    with pytest.raises(mm.InputError, match="candidates='all'"):
        mm.pair(c, candidates="all", intro_params=IntroParams(max_all_pairs=1_000_000))
