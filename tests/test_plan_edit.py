"""Hand edits of a plan: the fast re-scoring equals the shared Objective, undo, the broken rules."""

import numpy as np
import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.plans.edit import PlanEditor
from matchmaking.plans.score import PlanScorer
from matchmaking.scoring.objective import default_objective


def _random_plan(ids, rounds, groups, rng, absent=0.1):
    rows = []
    for r in range(1, rounds + 1):
        for m in ids:
            if rng.random() >= absent:
                rows.append((r, int(rng.integers(1, groups + 1)), m))
    return pd.DataFrame(rows, columns=["round", "table", "member"])


@pytest.mark.parametrize("seed, dense", [(0, True), (1, True), (2, False)])
def test_scorer_equals_objective_evaluate(seed, dense, monkeypatch):
    import matchmaking.plans.score as score

    monkeypatch.setattr(score, "DENSE_UP_TO", 3000 if dense else 0)
    c = mm.datasets.synthetic_community(40, seed=seed)
    rng = np.random.default_rng(seed)
    ids = c.ids
    history = pd.DataFrame({"a": ids[:10], "b": ids[10:20], "count": 1})
    together = {frozenset((ids[0], ids[1])), frozenset((ids[1], ids[2]))}
    for kind, group_col in (("seating", "table"), ("pairs", "group"), ("cohorts", "cohort")):
        obj = default_objective(c, kind, history=history, together=together, spread={"sector": 1.0, "city": 0.5},
                                repeat_penalty=3.0, similar={"city": 0.25}) if kind != "pairs" else \
            default_objective(c, kind, history=history, together=together)
        if kind == "cohorts":  # affinity terms of every kind, spread included
            obj = mm.Objective(mm.affinity(c, spread={"sector": 0.5}, similar=["city"], history=history), needs=1.0)
        plan = _random_plan(ids, 1 if kind == "cohorts" else 3, 6, rng).rename(columns={"table": group_col})
        if kind == "cohorts":
            plan = plan.drop(columns="round")
        members = list(dict.fromkeys(plan["member"]))
        scorer = PlanScorer(obj, members)
        rounds = sorted(plan["round"].unique()) if "round" in plan else [1]
        slots = np.full((len(rounds), len(members)), -1)
        for rec in plan.itertuples(index=False):
            k = rounds.index(rec.round) if "round" in plan else 0
            slots[k, members.index(rec.member)] = getattr(rec, group_col)
        expected = obj.evaluate(plan, kind)
        got = scorer.evaluate(slots)
        assert list(got) == list(expected)
        assert got == pytest.approx(expected), kind


def _seating_plan(c):
    ids = c.ids
    frame = pd.DataFrame({"round": [1] * 8 + [2] * 8, "table": [1, 1, 2, 2, 3, 3, 4, 4] * 2,
                          "member": ids[:8] + ids[:8][::-1]})
    obj = default_objective(c, "seating", spread={"sector": 1.0})
    return mm.Plan("seating", frame, objective=obj.evaluate(frame)["total"], bound=1e9, objective_fn=obj)


def test_move_swap_undo_and_problems():
    c = mm.datasets.synthetic_community(8, seed=3)
    plan = _seating_plan(c)
    a, b = c.ids[0], c.ids[5]
    ed = PlanEditor(plan, rules={"capacities": [2, 2, 2, 2]},
                    requests=mm.Requests(apart=[(c.ids[2], c.ids[3])]))
    x, y = c.ids[2], c.ids[3]
    assert ed.problems == [f"round 1: apart {x}-{y} broken (both at table 2)",
                           f"round 2: apart {x}-{y} broken (both at table 3)"]
    start = ed.objective_value
    ed.move(a, 4, round=1)
    assert ed.where(a) == {1: 4, 2: 4}
    assert "round 1, table 4: 3 members for 2 seats" in ed.problems
    assert ed.objective_value == pytest.approx(plan.objective_fn.evaluate(ed.assignments())["total"])
    ed.swap(a, b)  # every round both are in
    assert ed.where(b) == {1: 4, 2: 4}
    assert ed.plan.objective == pytest.approx(plan.objective_fn.evaluate(ed.plan.assignments)["total"])
    assert ed.plan.notes[-1].startswith("2 hand edit(s)")
    ed.undo()
    ed.undo()
    same = plan.assignments.sort_values(["round", "table", "member"]).reset_index(drop=True)
    assert ed.objective_value == start and ed.assignments().equals(same)
    with pytest.raises(mm.InputError, match="nothing to undo"):
        ed.undo()


def test_edit_errors_name_the_problem():
    c = mm.datasets.synthetic_community(8, seed=3)
    ed = PlanEditor(_seating_plan(c), rules={"capacities": [2, 2, 2, 2]})
    with pytest.raises(mm.InputError, match="no table 9: tables are 1..4"):
        ed.move(c.ids[0], 9, round=1)
    with pytest.raises(mm.InputError, match="no round 3"):
        ed.move(c.ids[0], 1, round=3)
    with pytest.raises(mm.InputError, match="'nobody' is not in this plan"):
        ed.swap("nobody", c.ids[0])
    assert ed.history == []


def test_editor_flags_the_groups_and_members_a_problem_names():
    c = mm.datasets.synthetic_community(8, seed=3)
    ed = PlanEditor(_seating_plan(c), rules={"capacities": [2, 2, 2, 2]})
    ed.move(c.ids[0], 2, round=2)
    members, groups = ed.flags()
    assert groups == {(2, 2)} and members == set()


def test_problems_round_by_round_equal_the_whole_check():
    c = mm.datasets.synthetic_community(8, seed=3)
    plan = _seating_plan(c)
    a = c.ids[0]
    requests = mm.Requests(pins=[(a, 1, 2), (a, 1, 7)], apart=[(c.ids[6], c.ids[7])])
    ed = PlanEditor(plan, rules={"capacities": [2, 2, 2, 2]}, requests=requests)
    whole = mm.check_plan(plan.assignments, requests=requests, capacities=[2, 2, 2, 2])
    assert sorted(ed.problems) == sorted(whole) and len(whole) == 4
    ed.move(a, 1, round=2)  # the pin of round 2 now holds; round 2, table 1 has 3 members
    assert sorted(ed.problems) == sorted(mm.check_plan(ed.assignments(), requests=requests, capacities=[2] * 4))
