"""form_cohorts under the solver contract: progress and stop, requests kept, plan.check() = score, Dask."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.cli import main

RULES = dict(size="4-6", similar=["city"], spread=["sector"], protect=["gender"], leaders="role=lead")


@pytest.fixture(scope="module")
def towns() -> mm.Community:
    return mm.datasets.synthetic_community(90, seed=5, cities=["Lyon", "Nice", "Pau"], big_city_share=0.4,
                                           lead_share=0.2, minority_share=0.0)


def test_progress_records_and_phases(towns):
    seen: list[mm.Progress] = []
    plan = mm.form_cohorts(towns, seed=0, time_limit=5, callback=seen.append, **RULES)
    phases = [p.phase for p in seen]
    assert phases[0] == "start" and phases[-1] == "done"
    assert [p for p in phases if p.startswith("block")][-1] == "block 3/3"
    assert all(isinstance(p, mm.Progress) for p in seen)
    assert seen[-1].objective == pytest.approx(plan.objective) and seen[-1].bound == pytest.approx(plan.bound)
    assert plan.progress[-1][1] == pytest.approx(plan.objective)
    assert "stopped" not in plan.extras


@pytest.mark.parametrize("when", ["start", "block 1/3"])
def test_callback_stops_and_the_best_plan_comes_back(towns, when):
    seen = []

    def callback(p: mm.Progress) -> bool:
        seen.append(p.phase)
        return p.phase != when

    plan = mm.form_cohorts(towns, seed=0, time_limit=5, callback=callback, **RULES)
    assert seen[-1] == when  # never called again after it said stop
    assert plan.extras["stopped"] == "stopped by the callback"
    assert any("stopped by the callback" in n for n in plan.notes)
    assert sorted(plan.assignments["member"]) == sorted(towns.ids)  # a whole plan: every member placed
    assert plan.objective == pytest.approx(plan.objective_fn.evaluate(plan.assignments)["total"])
    assert plan.bound >= plan.objective and plan.status in ("feasible", "infeasible")
    assert plan.status == ("infeasible" if plan.check() else "feasible")
    if when == "start":
        assert any("not searched" in n for n in plan.notes)


def test_stop_criteria_end_the_search(towns):
    full = mm.form_cohorts(towns, seed=0, time_limit=5, **RULES)
    cut = mm.form_cohorts(towns, seed=0, time_limit=5, stop=mm.MaxIterations(1), **RULES)
    assert cut.extras["stopped"] == "stopped after 1 iterations"
    assert cut.extras["search"]["tries"] < full.extras["search"]["tries"]


def test_requests_are_kept_and_check_agrees_with_score(towns, tmp_path, capsys):
    lyon = towns.members.index[towns.members["city"] == "Lyon"].tolist()
    constraints = tmp_path / "constraints.csv"
    pd.DataFrame({"kind": ["together", "apart", "pin"], "a": [lyon[0], lyon[2], lyon[4]],
                  "b": [lyon[1], lyon[3], "2"]}).to_csv(constraints, index=False)
    plan = mm.form_cohorts(towns, requests=str(constraints), balance=["seniority"], seed=0, time_limit=5, **RULES)
    assert plan.requests.together == [(lyon[0], lyon[1])] and plan.requests.pins == [(lyon[4], 2, None)]
    assert plan.check() == plan.problems == []
    members, out = tmp_path / "members.csv", tmp_path / "cohorts.csv"
    towns.to_frame().to_csv(members, index=False)
    cli = ["score", str(members), str(out), "--constraints", str(constraints), "--size", RULES["size"],
           "--protect", "gender", "--leaders", "role=lead", "--blocks", "city", "--spread", "sector",
           "--balance", "seniority", "--json"]
    plan.to_csv(out)
    assert main(cli) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["violations"] == plan.check()
    assert scored["objective"]["total"] == pytest.approx(plan.objective)
    # break it: the pinned member and one of the together pair move to the last cohort
    broken = plan.assignments.copy()
    last = int(broken["cohort"].max())
    broken.loc[broken["member"].isin([lyon[0], lyon[4]]), "cohort"] = last
    tampered = dataclasses.replace(plan, assignments=broken)
    tampered.to_csv(out)
    assert main(cli) == 1
    scored = json.loads(capsys.readouterr().out)
    assert scored["violations"] == tampered.check() and len(scored["violations"]) >= 3


def test_dask_blocks_give_the_same_plan(towns, client):
    here = mm.form_cohorts(towns, seed=2, time_limit=10, **RULES)
    there = mm.form_cohorts(towns, seed=2, time_limit=10, client=client, **RULES)
    pd.testing.assert_frame_equal(here.assignments, there.assignments)
    assert there.check() == [] and there.bound == pytest.approx(here.bound)
