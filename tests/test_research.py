"""Network-growth research: strategies, metrics, the growth model, Dask sweeps, real data."""

from __future__ import annotations

import matplotlib
import networkx as nx
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import matchmaking as mm  # noqa: E402
from matchmaking import Community  # noqa: E402
from matchmaking.cli import main  # noqa: E402
from matchmaking.research import (  # noqa: E402
    GrowthModel,
    familiar_seating,
    growth_curve,
    homophily_seating,
    mingling_seating,
    network_metrics,
    novelty_seating,
    random_seating,
)
from matchmaking.research.simulate import METRICS  # noqa: E402


@pytest.fixture(scope="module")
def small():
    return mm.datasets.synthetic_community(60, seed=5)


# ---------------------------------------------------------------- strategies
@pytest.mark.parametrize(
    "strategy", [random_seating, homophily_seating(), novelty_seating, familiar_seating, mingling_seating(0.5)]
)
def test_strategies_seat_everyone_once_per_round(small, strategy):
    plan = strategy(small.subset(small.ids[:23]), None, np.random.default_rng(1), table_size=5, rounds=3)
    assert list(plan.columns) == ["round", "table", "member"]
    for _, grp in plan.groupby("round"):
        assert sorted(grp["member"]) == sorted(small.ids[:23])
        assert grp.groupby("table").size().between(4, 5).all()  # 5 balanced tables of 23


def test_novelty_avoids_repeats_that_random_makes(small):
    group = small.subset(small.ids[:24])
    co = mm.scoring.objective.co_groupings
    for seed in range(4):  # 3 rounds of 6 tables of 4: the greedy repeats few pairs, random many
        novel = co(novelty_seating(group, None, np.random.default_rng(seed), table_size=4, rounds=3), ["round", "table"])
        rand = co(random_seating(group, None, np.random.default_rng(seed), table_size=4, rounds=3), ["round", "table"])
        assert novel.duplicated(["a", "b"]).sum() <= 6 < 10 <= rand.duplicated(["a", "b"]).sum()
    history = novel[["a", "b"]].assign(count=1)  # and it reads the history
    again = co(novelty_seating(group, history, np.random.default_rng(0), table_size=4, rounds=1), ["round", "table"])
    rand = co(random_seating(group, history, np.random.default_rng(0), table_size=4, rounds=1), ["round", "table"])
    assert len(again.merge(history, on=["a", "b"])) < len(rand.merge(history, on=["a", "b"]))


def test_homophily_groups_alike_people(small):
    plan = homophily_seating(["city"])(small, None, np.random.default_rng(0), table_size=6, rounds=1)
    city = small.members["city"]
    same = mm.scoring.objective.co_groupings(plan, ["round", "table"])
    share_same = (city[same["a"]].to_numpy() == city[same["b"]].to_numpy()).mean()
    rand = mm.scoring.objective.co_groupings(
        random_seating(small, None, np.random.default_rng(0), table_size=6, rounds=1), ["round", "table"])
    assert share_same > 0.6 > (city[rand["a"]].to_numpy() == city[rand["b"]].to_numpy()).mean()


# ---------------------------------------------------------------- metrics
def test_metrics_match_networkx():
    g = nx.gnm_random_graph(80, 160, seed=3)
    g.add_nodes_from(range(80, 90))  # isolated nodes
    i, j = np.array(list(g.edges())).T
    groups = np.arange(90) % 3
    m = network_metrics(90, i, j, groups=groups, k=2, path_samples=1000)
    assert m["ties"] == 160
    assert m["clustering"] == pytest.approx(nx.average_clustering(g))
    parts = [set(np.flatnonzero(groups == c)) for c in range(3)]
    assert m["modularity"] == pytest.approx(nx.community.modularity(g, parts))
    giant = max(nx.connected_components(g), key=len)
    assert m["giant"] == pytest.approx(len(giant) / 90)
    assert m["mean_path"] == pytest.approx(nx.average_shortest_path_length(g.subgraph(giant)))
    assert m["isolated"] == pytest.approx(np.mean([d < 2 for _, d in g.degree()]))
    assert m["bridging"] == pytest.approx(np.mean([groups[a] != groups[b] for a, b in g.edges()]))


