"""Pairings: intros, mentoring, roulette, welcomes (issue 5)."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.errors import InfeasibleError, InputError
from matchmaking.solvers.pairing import RouletteParams, blocking_pairs, deferred_acceptance
from matchmaking.solvers.pairing._common import bipartite_edge_coloring, integer_weights


def random_pairs(c: mm.Community, density: float, seed: int, *, floats: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.asarray(c.ids)
    i, j = np.triu_indices(len(ids), 1)
    keep = rng.random(len(i)) < density
    w = rng.random(keep.sum()) * 10 if floats else rng.integers(-2, 10, keep.sum()).astype(float)
    return pd.DataFrame({"a": ids[i[keep]], "b": ids[j[keep]], "weight": w})


def nx_optimum(pairs: pd.DataFrame) -> float:
    g = nx.Graph()
    g.add_weighted_edges_from(pairs[pairs["weight"] > 0][["a", "b", "weight"]].itertuples(index=False))
    m = nx.max_weight_matching(g)
    return sum(g[u][v]["weight"] for u, v in m)


@pytest.fixture(scope="module")
def small() -> mm.Community:
    return mm.datasets.synthetic_community(41, seed=5)


# ---------------------------------------------------------------- intro
@pytest.mark.parametrize("floats", [False, True])
def test_intro_equals_networkx(small: mm.Community, floats: bool) -> None:
    pairs = random_pairs(small, 0.3, seed=1, floats=floats)
    plan = mm.pair(small, pairs=pairs)
    assert plan.objective == pytest.approx(nx_optimum(pairs), abs=1e-9)
    assert plan.bound >= plan.objective
    assert plan.gap < 1e-9
    assert plan.status == "optimal"  # the bound is reached (within float rounding of the integer weights)
    assert (plan.assignments.groupby("group").size() == 2).all()
    assert mm.check_plan(plan.assignments) == []


def test_intro_on_candidates_reports_a_bound_over_all_pairs() -> None:
    c = mm.datasets.synthetic_community(300, seed=2)
    plan = mm.pair(c, candidates=3)
    assert plan.status == "feasible" and not plan.extras["complete_graph"]
    assert plan.bound >= mm.pair(c, candidates="all").objective - 1e-9
    assert plan.objective <= plan.bound
    assert "optimal over the candidate pairs" in plan.summary()


def test_intro_requests(small: mm.Community) -> None:
    a, b, x = small.ids[:3]
    cons = pd.DataFrame({"kind": ["together", "apart"], "a": [a, a], "b": [b, x]})
    plan = mm.pair(small, constraints=cons)
    groups = plan.groups()
    assert any(set(g) == {a, b} for g in groups.values())
    with pytest.raises(InfeasibleError, match="together"):
        mm.pair(small, constraints=pd.DataFrame({"kind": ["together", "together"], "a": [a, a], "b": [b, x]}))


def test_intro_explains_unmatched() -> None:
    c = mm.Community.from_frame(pd.DataFrame({"id": list("abc"), "offers": ["x", "", ""], "needs": ["", "x", "x"]}))
    plan = mm.pair(c)
    lonely = plan.extras["unmatched"]
    assert len(lonely) == 1
    assert "no intro" in plan.explain(lonely[0])
    assert "offers x" in plan.explain("a")


def test_integer_weights_and_coloring() -> None:
    ints, scale, exact = integer_weights(np.array([0.25, 1.0]))
    assert exact and (ints / scale == [0.25, 1.0]).all()
    rng = np.random.default_rng(0)
    left = rng.integers(0, 8, 60).tolist()
    right = rng.integers(0, 8, 60).tolist()
    degree = max(max(np.bincount(left)), max(np.bincount(right)))
    colors = bipartite_edge_coloring(left, right, degree)
    for side in (left, right):
        seen = set()
        for node, col in zip(side, colors, strict=True):
            assert (node, col) not in seen
            seen.add((node, col))


# ---------------------------------------------------------------- roulette
def unmet_grouping_exists(people: list[str], met: set[frozenset]) -> bool:
    """Brute force: pairs (and one trio when odd) of people who never met."""
    def unmet(a: str, b: str) -> bool:
        return frozenset((a, b)) not in met

    def perfect(rest: list[str]) -> bool:
        g = nx.Graph()
        g.add_nodes_from(rest)
        g.add_edges_from((a, b) for a, b in itertools.combinations(rest, 2) if unmet(a, b))
        return 2 * len(nx.max_weight_matching(g, maxcardinality=True)) == len(rest)

    if len(people) % 2 == 0:
        return perfect(people)
    return any(
        unmet(a, b) and unmet(a, c) and unmet(b, c) and perfect([p for p in people if p not in (a, b, c)])
        for a, b, c in itertools.combinations(people, 3)
    )


@pytest.mark.parametrize(("n", "method"), [(9, "joint"), (9, "sequential"), (10, "joint")])
def test_roulette_no_repeat_while_avoidable_and_nobody_left_out(n: int, method: str) -> None:
    c = mm.datasets.synthetic_community(n, seed=1)
    history = pd.DataFrame({"a": [c.ids[0]], "b": [c.ids[1]]})
    plan = mm.pair(c, "roulette", rounds=10, history=history, time_limit=2, seed=1, method=method)
    assert mm.check_plan(plan.assignments, members=c.ids, min_size=2, max_size=3) == []
    met = {frozenset(c.ids[:2])}
    for _, frame in plan.assignments.groupby("round"):
        sizes = frame.groupby("group").size()
        assert (sizes == 3).sum() == n % 2
        pairs = {frozenset(p) for _, g in frame.groupby("group") for p in itertools.combinations(g["member"], 2)}
        if pairs & met:  # a repeat only where the round could not be paired with unmet pairs
            assert not unmet_grouping_exists(frame["member"].tolist(), met)
        met |= pairs


def test_roulette_snooze_opt_out_and_joint_beats_or_ties_sequential() -> None:
    c = mm.datasets.synthetic_community(40, seed=4)
    out, sleepy = c.ids[0], c.ids[1]
    kw = dict(rounds=4, snooze={sleepy: [2]}, opt_out=[out], time_limit=120, seed=0,  # a fixed effort: reproducible
              roulette_params=RouletteParams(exact_effort=0.5))
    plan = mm.pair(c, "roulette", **kw)
    seq = mm.pair(c, "roulette", method="sequential", **kw)
    a = plan.assignments
    assert out not in set(a["member"])
    assert sleepy not in set(a.loc[a["round"] == 2, "member"])
    assert plan.metrics()["repeats"] == 0
    assert plan.objective >= seq.objective
    assert seq.bound >= plan.objective and plan.bound >= plan.objective
    assert "opted out" in plan.explain(out) and "skips round 2" in plan.explain(sleepy)
    again = mm.pair(c, "roulette", **kw)
    pd.testing.assert_frame_equal(again.assignments, plan.assignments)


def test_roulette_bad_snooze(small: mm.Community) -> None:
    with pytest.raises(ValueError, match="rounds are 1..2"):
        mm.pair(small, "roulette", rounds=2, snooze={small.ids[0]: [3]})


# ---------------------------------------------------------------- mentor
def is_stable_bruteforce(pairs, ra, rb, ca, cb) -> bool:
    for i, j in itertools.product(range(ra.shape[0]), range(ra.shape[1])):
        if (i, j) in pairs:
            continue
        mine_i = [ra[i, y] for (x, y) in pairs if x == i]
        mine_j = [rb[j, x] for (x, y) in pairs if y == j]
        want_i = len(mine_i) < ca[i] or ra[i, j] < max(mine_i)
        want_j = len(mine_j) < cb[j] or rb[j, i] < max(mine_j)
        if want_i and want_j:
            return False
    return True


@pytest.mark.parametrize("seed", range(5))
def test_deferred_acceptance_stable_and_checker_agrees(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ra = np.argsort(rng.random((4, 7)), axis=1).argsort(axis=1)
    rb = np.argsort(rng.random((7, 4)), axis=1).argsort(axis=1)
    ca, cb = [2, 1, 3, 2], [1, 2, 1, 1, 1, 1, 2]
    pairs = deferred_acceptance(ra, rb, ca, cb)
    assert blocking_pairs(pairs, ra, rb, ca, cb) == []
    assert is_stable_bruteforce(set(pairs), ra, rb, ca, cb)
    for i in range(4):
        assert sum(1 for x, _ in pairs if x == i) <= ca[i]
    bad = [(0, 0), (1, 1)]
    assert (blocking_pairs(bad, ra, rb, ca, cb) == []) == is_stable_bruteforce(set(bad), ra, rb, ca, cb)


@pytest.mark.parametrize("stable", [None, "mentees", "mentors"])
def test_mentor_capacities_and_blocking(stable: str | None) -> None:
    c = mm.datasets.synthetic_community(120, seed=7, lead_share=0.1)
    cap = {m: 3 for m in c.ids}
    plan = mm.pair(c, "mentor", mentors="role=lead", capacity=cap, demand=1, stable=stable)
    mentors = set(plan.extras["mentors"])
    per_mentor = plan.assignments[plan.assignments["member"].isin(mentors)]["member"].value_counts()
    assert (per_mentor <= 3).all()
    assert (plan.assignments.groupby(["round", "group"]).size() == 2).all()
    assert plan.bound >= plan.objective
    assert plan.extras["welfare"] == pytest.approx(plan.objective)
    if stable:
        assert plan.extras["blocking_pairs"] == 0
        assert plan.extras["welfare_lost_to_stability"] >= 0
    else:
        assert plan.status == "optimal"
    mentor_id = per_mentor.index[0]
    assert "mentors" in plan.explain(mentor_id)


def test_mentor_ranks_file_and_errors() -> None:
    c = mm.Community.from_frame(pd.DataFrame({"id": ["m1", "m2", "e1", "e2"]}))
    ranks = pd.DataFrame({
        "member": ["m1", "m1", "m2", "m2", "e1", "e1", "e2", "e2"],
        "candidate": ["e1", "e2", "e1", "e2", "m2", "m1", "m1", "m2"],
        "rank": [1, 2, 1, 2, 1, 2, 1, 2],
    })
    plan = mm.pair(c, "mentor", mentors=["m1", "m2"], stable="mentors", ranks=ranks)
    assert plan.extras["blocking_pairs"] == 0
    assert {frozenset(g) for g in plan.groups().values()} == {frozenset({"m2", "e1"}), frozenset({"m1", "e2"})}
    bad = ranks.assign(rank=["1", "x", "1", "2", "1", "2", "1", "2"])
    with pytest.raises(InputError, match="row 3, column 'rank'"):
        mm.pair(c, "mentor", mentors=["m1", "m2"], stable="mentors", ranks=bad)


# ---------------------------------------------------------------- welcome
@pytest.mark.parametrize("h", [1, 2])
def test_welcome(h: int) -> None:
    c = mm.datasets.synthetic_community(60, seed=9)
    newcomers = c.ids[:12]
    plan = mm.pair(c, "welcome", newcomers=newcomers, k=3, hosts_per_round=h)
    a = plan.assignments
    assert mm.check_plan(a) == []
    vets = a[~a["member"].isin(newcomers)]
    assert set(vets.groupby(["round", "group"]).size()) == {1}  # one veteran a group
    sizes = a.groupby(["round", "group"]).size()
    assert sizes.max() <= 1 + h
    for m in newcomers:
        rows = a[a["member"] == m]
        assert rows["round"].tolist() == [1, 2, 3]
        mates = a.merge(rows, on=["round", "group"])
        met_vets = set(mates["member_x"]) - set(newcomers)
        assert len(met_vets) == 3
    assert plan.bound >= plan.objective
    assert "newcomer" in plan.explain(newcomers[0])
    with pytest.raises(InfeasibleError, match="veterans"):
        mm.pair(c, "welcome", newcomers=c.ids[:58], k=3)


def test_select_members_errors(small: mm.Community) -> None:
    with pytest.raises(InputError, match="no attribute"):
        mm.pair(small, "mentor", mentors="colour=red")


# ---------------------------------------------------------------- command line
def test_cli_pairs(tmp_path, capsys) -> None:
    from matchmaking.cli import main

    members = tmp_path / "members.csv"
    mm.datasets.synthetic_community(30, seed=2).to_frame().to_csv(members, index=False)
    out = tmp_path / "pairs.csv"
    assert main(["pairs", str(members), "--mode", "roulette", "--rounds", "2", "--time-limit", "1",
                 "--out", str(out), "--report", str(tmp_path / "r.html")]) == 0
    plan = pd.read_csv(out)
    assert list(plan.columns) == ["round", "group", "member"] and len(plan) == 60
    assert "bound" in capsys.readouterr().out
    assert main(["score", str(members), str(out)]) == 0
    snooze = tmp_path / "snooze.csv"
    snooze.write_text("member,round\nnobody,1\n")
    bad = tmp_path / "bad.csv"
    assert main(["pairs", str(members), "--mode", "roulette", "--snooze", str(snooze), "--out", str(bad)]) == 2
    assert "row 2, column 'member'" in capsys.readouterr().err
    assert not bad.exists()
    assert main(["pairs", str(members), "--mode", "mentor", "--mentors", "role=lead", "--capacity", "9",
                 "--stable", "mentors", "--out", str(out)]) == 0
    assert "0 blocking pair(s)" in capsys.readouterr().out


def test_roulette_against_a_meeting_history(tmp_path) -> None:
    c = mm.datasets.synthetic_community(16, seed=8)
    history = mm.MeetingHistory(tmp_path / "h.db")
    first = mm.pair(c, "roulette", rounds=3, history=history, time_limit=2)
    history.record(first, event="week 1")
    second = mm.pair(c, "roulette", rounds=3, history=history, time_limit=2)
    assert second.metrics()["repeats"] == 0
    before = {frozenset(p) for g in first.groups().values() for p in itertools.combinations(g, 2)}
    after = {frozenset(p) for g in second.groups().values() for p in itertools.combinations(g, 2)}
    assert not before & after


def test_mentor_capacity_column() -> None:
    frame = pd.DataFrame({"id": ["m1", "m2", "e1", "e2", "e3"], "seats": ["2", "1", "", "", ""],
                          "offers": ["x", "x", "", "", ""], "needs": ["", "", "x", "x", "x"]})
    c = mm.Community.from_frame(frame)
    plan = mm.pair(c, "mentor", mentors=["m1", "m2"], capacity="seats")
    counts = plan.assignments["member"].value_counts()
    assert counts["m1"] == 2 and counts["m2"] == 1 and plan.status == "optimal"
    with pytest.raises(InputError, match="not a whole number"):
        mm.pair(mm.Community.from_frame(frame.assign(seats=["2", "a", "", "", ""])), "mentor", mentors=["m1", "m2"],
                capacity="seats")


def test_roulette_together_and_apart() -> None:
    c = mm.datasets.synthetic_community(20, seed=6)
    a, b, x = c.ids[:3]
    cons = pd.DataFrame({"kind": ["together", "apart"], "a": [a, a], "b": [b, x]})
    plan = mm.pair(c, "roulette", rounds=4, constraints=cons, time_limit=3)
    requests = mm.Requests.read(cons, c)
    assert mm.check_plan(plan.assignments, requests=requests, members=c.ids, min_size=2, max_size=3) == []
    assert plan.metrics()["repeats"] == 0  # the together pair's meetings are not repeats


def test_mentor_and_welcome_respect_apart() -> None:
    c = mm.Community.from_frame(pd.DataFrame({"id": ["m1", "m2", "e1", "e2"], "offers": ["x", "", "", ""],
                                              "needs": ["", "", "x", "x"]}))
    cons = pd.DataFrame({"kind": ["apart", "together"], "a": ["m1", "m2"], "b": ["e1", "e2"]})
    plan = mm.pair(c, "mentor", mentors=["m1", "m2"], constraints=cons)
    assert frozenset({"m1", "e1"}) not in {frozenset(g) for g in plan.groups().values()}
    assert any("together requests are not used" in n for n in plan.notes)
    welcome = mm.pair(c, "welcome", newcomers=["e1", "e2"], k=1, constraints=cons)
    assert frozenset({"m1", "e1"}) not in {frozenset(g) for g in welcome.groups().values()}
