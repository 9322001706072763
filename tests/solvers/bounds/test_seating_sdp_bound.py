"""The seating plan prints the semidefinite bound: tighter than the term-by-term relaxation, still
above the plan, the same with a fixed effort."""

from __future__ import annotations

import pandas as pd

import matchmaking as mm
from matchmaking.solvers.seating import SeatingParams, build_problem, seating_bound
from matchmaking.solvers.seating.bound import sdp_bound


def _event():
    c = mm.datasets.synthetic_community(36, seed=5)
    return c, {"tables": 6, "table_size": 6, "rounds": 2, "spread": ["sector"]}


def test_plan_bound_is_the_tighter_certified_one_and_repeats():
    c, kw = _event()
    prob = build_problem(c, **kw)
    old, _ = seating_bound(prob)
    plans = [mm.seat(c, iterations=20_000, time_limit=60, seed=3, **kw) for _ in range(2)]
    plan = plans[0]
    assert plan.objective <= plan.bound < old
    assert "sdp bound" in plan.extras["bound_terms"]
    assert any("certified" in n for n in plan.notes)
    assert plans[1].bound == plan.bound and plans[1].objective == plan.objective


def test_sdp_bound_keeps_the_old_terms_and_handles_pigeonhole_repeats():
    c = mm.datasets.synthetic_community(24, seed=2)
    # 4 tables of 6 over 3 rounds: 24 - 16 = 8 repeats forced in each later round
    prob = build_problem(c, tables=4, table_size=6, rounds=3)
    old, terms = seating_bound(prob)
    assert terms["min_repeats"] > 0
    bound, new_terms, notes = sdp_bound(prob, max_iter=150)
    assert bound <= old and new_terms["needs"] == terms["needs"]
    plan = mm.seat(c, tables=4, table_size=6, rounds=3, iterations=20_000, time_limit=60, seed=0)
    assert plan.objective <= bound + 1e-9
    assert isinstance(notes, list) and notes


def test_locked_round_and_absences_stay_valid():
    c, kw = _event()
    first = mm.seat(c, iterations=5_000, time_limit=60, seed=1, **kw)
    held = first.assignments[first.assignments["round"] == 1]
    later = [m for m in c.ids if m not in set(c.ids[:3])]
    attendance = {1: c.ids, 2: later}
    prob = build_problem(c, locked=held, attendance=attendance, **kw)
    bound, _, _ = sdp_bound(prob, max_iter=150)
    again = mm.seat(c, locked=held, attendance=attendance, iterations=5_000, time_limit=60, seed=1, **kw)
    assert again.objective <= bound + 1e-9 <= seating_bound(prob)[0] + 1e-9
    kept = again.assignments[again.assignments["round"] == 1].reset_index(drop=True)
    assert kept.equals(pd.DataFrame(held).sort_values(["round", "table", "member"]).reset_index(drop=True))


def test_bound_reserve_counts_the_cheap_bounds_and_the_certificate(monkeypatch) -> None:
    """The reserve is kept only when twenty forecast iterations fit beside the cheap bounds and the proof."""
    import matchmaking.solvers.bounds.rounds as rounds_module
    from matchmaking.solvers.seating.bound import degree_seconds, plan_seconds, sdp_budget

    c = mm.datasets.synthetic_community(60, seed=60)
    prob = build_problem(c, tables=6, table_size=10, rounds=3)  # identical rounds: one distinct
    budget = 0.1 * 10.0
    cheap = degree_seconds(prob.n)
    # 20 iterations + the degree bound + one iteration per round for the proof, plus one, must fit in the budget
    per_fits = (budget - cheap) / 24 * 0.99
    monkeypatch.setattr(rounds_module, "iteration_seconds", lambda sizes: per_fits)
    assert sdp_budget(prob, 10.0, share=0.1, cap=30.0) == budget
    monkeypatch.setattr(rounds_module, "iteration_seconds", lambda sizes: per_fits * 1.03)
    assert abs(sdp_budget(prob, 10.0, share=0.1, cap=30.0) - cheap) < 1e-12
    assert 0.05 < plan_seconds(prob) < 0.1


def test_every_search_ends_in_time_to_build_the_plan(monkeypatch) -> None:
    """Without a bound reserve too, the phases stop ``plan_seconds`` before the limit (the plan is built after)."""
    import matchmaking.solvers.seating.engine as engine
    from matchmaking.solvers.seating.bound import plan_seconds

    seen = {}
    real = engine.anneal

    def spy(search, *args, **kw):
        seen["gap"] = search.monitor.deadline - search.deadline
        seen["margin"] = plan_seconds(search.state.p)
        return real(search, *args, **kw)

    monkeypatch.setattr(engine, "anneal", spy)
    c, kw = _event()
    plan = mm.seat(c, time_limit=0.5, seed=0, params=SeatingParams(bound_share=0.0, lns_share=0.0,
                                                                       anneal_share=1.0), **kw)
    assert "sdp bound" not in plan.extras["bound_terms"]  # no reserve for the bound
    assert seen["gap"] >= seen["margin"] - 1e-9 > 0
