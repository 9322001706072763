"""Every engine keeps the one contract (DEVELOPERS.md, the README's contract table).

For ``seat``, ``form_cohorts``, ``pair`` (each mode) and ``help_squad``: the callback receives a
``Progress`` and returning False stops the solve with the best plan so far; bad input raises
``InputError``; the plan carries its requests and ``plan.check()`` agrees with ``matchmaking score``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.cli import main


@pytest.fixture(scope="module")
def people() -> mm.Community:
    return mm.datasets.synthetic_community(40, seed=3)


def _engines(c: mm.Community) -> dict[str, Callable[..., mm.Plan]]:
    ids = c.ids
    return {
        "seat": lambda **kw: mm.seat(c, tables=5, table_size=8, rounds=2, **kw),
        "form_cohorts": lambda **kw: mm.form_cohorts(c, size="6-10", **kw),
        "pair intro": lambda **kw: mm.pair(c, "intro", **kw),
        "pair roulette": lambda **kw: mm.pair(c, "roulette", rounds=3, **kw),
        "pair mentor": lambda **kw: mm.pair(c, "mentor", mentors=ids[:10], mentees=ids[10:30], capacity=2, **kw),
        "pair welcome": lambda **kw: mm.pair(c, "welcome", newcomers=ids[:6], veterans=ids[6:], k=2, **kw),
        "help_squad": lambda **kw: mm.help_squad(c, ids[0], k=5, **kw),
    }


ENGINES = ["seat", "form_cohorts", "pair intro", "pair roulette", "pair mentor", "pair welcome", "help_squad"]


@pytest.mark.parametrize("engine", ENGINES)
def test_callback_gets_progress_and_stops_with_the_best_plan(people: mm.Community, engine: str) -> None:
    seen: list[mm.Progress] = []

    def stop_at_once(progress: mm.Progress) -> bool:
        seen.append(progress)
        return False

    plan = _engines(people)[engine](callback=stop_at_once, time_limit=20, seed=0)
    assert seen and all(isinstance(p, mm.Progress) for p in seen)
    assert isinstance(plan, mm.Plan) and plan.check() == []
    if plan.status != "optimal":  # an engine may finish exactly before its first report
        assert plan.extras.get("stopped") == "stopped by the callback"
        assert any("best plan found so far" in n for n in plan.notes)


@pytest.mark.parametrize("engine", ENGINES)
def test_stop_criteria_are_honoured(people: mm.Community, engine: str) -> None:
    plan = _engines(people)[engine](stop=[mm.MaxRuntime(0.5), mm.NoImprovement(seconds=0.2)], time_limit=20, seed=0)
    assert plan.check() == [] and plan.time < 10


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("bad", [{"time_limit": -1}, {"seed": -3}, {"callback": "print"},
                                 {"requests": mm.Requests(apart=[("nobody", "m0001")])}])
def test_bad_input_is_an_input_error(people: mm.Community, engine: str, bad: dict) -> None:
    with pytest.raises(mm.InputError):
        _engines(people)[engine](**bad)


@pytest.mark.parametrize("engine", ["seat", "form_cohorts", "pair roulette", "help_squad"])
def test_plan_carries_requests_and_check_agrees_with_score(people: mm.Community, engine: str, tmp_path,
                                                           capsys) -> None:
    a, b = people.ids[1], people.ids[2]
    requests = mm.Requests(apart=[(a, b)])
    plan = _engines(people)[engine](requests=requests, time_limit=5, seed=0)
    assert plan.requests is not None and (a, b) in plan.requests.apart and plan.check() == []
    # break the apart request by hand and compare the two checkers
    rows = plan.assignments.copy()
    group = plan.group_columns[-1]
    if not (rows["member"] == a).any():
        pytest.skip(f"{a} is not in this {engine} plan (a squad holds the helpers chosen only)")
    at_a = rows.loc[rows["member"] == a].iloc[0]
    slot = (rows["member"] == b) if "round" not in rows else (rows["member"] == b) & (rows["round"] == at_a["round"])
    if not slot.any():
        pytest.skip(f"{b} is not in the same round as {a} in this {engine} plan")
    rows.loc[slot, group] = at_a[group]
    edited = mm.Plan.build(plan.kind, rows, objective_fn=plan.objective_fn, requests=plan.requests)
    members = tmp_path / "members.csv"
    people.to_frame().to_csv(members, index=False)
    (tmp_path / "constraints.csv").write_text(f"kind,a,b\napart,{a},{b}\n")
    edited.to_csv(tmp_path / "plan.csv")
    code = main(["score", str(members), str(tmp_path / "plan.csv"), "--constraints",
                 str(tmp_path / "constraints.csv"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [v for v in out["violations"] if "apart" in v] == [v for v in edited.check() if "apart" in v] != []


def test_the_members_of_a_plan_are_never_outside_the_selection(people: mm.Community) -> None:
    with pytest.raises(mm.InputError, match="matches nobody"):
        mm.pair(people, "intro", members="city=Atlantis")
    pd.testing.assert_index_equal(pd.Index(people.select("city=Lyon")),
                                  pd.Index([m for m in people.ids if people.members.loc[m, "city"] == "Lyon"]))
