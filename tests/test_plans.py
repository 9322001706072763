import math

import numpy as np
import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.scoring.objective import co_groupings, default_objective


@pytest.fixture
def plan_frame():
    return pd.DataFrame(
        {
            "round": [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2],
            "table": [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2],
            "member": ["ana", "ben", "chloe", "dan", "eve", "fay", "ana", "dan", "fay", "ben", "chloe", "eve"],
        }
    )


def test_objective_counts_pairs_once_and_repeats(tiny, plan_frame):
    obj = mm.Objective(mm.affinity(tiny), needs=1.0, spread={"city": 1.0}, repeat_penalty=1.0)
    value = obj.evaluate(plan_frame)
    pairs = co_groupings(plan_frame, ["round", "table"])
    distinct = pairs.drop_duplicates(["a", "b"])
    assert len(pairs) == 12 and len(distinct) == 10  # ben-chloe and dan-fay meet twice
    ref = obj.affinity.score(distinct["a"].tolist(), distinct["b"].tolist())["total"].sum()
    assert value["pairs"] == pytest.approx(ref)
    assert value["repeats"] == -2.0
    # cities per table: r1t1 Lyon,Paris,Lyon (2) r1t2 Paris,Nice,Lyon (3) r2t1 Lyon,Paris,Lyon (2) r2t2 Paris,Lyon,Nice (3)
    assert value["spread:city"] == 1 + 2 + 1 + 2
    assert value["total"] == pytest.approx(sum(v for k, v in value.items() if k != "total"))


def test_together_pairs_do_not_count_as_repeats(tiny, plan_frame):
    obj = mm.Objective(mm.affinity(tiny), repeat_penalty=1.0, together={frozenset(("ben", "chloe"))})
    assert obj.evaluate(plan_frame)["repeats"] == -1.0  # dan-fay only


def test_history_repeats(tiny, plan_frame):
    hist = pd.DataFrame({"a": ["ana"], "b": ["ben"]})
    obj = default_objective(tiny, "seating", history=hist)
    assert obj.repeats(co_groupings(plan_frame, ["round", "table"])) == 3  # ana-ben (history) + 2 in-plan


def test_plan_validation_and_gap(tiny, plan_frame):
    obj = mm.Objective(mm.affinity(tiny))
    p = mm.Plan("seating", plan_frame, objective=10.0, bound=12.5, status="feasible", objective_fn=obj)
    assert p.gap == pytest.approx(0.2)
    assert mm.Plan("seating", plan_frame, objective=10.0).gap == math.inf
    with pytest.raises(ValueError, match="not a bound"):
        mm.Plan("seating", plan_frame, objective=10.0, bound=9.0)
    with pytest.raises(ValueError, match="placed twice"):
        mm.Plan("seating", pd.concat([plan_frame, plan_frame.head(1)]), objective=1.0)
    with pytest.raises(ValueError, match="status"):
        mm.Plan("seating", plan_frame, objective=1.0, status="great")


def test_plan_explain_metrics_summary(tiny, plan_frame):
    obj = mm.Objective(mm.affinity(tiny), needs=1.0)
    p = mm.Plan("seating", plan_frame, objective=obj.evaluate(plan_frame)["total"], objective_fn=obj)
    text = p.explain("ben")
    assert text.splitlines()[0].startswith("ben in round 1, table 1 with ana:")
    assert "Ana offers seo, which Ben needs" in text
    assert "met earlier in this plan" in text.splitlines()[1]
    m = p.metrics()
    assert m["pairs_met"] == 10 and m["repeats"] == 2 and m["members"] == 6
    # needs met: ana (accounting, ben), ben (seo, ana), eve (branding, fay); chloe (pricing) and fay (accounting) not
    assert m["needs_covered"] == 3 and m["needs_total"] == 5 and m["needs_covered_share"] == pytest.approx(0.6)
    assert m["value_min"] <= m["value_median"]
    assert "seating plan" in p.summary()
    assert p.explain("nobody") == "nobody is not in this plan"