def test_sampled_paths_are_seeded():
    g = nx.gnm_random_graph(300, 900, seed=1)
    i, j = np.array(list(g.edges())).T
    a = network_metrics(300, i, j, path_samples=10, rng=np.random.default_rng(4))
    b = network_metrics(300, i, j, path_samples=10, rng=np.random.default_rng(4))
    exact = network_metrics(300, i, j, path_samples=1000)["mean_path"]
    assert pd.Series(a).equals(pd.Series(b)) and a["mean_path"] == pytest.approx(exact, rel=0.1)


# ---------------------------------------------------------------- the model
def test_growth_curve_and_validation():
    logistic = growth_curve(GrowthModel(events=10, initial=0.1), 500)
    assert logistic[0] == 50 and logistic[-1] == 500 and (np.diff(logistic) >= 0).all()
    assert growth_curve(GrowthModel(events=3, growth=(10, 10, 30)), 30).tolist() == [10, 10, 30]
    with pytest.raises(ValueError, match="non-decreasing"):
        growth_curve(GrowthModel(events=3, growth=(10, 5, 30)), 30)
    with pytest.raises(ValueError, match="attendance=1.5"):
        mm.simulate(members=50, events=2, attendance=1.5)
    with pytest.raises(ValueError, match="unknown strategy"):
        mm.simulate(members=50, events=2, strategy="telepathy")


def test_same_seed_same_result_bit_for_bit():
    kw = dict(strategy=["random", "homophily", "novelty"], members=200, events=5, attendance=0.3, replicates=2)
    a = mm.simulate(seed=7, **kw)
    b = mm.simulate(seed=7, **kw)
    pd.testing.assert_frame_equal(a.metrics, b.metrics, check_exact=True)
    pd.testing.assert_frame_equal(a.ties, b.ties, check_exact=True)
    c = mm.simulate(seed=8, **kw)
    assert not a.metrics.equals(c.metrics)
    assert set(METRICS) <= set(a.metrics.columns)
    assert len(a.metrics) == 3 * 2 * 5


def test_model_dynamics_respond_to_parameters(small):
    base = dict(events=6, growth="all", attendance=1.0, table_size=6, rounds=2, leave=0, leave_isolated=0, seed=2)
    none = mm.simulate(small, tie_rate=0.0, **base).metrics
    assert (none["ties"] == 0).all() and (none["isolated"] == 1).all()
    everyone = mm.simulate(small, tie_rate=50.0, fade=0.0, **base).metrics
    assert (everyone["active_ties"] == everyone["contacts"]).all()  # every encounter becomes a tie
    assert everyone["ties"].iloc[-1] == everyone["new_ties"].sum()  # and none fades
    fading = mm.simulate(small, tie_rate=50.0, fade=1.0, **base).metrics
    assert (fading["ties"] == fading["active_ties"]).all()  # without contact a tie dies at once
    lonely = mm.simulate(small, tie_rate=0.0, **(base | {"leave_isolated": 0.5})).metrics
    assert lonely["retention"].iloc[-1] < 0.2


def test_callback_sees_each_event_and_can_stop(small):
    seen = []

    def stop_when_connected(progress):
        assert isinstance(progress, mm.Progress) and progress.iteration == progress.details["event"]
        seen.append(progress.details["event"])
        return progress.details["giant"] < 0.9

    sim = mm.simulate(small, "random", events=12, growth="all", attendance=0.5, tie_rate=0.2, seed=0,
                      callback=stop_when_connected)
    assert seen == sim.metrics["event"].tolist() and 2 <= len(seen) < 12
    assert sim.metrics["giant"].iloc[-1] >= 0.9 > sim.metrics["giant"].iloc[:-1].max()


