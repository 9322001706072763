"""The shared solver contract: progress, stopping criteria, the monitor, selection, requests, Plan.build."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.solvers.control import Monitor, NoImprovement, as_criterion


def test_monitor_stops_on_callback_and_keeps_reason() -> None:
    calls = []
    m = Monitor(time_limit=60, callback=lambda p: calls.append(p) or p.iteration < 3, min_interval=0)
    results = [m.report("search", objective=float(i), iteration=i) for i in range(5)]
    assert results == [True, True, True, False, False]
    assert m.stop_reason == "stopped by the callback"
    assert isinstance(calls[0], mm.Progress) and calls[-1].objective == 4.0
    assert m.remaining() == 0.0 and m.time_up()


def test_monitor_throttles_but_forced_records_go_through() -> None:
    calls = []
    m = Monitor(time_limit=60, callback=calls.append, min_interval=3600)
    for i in range(10):
        m.report("search", objective=float(i))
    m.report("done", objective=9.0, force=True)
    assert [p.phase for p in calls] == ["search", "done"]


def test_monitor_deadline_and_history() -> None:
    m = Monitor(time_limit=0.01)
    m.report("greedy", objective=1.0, bound=5.0)
    m.report("search", objective=0.5, bound=4.0)  # worse: no new history entry, bound tightens
    import time

    time.sleep(0.02)
    assert not m.report("search", objective=2.0)
    assert m.stop_reason.startswith("stopped at the time limit")
    assert [h[1] for h in m.history] == [1.0, 2.0] and m.history[-1][2] == 4.0
    assert "best plan found so far" in m.note()


def test_criteria_combine_any_of() -> None:
    stop = as_criterion([mm.MaxIterations(10), mm.GapReached(0.0)])
    assert not stop(mm.Progress("search", 0.0, objective=1.0, bound=2.0, iteration=3))
    assert stop(mm.Progress("search", 0.0, objective=2.0, bound=2.0, iteration=3))
    assert str(stop) == "stopped: bound reached"
    ni = NoImprovement(seconds=1.0)
    assert not ni(mm.Progress("s", 0.0, objective=1.0))
    assert not ni(mm.Progress("s", 0.9, objective=1.0))
    assert ni(mm.Progress("s", 1.1, objective=1.0))


@pytest.mark.parametrize("bad", [0, -1, math.inf, math.nan, "5", None, True])
def test_bad_time_limits_are_input_errors(bad: object) -> None:
    with pytest.raises(mm.InputError, match="time limit"):
        Monitor(time_limit=bad)  # type: ignore[arg-type]


def test_bad_stop_and_callback_are_input_errors() -> None:
    with pytest.raises(mm.InputError):
        Monitor(time_limit=1, stop=42)  # type: ignore[arg-type]
    with pytest.raises(mm.InputError):
        Monitor(time_limit=1, callback="nope")  # type: ignore[arg-type]
    with pytest.raises(mm.InputError):
        mm.MaxIterations(0)


@pytest.fixture
def people() -> mm.Community:
    return mm.Community.from_frame(pd.DataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "city": ["Paris", "Lyon", "Paris", "Nice", None],
        "joined": ["2025-12-31", "2026-01-01", "2026-1-15", "2026-03-01", "2024-05-05"],
        "seniority": [1, 5, 3, 2, 4],
    }))


def test_select_grammar(people: mm.Community) -> None:
    assert people.select("city=Paris") == ["a", "c"]
    assert people.select("city!=Paris") == ["b", "d"]  # missing values never match
    assert people.select("city=Paris,Nice") == ["a", "c", "d"]
    assert people.select("seniority>=3") == ["b", "c", "e"]
    # dates compare as dates, however they are written
    assert people.select("joined<2026-1-1") == people.select("joined<2026-01-01") == ["a", "e"]
    assert people.select("joined>=2026-01-01 & city=Paris") == ["c"]
    assert people.select(["d", "a"]) == ["a", "d"]
    assert people.select("seniority>1", within=["a", "b"]) == ["b"]


@pytest.mark.parametrize(("spec", "message"), [
    ("city=Pariss", "matches nobody (did you mean 'Paris'?)"),
    ("town=Paris", "no attribute 'town'"),
    ("seniority>=high", "holds numbers"),
    ("joined<2026-13-45", "is not a date"),
    ("city>Paris", "holds text"),
    ("city", "is not 'column=value'"),
    ("city=", "needs a value"),
    ("", "empty"),
])
def test_select_refuses(people: mm.Community, spec: str, message: str) -> None:
    with pytest.raises(mm.InputError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        people.select(spec)


def test_select_refuses_unknown_ids_and_bad_dates_with_row(people: mm.Community) -> None:
    with pytest.raises(mm.InputError, match="unknown member 'z'"):
        people.select(["a", "z"])
    c = mm.Community.from_frame(pd.DataFrame({"id": ["a", "b"], "joined": ["2026-01-01", "soon"]}), name="m.csv")
    with pytest.raises(mm.InputError, match="m.csv, row 3, column 'joined'"):
        c.select("joined>2025-01-01")


def test_requests_conflicts_name_their_rows() -> None:
    c = mm.Community.from_frame(pd.DataFrame({"id": list("abcdef")}))
    table = pd.DataFrame({
        "kind": ["together", "together", "apart", "pin", "pin", "pin"],
        "a": ["a", "b", "a", "d", "d", "e"],
        "b": ["b", "c", "c", "1", "2", "9"],
    })
    r = mm.Requests.read(table, c)
    found = r.conflicts(n_groups=3, rounds=2, capacities=[2, 2, 2])
    assert found == [
        ("apart a-c (DataFrame, row 4) contradicts together a-b (DataFrame, row 2), "
         "together b-c (DataFrame, row 3): they chain a and c together"),
        "pin d -> 1 (DataFrame, row 5) and pin d -> 2 (DataFrame, row 6) put one member at two tables at once",
        "pin e -> 9 (DataFrame, row 7) names a table that does not exist (1..3)",
        "together group a, b, c (DataFrame, rows 2, 3) has 3 members, more than the biggest table (2 seats)",
    ]


def test_requests_merge_and_lock() -> None:
    held = pd.DataFrame({"round": [1, 1], "table": [1, 2], "member": ["a", "b"]})
    r = mm.Requests(together=[("a", "b")]).merged(mm.Requests(exclude=["c"])).with_lock(held)
    assert r.exclude == ["c"] and len(r.locked) == 2 and r.members() == {"a", "b", "c"}
    assert not r.is_empty() and mm.Requests().is_empty()


def test_plan_build_scores_checks_and_keeps_requests() -> None:
    c = mm.Community.from_frame(pd.DataFrame({"id": list("abcd"), "offers": ["x", "", "", ""],
                                              "needs": ["", "x", "", ""]}))
    obj = mm.Objective(mm.affinity(c))
    rows = pd.DataFrame({"round": [1, 1, 1, 1], "table": [1, 1, 2, 2], "member": list("abcd")})
    req = mm.Requests(apart=[("a", "b")])
    plan = mm.Plan.build("seating", rows, objective_fn=obj, requests=req, rules={"capacities": [2, 2]},
                         bound=1.0 - 1e-12)
    assert plan.status == "optimal" and plan.bound == plan.objective == 1.0
    assert plan.problems == ["round 1: apart a-b broken (both at table 1)"] == plan.check()
    assert plan.requests is req
    assert "broken rule: round 1: apart a-b broken" in plan.summary()
    low = mm.Plan.build("seating", rows, objective_fn=obj, bound=0.5)
    assert low.bound == math.inf and low.status == "feasible" and "no bound reported" in low.notes[0]
    m = Monitor(time_limit=60, callback=lambda p: False)
    m.report("search", objective=1.0)
    stopped = mm.Plan.build("seating", rows, objective_fn=obj, bound=2.0, monitor=m)
    assert stopped.extras["stopped"] == "stopped by the callback" and "best plan found so far" in stopped.notes[-1]
    assert stopped.progress == m.history
