"""help_squad under the solver contract: progress and stop, InputError, requests kept and honoured, Dask batch."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.cli import main


@pytest.fixture(scope="module")
def people() -> mm.Community:
    return mm.datasets.synthetic_community(300, seed=7)


def test_callback_stops_and_the_best_squads_come_back(people):
    seen = []

    def callback(p: mm.Progress) -> bool:
        seen.append(p.phase)
        return p.phase != "greedy"

    askers = people.ids[:4]
    plan = mm.help_squad(people, askers, k=6, callback=callback, time_limit=10)
    assert seen == ["start", "greedy"]  # never called again after it said stop
    assert plan.extras["stopped"] == "stopped by the callback" and plan.check() == []
    squads = plan.extras["squads"]
    assert squads.loc[squads["role"] == "helper", "member"].is_unique
    assert plan.objective == pytest.approx(plan.objective_fn.evaluate(plan.assignments)["total"])
    assert plan.bound >= plan.objective
    full = mm.help_squad(people, askers, k=6, time_limit=10, callback=lambda p: seen.append(p.phase))
    assert seen[-1] == "done" and full.objective >= plan.objective and full.extras.get("stopped") is None


def test_stop_criteria_end_the_search(people):
    plan = mm.help_squad(people, people.ids[:6], k=8, stop=mm.MaxIterations(1), time_limit=10)
    assert plan.check() == []
    if plan.status != "optimal":
        assert plan.extras["stopped"] == "stopped after 1 iterations"


@pytest.mark.parametrize(("settings", "column", "message"), [
    ({"problems": "zed"}, "member", "unknown member 'zed'"),
    ({"k": 0}, "k", "k must be"),
    ({"time_limit": -1}, "time_limit", "time limit"),
    ({"seed": -1}, "seed", "seed"),
    ({"callback": "print"}, "callback", "callable"),
    ({"stop": 3}, "stop", "stopping criterion"),
    ({"spread": ["planet"]}, "spread", "no attribute"),
    ({"exclude": ["zz"]}, "exclude", "unknown member"),
    ({"requests": mm.Requests(apart=[("m0001", "zz")])}, "requests", "unknown member"),
    ({"requests": mm.Requests(hosts={"m0001": 1})}, "requests", "hosts are for seating"),
    ({"load_cap": -1}, "load_cap", "load cap"),
    ({"since": "soon"}, "since", "not a date"),
    ({"workers": 0}, "workers", ">= 1"),
    ({"problems": ["m0000", "m0001"], "skills": ["seo"]}, "skills", "single member"),
    ({"problems": []}, "problems", "no problem"),
    ({"problems": ["m0000", "m0000"]}, "problems", "twice"),
    ({"load": {"m0001": "many"}}, "load", "numbers"),
])
def test_bad_input_raises_input_error(people, settings, column, message):
    kw = {"problems": "m0000", "k": 3, **settings}
    with pytest.raises(mm.InputError, match=message) as err:
        mm.help_squad(people, kw.pop("problems"), **kw)
    assert err.value.column == column


def test_conflicting_requests_are_infeasible(people):
    a, b = people.ids[:2]
    with pytest.raises(mm.InfeasibleError, match="both ask for help"):
        mm.help_squad(people, [a, b], k=3, requests=mm.Requests(together=[(a, b)]))
    with pytest.raises(mm.InfeasibleError, match="cannot help"):
        mm.help_squad(people, a, k=3, requests=mm.Requests(together=[(a, "m0009")], exclude=["m0009"]))


def test_requests_are_honoured_kept_and_checked_like_score(people, tmp_path, capsys):
    a, b = people.ids[:2]
    friend, rival, pinned, shy = people.ids[10], people.ids[11], people.ids[12], people.ids[13]
    requests = mm.Requests(together=[(a, friend)], apart=[(a, rival)], pins=[(pinned, 2, None)], exclude=[shy])
    plan = mm.help_squad(people, [a, b], k=4, requests=requests, time_limit=10)
    where = plan.assignments.set_index("member")["cohort"]
    assert where[friend] == where[a] == 1 and where.get(rival) != 1 and where[pinned] == 2 and shy not in where
    assert plan.requests.together == [(a, friend)] and plan.requests.exclude == [shy]
    assert plan.check() == [] == plan.problems
    # the alias: exclude= is Requests.exclude
    alias = mm.help_squad(people, a, k=4, exclude=[shy], time_limit=10)
    assert alias.requests.exclude == [shy] and shy not in set(alias.assignments["member"])
    # break the rules by hand: the checker and the CLI score see the same broken requests
    rows = plan.assignments.copy()
    rows.loc[rows["member"] == pinned, "cohort"] = 1
    rows = pd.concat([rows, pd.DataFrame({"cohort": [1], "member": [rival]})], ignore_index=True)
    edited = dataclasses.replace(plan, assignments=rows)
    problems = edited.check()
    assert any("apart" in p for p in problems) and any("pin" in p for p in problems)
    assert any("squad 1: 6 helpers, more than 4" in p for p in problems)
    members, constraints, out = tmp_path / "m.csv", tmp_path / "c.csv", tmp_path / "p.csv"
    people.to_frame().to_csv(members, index=False)
    constraints.write_text(f"kind,a,b\ntogether,{a},{friend}\napart,{a},{rival}\npin,{pinned},2\n")
    edited.to_csv(out)
    assert main(["score", str(members), str(out), "--constraints", str(constraints), "--json"]) == 1
    scored = json.loads(capsys.readouterr().out)["violations"]
    asked = [p for p in problems if p.startswith(("together", "apart", "pin"))]
    assert [v for v in scored if v.startswith(("together", "apart", "pin"))] == asked


def test_a_batch_on_dask(people, client):
    askers = people.ids[:5]
    plan = mm.help_squad(people, askers, k=6, time_limit=10, client=client)
    squads = plan.extras["squads"]
    assert plan.extras["parts"] == 2 and plan.check() == []
    assert squads.loc[squads["role"] == "helper", "member"].is_unique
    assert sorted(squads["squad"].unique()) == [1, 2, 3, 4, 5]
    assert (squads.loc[squads["role"] == "asker"].set_index("squad")["member"] == pd.Series(askers, index=range(1, 6))).all()
    local = mm.help_squad(people, askers, k=6, time_limit=10)
    assert plan.bound >= local.objective  # the bound holds for the batch as one model
    assert plan.objective >= 0.9 * local.objective
