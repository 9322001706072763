"""form_cohorts end to end: valid plans, the shared objective, seeds, explanations, history."""

from __future__ import annotations

import pandas as pd
import pytest
from cohorts_helpers import KW

import matchmaking as mm
from matchmaking.solvers.cohorts import check_cohorts


def test_plan_is_valid_by_the_independent_checker(community, plan):
    assert plan.status == "feasible"
    assert plan.extras["violations"] == []
    assert check_cohorts(plan.assignments, community, size="8-12", protect=["gender"], leaders="role=lead",
                         similar=["city"]) == []
    a = plan.assignments.merge(community.members[["city", "gender", "role"]], left_on="member", right_index=True)
    assert sorted(a["member"]) == sorted(community.ids)
    sizes = a.groupby("cohort").size()
    assert sizes.between(8, 12).all()
    assert (a.groupby("cohort")["city"].nunique() == 1).all()  # cohorts by city
    # protect: nobody alone with their gender
    assert (a.groupby(["cohort", "gender"]).size() >= 2).all()
    # leaders: one per cohort where the city has enough leads
    leads = a.assign(lead=a["role"] == "lead").groupby("cohort").agg(city=("city", "first"), n=("lead", "sum"))
    for _, grp in leads.groupby("city"):
        assert grp["n"].max() - grp["n"].min() <= 1


def test_objective_is_the_shared_objective_with_balance(community, plan):
    terms = plan.objective_fn.evaluate(plan.assignments, "cohorts")
    assert plan.objective == pytest.approx(terms["total"]) and terms == plan.breakdown
    assert plan.objective == pytest.approx(sum(v for k, v in terms.items() if k != "total"))
    assert plan.breakdown["balance:seniority"] < 0
    assert plan.bound >= plan.objective
    assert 0 <= plan.gap < 1


def test_same_seed_same_plan(community, plan):
    again = mm.form_cohorts(community, balance=["seniority"], seed=1, **KW)
    pd.testing.assert_frame_equal(again.assignments, plan.assignments)


def test_parallel_blocks_give_the_same_plan(community):
    one = mm.form_cohorts(community, seed=3, **KW)
    two = mm.form_cohorts(community, seed=3, workers=2, **KW)
    pd.testing.assert_frame_equal(one.assignments, two.assignments)


def test_search_improves_on_the_start(community, plan):
    assert plan.extras["search"]["moves"] > 0


def test_explanation_in_words(community, plan):
    member = plan.assignments["member"].iloc[0]
    text = plan.explain(member)
    c = int(plan.assignments["cohort"].iloc[0])
    assert text.startswith(f"{member} in cohort {c}")
    assert f"same city ({community.members.loc[member, 'city']})" in text
    assert "lead" in text
    assert "is not in this plan" in plan.explain("nobody")


def test_too_few_leads_is_said():
    c = mm.datasets.synthetic_community(120, seed=2, cities=["Lyon"], lead_share=0.02)
    plan = mm.form_cohorts(c, size="8-12", leaders="role=lead", seed=0)
    assert any("have no lead" in n for n in plan.notes)
    assert plan.extras["violations"] == []


def test_history_spreads_people_who_already_met(community, plan):
    pairs = plan.assignments.merge(plan.assignments, on="cohort")
    met = pairs[pairs["member_x"] < pairs["member_y"]].rename(columns={"member_x": "a", "member_y": "b"})[["a", "b"]]
    again = mm.form_cohorts(community, history=met, seed=1, **KW)
    assert "novelty" in again.objective_fn.affinity.terms  # met pairs score lower...
    assert again.metrics()["repeats"] < 0.5 * len(met)  # ...so the solver avoids most of them
    assert again.extras["violations"] == []


def test_pairs_file_is_the_whole_affinity(community):
    ids = community.ids
    weights = pd.DataFrame({"a": ids[:40:2], "b": ids[1:40:2], "weight": [5.0] * 20})
    plan = mm.form_cohorts(community, pairs=weights, size="8-12", seed=0)
    assert plan.objective_fn.affinity.terms == ["pairs"]
    assert plan.breakdown["pairs"] > 0
    where = plan.assignments.set_index("member")["cohort"]
    together = sum(where[a] == where[b] for a, b in zip(weights["a"], weights["b"], strict=True))
    assert together >= 15
