"""Every pairing mode keeps the solver contract (issue 10) and refuses bad input (issue 13).

Per mode: the callback gets a Progress and returning False stops with the best plan so far; bad
input is an InputError (never ValueError/TypeError/KeyError); the plan carries its requests and
rules, and ``plan.check()`` agrees with ``matchmaking score`` on the written files, also after a
rule is broken by hand.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.cli import main
from matchmaking.solvers.pairing import IntroParams, RouletteParams


@pytest.fixture(scope="module")
def c() -> mm.Community:
    return mm.datasets.synthetic_community(30, seed=11)


def run(c: mm.Community, mode: str, **kw) -> mm.Plan:
    ids = c.ids
    settings = {
        "intro": {},
        "mentor": {"mentors": ids[:6], "mentees": ids[6:20], "capacity": 3},
        "roulette": {"rounds": 3},
        "welcome": {"newcomers": ids[:5], "veterans": ids[5:], "k": 2},
    }[mode]
    return mm.pair(c, mode, **{**settings, **kw})


MODES = ["intro", "mentor", "roulette", "welcome"]


@pytest.mark.parametrize("mode", MODES)
def test_callback_false_stops_and_the_best_plan_comes_back(c: mm.Community, mode: str) -> None:
    seen: list[mm.Progress] = []
    plan = run(c, mode, callback=lambda p: seen.append(p) or False, time_limit=20)
    assert seen and all(isinstance(p, mm.Progress) for p in seen)
    assert seen[-1].phase != "done"  # the solve ended early, from its first report
    assert plan.extras["stopped"] == "stopped by the callback"
    assert plan.check() == [] and len(plan.assignments) > 0
    assert plan.objective == pytest.approx(plan.objective_fn.evaluate(plan.assignments, "pairs")["total"])


@pytest.mark.parametrize("mode", MODES)
def test_progress_reaches_done_without_a_stop(c: mm.Community, mode: str) -> None:
    seen: list[mm.Progress] = []
    plan = run(c, mode, callback=seen.append, time_limit=20)
    assert seen[-1].phase == "done" and seen[-1].objective == pytest.approx(plan.objective)
    assert "stopped" not in plan.extras and plan.progress


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bad", [
    {"time_limit": 0}, {"time_limit": "30"}, {"seed": -1}, {"seed": 1.5}, {"callback": 3},
    {"stop": "soon"}, {"members": "city=Pariss"}, {"members": ["m0000", "nobody"]},
    {"requests": mm.Requests(together=[("m0001", "ghost")])},
    {"requests": mm.Requests(pins=[("m0001", 2, None)])},
    {"constraints": pd.DataFrame({"kind": ["apart"], "a": ["m0001"], "b": ["zz"]})},
    {"objective": "affinity"}, {"history": 42}, {"rounds": 0}, {"rounds": "3"}, {"rounds": 10**6},
    {"pairs": 42}, {"requests": 42},
])
def test_bad_input_is_an_input_error(c: mm.Community, mode: str, bad: dict) -> None:
    with pytest.raises(mm.InputError):
        run(c, mode, **bad)


@pytest.mark.parametrize(("mode", "bad"), [
    ("intro", {"candidates": 0}), ("intro", {"candidates": "ten"}), ("intro", {"candidates": True}),
    ("intro", {"intro_params": "fast"}),
    ("mentor", {"capacity": 0}), ("mentor", {"capacity": -2}), ("mentor", {"capacity": "seats"}),
    ("mentor", {"demand": 2.5}), ("mentor", {"stable": "both"}), ("mentor", {"mentors": None}),
    ("mentor", {"mentees": ["m0000"]}), ("mentor", {"mentors": "role=wizard"}), ("mentor", {"ranks": 42}),
    ("mentor", {"everyone": "yes"}),
    ("roulette", {"method": "best"}), ("roulette", {"snooze": {"m0001": [9]}}),
    ("roulette", {"snooze": {"nobody": [1]}}), ("roulette", {"snooze": "m0001:2"}),
    ("roulette", {"snooze": pd.DataFrame({"member": ["m0001"], "round": ["two"]})}),
    ("roulette", {"opt_out": ["ghost"]}), ("roulette", {"opt_out": "m0001"}),
    ("welcome", {"k": 0}), ("welcome", {"hosts_per_round": -1}), ("welcome", {"newcomers": None}),
    ("welcome", {"veterans": ["m0000"]}),
])
def test_bad_mode_settings_are_input_errors(c: mm.Community, mode: str, bad: dict) -> None:
    with pytest.raises(mm.InputError):
        run(c, mode, **bad)


def test_unknown_mode_and_bad_params(c: mm.Community) -> None:
    with pytest.raises(mm.InputError, match="mode"):
        mm.pair(c, "speed-dating")
    with pytest.raises(mm.InputError, match="block_size"):
        IntroParams(block_size=0)
    with pytest.raises(mm.InputError, match="exact_share"):
        RouletteParams(exact_share=2.0)


@pytest.mark.parametrize("mode", MODES)
def test_check_agrees_with_cli_score(c: mm.Community, mode: str, tmp_path, capsys) -> None:
    ids = c.ids
    apart = (ids[6], ids[7]) if mode != "welcome" else (ids[0], ids[5])
    plan = run(c, mode, requests=mm.Requests(apart=[apart]), time_limit=10)
    assert plan.requests is not None and apart in plan.requests.apart
    members, constraints, written = tmp_path / "m.csv", tmp_path / "c.csv", tmp_path / "p.csv"
    c.to_frame().to_csv(members, index=False)
    constraints.write_text(f"kind,a,b\napart,{apart[0]},{apart[1]}\n")
    extra = ["--similar", "city"] if mode == "welcome" else []

    def score(p: mm.Plan) -> dict:
        p.to_csv(written)
        code = main(["score", str(members), str(written), "--constraints", str(constraints), "--json", *extra])
        out = json.loads(capsys.readouterr().out)
        assert code == (1 if out["violations"] else 0)
        return out

    out = score(plan)
    assert out["violations"] == [] == plan.check()
    assert out["objective"]["total"] == pytest.approx(plan.objective)
    # put the apart pair in one group by hand: both checkers see it
    rows = plan.assignments.copy()
    a_at = rows.loc[rows["member"] == apart[0]].iloc[0]
    rows = rows[~((rows["member"] == apart[1]) & (rows["round"] == a_at["round"]))]
    rows = pd.concat([rows, pd.DataFrame({"round": [a_at["round"]], "group": [a_at["group"]], "member": [apart[1]]})])
    edited = mm.Plan.build("pairs", rows, objective_fn=plan.objective_fn, requests=plan.requests, rules=plan.rules,
                           checker=plan.checker)
    edited.extras.update(plan.extras)
    broken = [v for v in edited.check() if "apart" in v]
    out = score(edited)
    assert broken and [v for v in out["violations"] if "apart" in v] == broken


def test_rules_are_checked_independently(c: mm.Community) -> None:
    plan = run(c, "mentor")
    two_mentors = plan.assignments.copy()
    mentor_rows = two_mentors["member"].isin(plan.extras["mentors"])
    first = two_mentors.index[~mentor_rows][0]
    two_mentors.loc[first, "member"] = [m for m in plan.extras["mentors"]
                                        if m not in set(two_mentors.loc[mentor_rows, "member"])][0]
    edited = mm.Plan.build("pairs", two_mentors, objective_fn=plan.objective_fn, rules=plan.rules,
                           checker=plan.checker)
    edited.extras.update(plan.extras)
    assert any("not one mentor and one mentee" in p for p in edited.check())
    roulette = run(c, "roulette", snooze={c.ids[0]: [2]}, time_limit=5)
    assert roulette.rules["attendance"][2] == [m for m in c.ids if m != c.ids[0]]
    assert roulette.check() == []


def test_exclude_and_selection(c: mm.Community) -> None:
    plan = mm.pair(c, "roulette", rounds=2, requests=mm.Requests(exclude=[c.ids[0]]), members="city!=Lyon")
    placed = set(plan.assignments["member"])
    assert c.ids[0] not in placed
    assert placed == set(c.select("city!=Lyon")) - {c.ids[0]}


@pytest.mark.parametrize(("mode", "kw"), [
    ("intro", {"candidates": 5}), ("intro", {}), ("roulette", {"rounds": 2}),
])
@pytest.mark.parametrize("size", [1, 2, 3])
def test_tiny_events(c: mm.Community, mode: str, kw: dict, size: int) -> None:
    ids = c.ids[:size]
    plan = mm.pair(c, mode, members=ids, time_limit=5, **kw)
    assert plan.check() == [] and set(plan.assignments["member"]) <= set(ids)
    together = mm.pair(c, mode, members=c.ids[:3], requests=mm.Requests(together=[(ids[0], c.ids[1])]), **kw)
    assert any(set(g) >= {ids[0], c.ids[1]} for g in together.groups().values())


def test_everyone_opted_out_is_an_input_error(c: mm.Community) -> None:
    with pytest.raises(mm.InputError, match="opted out"):
        mm.pair(c, "roulette", opt_out=c.ids)
