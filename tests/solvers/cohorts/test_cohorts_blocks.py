"""The decomposition: small cities pooled, big cities cut by goal."""

from __future__ import annotations

import pytest
from cohorts_helpers import KW

import matchmaking as mm


def test_small_city_is_pooled_with_a_note():
    c = mm.datasets.synthetic_community(120, seed=2, cities=["Lyon", "Nice", "Pau"], big_city_share=0.9)
    plan = mm.form_cohorts(c, size="8-12", similar=["city"], seed=0)
    assert any("pooled into mixed cohorts" in n for n in plan.notes)
    assert plan.assignments.groupby("cohort").size().between(8, 12).all()


def test_big_blocks_are_cut_by_goal(community, plan):
    unsplit = plan
    plan = mm.form_cohorts(community, max_block=120, seed=0, **KW)
    assert any("sub-blocks by goal" in n for n in plan.notes)
    assert plan.extras["violations"] == []
    assert plan.bound >= plan.objective
    # the bound is taken on whole cities: it holds for plans that cross the sub-blocks too
    assert plan.bound == pytest.approx(unsplit.bound)
    assert plan.bound >= unsplit.objective - unsplit.breakdown["balance:seniority"]
    assert (plan.assignments.merge(community.members, left_on="member", right_index=True)
            .groupby("cohort")["city"].nunique() == 1).all()
