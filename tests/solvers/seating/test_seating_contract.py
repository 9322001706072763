"""The solver contract (issue 10) for seat: requests, stop, callback, Plan.build, parameters."""

from __future__ import annotations

import pytest

import matchmaking as mm
from matchmaking.solvers.control import MaxIterations, NoImprovement
from matchmaking.solvers.seating import SeatingParams


@pytest.fixture(scope="module")
def event() -> mm.Community:
    return mm.datasets.synthetic_community(30, seed=5)


def test_aliases_merge_into_the_requests_the_plan_keeps(event: mm.Community) -> None:
    ids = event.ids
    req = mm.Requests(together=[(ids[0], ids[1])], apart=[(ids[2], ids[3])])
    plan = mm.seat(event, tables=6, table_size=5, rounds=2, requests=req, hosts=[ids[4], ids[5]], time_limit=5,
                   iterations=5000)
    assert plan.requests.hosts == {ids[4]: 1, ids[5]: 2} and plan.requests.together == req.together
    assert req.hosts == {}  # the caller's object is left alone
    assert plan.check() == [] and plan.problems == []
    broken = plan.assignments.copy()
    broken.loc[(broken["member"] == ids[4]) & (broken["round"] == 2), "table"] = 3
    assert any(f"host {ids[4]}" in p for p in mm.check_plan(broken, requests=plan.requests, kind="seating"))


def test_locked_rounds_and_exclusions_through_requests(event: mm.Community) -> None:
    ids = event.ids
    first = mm.seat(event, tables=6, table_size=5, rounds=2, time_limit=5, iterations=3000)
    held = first.assignments[first.assignments["round"] == 1]
    again = mm.seat(event, tables=6, table_size=5, rounds=2, time_limit=5, iterations=3000,
                    requests=mm.Requests(locked=held, exclude=[ids[7], ids[8]]))
    a = again.assignments
    assert a[a["round"] == 1].reset_index(drop=True).equals(held.reset_index(drop=True))
    assert not set(a[a["round"] == 2]["member"]) & {ids[7], ids[8]}
    assert again.check() == []


def test_stop_criteria_and_callback_return_the_best_plan(event: mm.Community) -> None:
    kw = dict(tables=6, table_size=5, rounds=3, time_limit=20)
    plan = mm.seat(event, stop=MaxIterations(20_000), **kw)
    assert plan.extras["stopped"] == "stopped after 20000 iterations" and plan.time < 15
    assert plan.check() == [] and plan.metrics()["repeats"] == 0
    plan = mm.seat(event, stop=[NoImprovement(seconds=0.5)], **kw)
    assert "no improvement" in plan.extras["stopped"] and plan.time < 15
    phases = []
    plan = mm.seat(event, callback=lambda p: phases.append(p.phase) or p.phase != "search", **kw)
    assert phases[-1] == "search" and plan.extras["stopped"] == "stopped by the callback"
    assert plan.check() == [] and plan.objective == pytest.approx(plan.progress[-1][1])


def test_bad_contract_input_is_an_input_error(event: mm.Community) -> None:
    kw = dict(tables=6, table_size=5, rounds=1)
    for bad in ({"time_limit": 0}, {"seed": -1}, {"iterations": 0}, {"params": {"guide": 3}},
                {"params": {"nope": 1}}, {"workers": 0}, {"stop": 5}, {"callback": 3}):
        with pytest.raises(mm.InputError):
            mm.seat(event, **kw, **bad)
    with pytest.raises(mm.InputError, match="params.cool"):
        SeatingParams(cool=0.5)
    with pytest.raises(mm.InputError, match="params.cool_alone"):
        SeatingParams(cool_alone=0.5)
    with pytest.raises(mm.InputError, match="params.mixed_sweeps"):
        SeatingParams(mixed_sweeps=0)
    assert SeatingParams(mixed_tenure=None).mixed_tenure is None


def test_parameters_change_the_search_not_the_rules(event: mm.Community) -> None:
    kw = dict(tables=6, table_size=5, rounds=2, time_limit=10, iterations=20_000, seed=1)
    base = mm.seat(event, **kw)
    other = mm.seat(event, params={"guide": 0.0, "lns_tables": 3}, **kw)
    assert base.check() == [] and other.check() == []
    assert mm.seat(event, params=SeatingParams(), **kw).assignments.equals(base.assignments)


def test_the_tracker_tells_a_phase_ended_by_the_clock_from_one_ended_by_its_count() -> None:
    from matchmaking.solvers.control import Monitor
    from matchmaking.solvers.seating import build_problem
    from matchmaking.solvers.seating.state import SeatingState
    from matchmaking.solvers.seating.tracker import Tracker

    prob = build_problem(mm.datasets.synthetic_community(12, seed=0), tables=3, table_size=4, rounds=2)
    counted = Tracker(SeatingState(prob), Monitor(time_limit=60), max_iterations=10)
    counted.iterations = 10
    assert counted.out_of_budget() and not counted.clock_ended
    timed = Tracker(SeatingState(prob), Monitor(time_limit=60), max_iterations=10)
    timed.deadline = 0.0  # a phase's deadline before the monitor's (the bound's reserve)
    assert timed.out_of_budget() and timed.clock_ended and not timed.monitor.stopped