def test_check_plan_lists_every_rule(plan_frame, expect_problems):
    req = mm.Requests(together=[("ana", "dan")], apart=[("ben", "chloe")], pins=[("eve", 1, 2)], hosts={"fay": 2})
    problems = mm.check_plan(plan_frame, requests=req, capacities=[3, 2], min_size=3, members=["ana", "zed"])
    expect_problems(
        problems,
        "round 1: together ana-dan broken",
        "round 1: apart ben-chloe broken",
        "round 2: apart ben-chloe broken",  # ben and chloe share table 2 in round 2 as well
        "round 2: pin eve -> table 1 broken",
        "round 2: host fay must stay at table 2",
        "round 1, table 2: 3 members for 2 seats",
        "round 2, table 2: 3 members for 2 seats",
        "member(s) not placed: zed",
    )
    assert mm.check_plan(plan_frame, capacities=[3, 3]) == []


def test_cohort_and_pair_plans_check(tiny):
    cohorts = pd.DataFrame({"cohort": [1, 1, 1, 2, 2, 2], "member": tiny.ids})
    assert mm.check_plan(cohorts, min_size=3, max_size=3) == []
    assert mm.check_plan(cohorts, min_size=4) != []
    pairs = pd.DataFrame({"round": [1] * 6, "group": [1, 1, 2, 2, 3, 3], "member": tiny.ids})
    assert mm.check_plan(pairs, max_size=3) == []


def test_needs_covered_matches_a_group_by_group_count() -> None:
    """The vectorised count equals the definition: a need is covered when a groupmate offers it."""
    c = mm.datasets.synthetic_community(90, seed=6)
    rng = np.random.default_rng(1)
    rows = [(r, int(t), m) for r in (1, 2) for t, m in zip(rng.integers(1, 12, 90), c.ids, strict=True)]
    plan = pd.DataFrame(rows, columns=["round", "table", "member"])
    covered, total, share = mm.Objective(mm.affinity(c)).needs_covered(plan, ["round", "table"])
    offers = {m: set(c.members.loc[m, "offers"]) for m in c.ids}
    needs = {m: set(c.members.loc[m, "needs"]) for m in c.ids}
    got: dict[str, set] = {m: set() for m in c.ids}
    for _, grp in plan.groupby(["round", "table"]):
        for m in grp["member"]:
            mates = set().union(*(offers[o] for o in grp["member"] if o != m))
            got[m] |= needs[m] & mates
    assert covered == sum(len(v) for v in got.values()) and total == sum(len(v) for v in needs.values())
    assert share.to_dict() == pytest.approx({m: len(got[m]) / len(needs[m]) if needs[m] else 1.0 for m in c.ids})


def test_a_workbook_of_one_sheet_a_round_reads_back_whole(tiny, plan_frame, tmp_path):
    from matchmaking.plans.io import read_plan
    from matchmaking.reports.exports import xlsx_bytes

    book = tmp_path / "seating.xlsx"
    book.write_bytes(xlsx_bytes(plan_frame, "seating"))  # our export: sheets "round 1", "round 2"
    kind, plan = read_plan(book, tiny)
    assert kind == "seating" and len(plan) == len(plan_frame) and sorted(plan["round"].unique()) == [1, 2]
    assert len(read_plan(book, tiny, sheet="round 2")[1]) == 6
    bad = plan_frame.copy()
    bad.loc[8, "member"] = "zoe"  # round 2
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"note": ["printed on Monday"], "": ["x"]}).to_excel(writer, sheet_name="notes", index=False)
        pd.DataFrame().to_excel(writer, sheet_name="empty", index=False)
        for rnd, part in bad.groupby("round"):
            part.to_excel(writer, sheet_name=f"round {rnd}", index=False)
    with pytest.raises(mm.InputError, match=r"sheet 'round 2'.*row 4.*zoe"):
        read_plan(book, tiny)



def test_host_marks_are_read_from_every_round_sheet(tiny, plan_frame, tmp_path):
    from matchmaking.reports.exports import read_roles

    book = tmp_path / "seating.xlsx"
    marked = plan_frame.assign(host=["yes" if m == "dan" and r == 2 else "" for m, r in
                                     zip(plan_frame["member"], plan_frame["round"], strict=True)])
    with pd.ExcelWriter(book) as writer:
        for rnd, part in marked.groupby("round"):
            part.to_excel(writer, sheet_name=f"round {rnd}", index=False)
    assert read_roles(book) == ({"dan": 1}, [])