def test_user_strategy_and_bad_strategies(small):
    def by_id(attendees, history, rng, *, table_size, rounds):
        ids = sorted(attendees.ids)
        return pd.DataFrame({"round": 1, "table": [k // table_size + 1 for k in range(len(ids))], "member": ids})

    sim = mm.simulate(small, {"alphabetical": by_id, "random": "random"}, events=3, attendance=0.5, seed=1)
    assert set(sim.metrics["strategy"]) == {"alphabetical", "random"}

    def stranger(attendees, history, rng, *, table_size, rounds):
        return pd.DataFrame({"round": [1, 1], "table": [1, 1], "member": ["nobody", attendees.ids[0]]})

    with pytest.raises(ValueError, match="not attending"):
        mm.simulate(small, stranger, events=2, attendance=0.5)


def test_summary_confidence_intervals_and_plot(small):
    sim = mm.simulate(small, ["random", "novelty"], events=4, attendance=0.6, replicates=4, seed=3)
    s = sim.summary()
    ties = s[(s["metric"] == "ties") & (s["strategy"] == "random")].iloc[0]
    values = sim.metrics.query("strategy == 'random' and event == 4")["ties"]
    assert ties["mean"] == pytest.approx(values.mean()) and ties["replicates"] == 4
    assert ties["low"] < ties["mean"] < ties["high"]
    assert set(sim.long().columns) == {"strategy", "replicate", "event", "metric", "value"}
    fig = sim.plot(["ties", "giant"])
    assert len(fig.axes) == 2


def test_optimised_strategy_uses_the_seating_solver(small):
    group = small.subset(small.ids[:16])
    plan = mm.research.optimised_seating(iterations=300)(group, None, np.random.default_rng(0), table_size=4, rounds=2)
    assert sorted(plan.query("round == 1")["member"]) == sorted(small.ids[:16])
    kw = dict(strategy={"optimised": mm.research.optimised_seating(iterations=200)}, events=2, attendance=0.5, seed=1)
    assert mm.simulate(small, **kw).metrics.equals(mm.simulate(small, **kw).metrics)  # fixed effort: reproducible


# ---------------------------------------------------------------- Dask sweep
def test_sweep_on_dask_matches_simulate(small):
    from matchmaking.research.sweep import sweep

    frame = sweep(["random", "novelty"], {"attendance": [0.3, 0.6]}, replicates=2, community=small, events=3,
                  seed=4, n_workers=2, progress=False)
    assert len(frame) == 2 * 2 * 2 * 3
    again = mm.simulate(small, ["random", "novelty"], events=3, attendance=0.6, replicates=2, seed=4).metrics
    mine = frame[frame["attendance"] == 0.6].drop(columns="attendance").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, again, check_exact=True)


# ---------------------------------------------------------------- command line
def test_cli_simulate(tmp_path, capsys):
    members = tmp_path / "members.csv"
    mm.datasets.synthetic_members(80, seed=1).to_csv(members, index=False)
    out = tmp_path / "metrics.csv"
    code = main(["simulate", str(members), "--strategy", "random", "novelty", "--events", "3", "--replicates", "2",
                 "--attendance", "0.5", "--out", str(out), "--plot", str(tmp_path / "c.png")])
    assert code == 0
    printed = capsys.readouterr().out
    assert "after event 3" in printed and "novelty" in printed
    assert len(pd.read_csv(out)) == 2 * 2 * 3 and (tmp_path / "c.png").stat().st_size > 1000
    assert main(["simulate", "--set", "fade=lots"]) == 2
    assert main(["simulate", str(tmp_path / "missing.csv")]) == 2


def test_simulate_replays_real_attendance_davis():
    community, attendance = mm.datasets.davis_southern_women()
    assert isinstance(community, Community)
    sim = mm.simulate(community, ["random", "novelty"], schedule=attendance, table_size=4, rounds=1, seed=0,
                      leave=0, leave_isolated=0, cohort="none")
    first = sim.metrics[sim.metrics["strategy"] == "random"]
    assert len(first) == 14 and sim.model.events == 14
    sizes = attendance.groupby("event").size()
    order = sorted(sizes.index, key=lambda e: int(e[1:]))
    assert first["attendees"].tolist() == sizes[order].tolist()  # E1, E2, ..., E14 as recorded
    assert first["joined"].iloc[-1] == 18 and (first["members"] == first["joined"]).all()
    with pytest.raises(ValueError, match="not in the community"):
        mm.simulate(community, schedule=pd.DataFrame({"event": ["x"], "member": ["Nobody"]}))


def test_familiar_seating_regroups_people_who_met(small):
    group = small.subset(small.ids[:24])
    first = random_seating(group, None, np.random.default_rng(0), table_size=4, rounds=1)
    history = mm.scoring.objective.co_groupings(first, ["round", "table"])[["a", "b"]].assign(count=1)
    again = familiar_seating(group, history, np.random.default_rng(1), table_size=4, rounds=1)
    repeats = mm.scoring.objective.co_groupings(again, ["round", "table"]).merge(history, on=["a", "b"])
    assert len(repeats) >= 0.8 * len(history)


def test_rounds_per_event():
    sim = mm.simulate(members=100, events=3, rounds=(1, 3, 2), growth="all", attendance=1.0, table_size=5, seed=0)
    contacts = sim.metrics["contacts"].tolist()
    assert contacts[0] == 20 * 10 and contacts[1] > contacts[2] > contacts[0]  # 20 tables of 5: 10 pairs each
    with pytest.raises(ValueError, match="one number per event"):
        mm.simulate(members=100, events=3, rounds=(1, 2))


# ---------------------------------------------------------------- real data: SocioPatterns
@pytest.fixture(scope="module")
def sfhh():
    return mm.datasets.sfhh_contacts()  # the shipped copy


def test_sfhh_published_size_and_daily_graphs(sfhh):
    from matchmaking.datasets.real import daily_tie_graphs

    g = mm.datasets.contact_graph(sfhh)
    assert (g.number_of_nodes(), g.number_of_edges()) == (403, 9565)
    assert sfhh["t"].is_monotonic_increasing  # a time-ordered contact stream
    days = daily_tie_graphs(sfhh)
    assert sorted(days) == [1, 2]
    assert {d: x.number_of_nodes() for d, x in days.items()} == {1: 402, 2: 361}
    assert {d: x.number_of_edges() for d, x in days.items()} == {1: 5824, 2: 4561}
    assert sum(w for *_, w in days[1].edges(data="windows")) == int((sfhh["day"] == 1).sum())


def test_calibrated_tie_model_comes_close_to_sfhh(sfhh):
    from matchmaking.research.calibration import compare, loss, simulate_conference, tie_stats

    real = tie_stats(sfhh)
    assert real.table()["distinct pairs"] == 9565 and real.table()["new pairs day 2"] == 3741
    best = dict(rounds_per_hour=4, table_size=4, tie_rate=0.4, sociability=0.9)  # from calibrate(), see the notebook
    sims = simulate_conference(sfhh, strategy=mingling_seating(0.3), seed=0, **best)
    table = compare(real, sims).set_index("statistic")
    assert table.loc["distinct pairs", "ratio"] == pytest.approx(1.0, abs=0.15)
    assert table.loc["sd degree", "ratio"] == pytest.approx(1.0, abs=0.2)
    assert table.loc["new pairs day 2", "ratio"] == pytest.approx(1.0, abs=0.2)
    assert table.loc["KS distance, degree", "simulated"] < 0.12
    # and a poor model is measurably worse
    poor = compare(real, simulate_conference(sfhh, seed=0, rounds_per_hour=1, table_size=3, tie_rate=0.3))
    assert loss(poor) > loss(compare(real, sims)) + 0.5


def test_invs_offices_departments():
    from matchmaking.datasets.real import invs_offices

    community, contacts = invs_offices(year=2015)
    assert len(community) == 232 and community.members["department"].nunique() == 12
    assert (community.members["in_contacts"] == "yes").sum() == 217
    assert set(contacts["day"]) <= set(range(1, 15))


def test_simulate_replicates_on_dask_match_in_process(small):
    from dask.distributed import Client, LocalCluster

    kwargs = dict(events=3, attendance=0.5, replicates=2, seed=4)
    here = mm.simulate(small, ["random", "novelty"], **kwargs)
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        there = mm.simulate(small, ["random", "novelty"], client=client, **kwargs)
        with pytest.raises(mm.InputError, match="callback= runs in this process only"):
            mm.simulate(small, "random", client=client, callback=print, **kwargs)
    pd.testing.assert_frame_equal(here.metrics, there.metrics)
