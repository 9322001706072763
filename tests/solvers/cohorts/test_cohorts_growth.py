"""Growth: the move budget, new cohorts for new leads."""

from __future__ import annotations

from cohorts_helpers import KW

import matchmaking as mm
from matchmaking.solvers.cohorts import check_cohorts


def test_growth_respects_the_move_budget():
    df = mm.datasets.synthetic_members(330, seed=4, cities=["Paris", "Lyon"], lead_share=0.1, minority_share=0)
    old = mm.Community.from_frame(df.iloc[:300])
    first = mm.form_cohorts(old, seed=0, **KW)
    grown = mm.Community.from_frame(df)
    for budget in (0, 4):
        plan = mm.form_cohorts(grown, previous=first, move_budget=budget, seed=0, **KW)
        before = first.assignments.set_index("member")["cohort"]
        after = plan.assignments.set_index("member")["cohort"]
        moved = int((after.loc[before.index] != before).sum())
        assert moved <= budget
        assert plan.extras["moved"] == moved
        assert set(after.index) == set(grown.ids)
        newcomer = df["id"].iloc[-1]
        assert "new member" in plan.explain(newcomer)
        assert check_cohorts(plan.assignments, grown, size="8-12", previous=first, move_budget=budget) == []


def test_growth_opens_cohorts_for_new_leads():
    c = mm.datasets.synthetic_community(440, seed=4, lead_share=0.1, cities=["Lyon", "Nice"])
    before = mm.form_cohorts(c.subset(c.ids[:400]), seed=0, **KW)
    after = mm.form_cohorts(c, previous=before, move_budget=0, seed=0, **KW)
    lead = c.members["role"].eq("lead")

    def doubled(plan: mm.Plan) -> int:
        a = plan.assignments
        return int(a.assign(lead=lead.loc[a["member"]].to_numpy()).groupby("cohort")["lead"].sum().ge(2).sum())

    assert len(after.groups()) > len(before.groups())
    assert doubled(after) <= doubled(before)  # the 3 new leads head new cohorts, not doubled ones
    assert not any("leads" in v for v in after.extras["violations"])
    assert any("cohort(s) have 2+ leads" in n for n in after.notes) == (doubled(after) > 0)
