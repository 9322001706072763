"""Cohorts: validity by the independent checker, the bound, growth, requests, errors, CLI."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.cli import main
from matchmaking.solvers.cohorts import check_cohorts, parse_size

KW = dict(size="8-12", similar=["city"], spread=["sector"], protect=["gender"], leaders="role=lead")


@pytest.fixture(scope="module")
def community() -> mm.Community:
    return mm.datasets.synthetic_community(
        400, seed=9, cities=["Paris", "Lyon", "Nice"], lead_share=0.1, minority_share=0.03
    )


@pytest.fixture(scope="module")
def plan(community: mm.Community) -> mm.Plan:
    return mm.form_cohorts(community, balance=["seniority"], seed=1, **KW)


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


def test_objective_is_the_shared_objective_plus_balance(community, plan):
    terms = plan.objective_fn.evaluate(plan.assignments, "cohorts")
    assert plan.objective == pytest.approx(terms["total"] + plan.breakdown["balance:seniority"])
    assert plan.breakdown["balance:seniority"] <= 0
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


def _partitions(items, lo, hi):
    """Every split of ``items`` into groups of ``lo`` to ``hi`` members (the brute-force reference)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for extra in range(lo - 1, hi):
        for comb in itertools.combinations(rest, extra):
            left = [x for x in rest if x not in comb]
            for p in _partitions(left, lo, hi):
                yield [[first, *comb], *p]


def test_bound_is_a_real_bound_and_tiny_instances_reach_the_optimum():
    for seed, size in ((11, 3), (12, 2)):
        c = mm.datasets.synthetic_community(6, seed=seed)
        plan = mm.form_cohorts(c, size=size, spread=["sector"], seed=0)
        best = -np.inf
        for parts in _partitions(c.ids, size, size):
            frame = pd.DataFrame([(g + 1, m) for g, grp in enumerate(parts) for m in grp], columns=["cohort", "member"])
            best = max(best, plan.objective_fn.evaluate(frame, "cohorts")["total"])
        assert plan.bound >= best - 1e-9
        assert plan.objective == pytest.approx(best)  # the local search finds the optimum here


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


def test_too_few_leads_is_said():
    c = mm.datasets.synthetic_community(120, seed=2, cities=["Lyon"], lead_share=0.02)
    plan = mm.form_cohorts(c, size="8-12", leaders="role=lead", seed=0)
    assert any("have no lead" in n for n in plan.notes)
    assert plan.extras["violations"] == []


def test_small_city_is_pooled_with_a_note():
    c = mm.datasets.synthetic_community(120, seed=2, cities=["Lyon", "Nice", "Pau"], big_city_share=0.9)
    plan = mm.form_cohorts(c, size="8-12", similar=["city"], seed=0)
    assert any("pooled into mixed cohorts" in n for n in plan.notes)
    assert plan.assignments.groupby("cohort").size().between(8, 12).all()


def test_requests_together_apart_pin(tmp_path):
    c = mm.datasets.synthetic_community(60, seed=8, cities=["Lyon"])
    ids = c.ids
    table = pd.DataFrame({"kind": ["together", "apart", "pin"], "a": [ids[0], ids[2], ids[4]],
                          "b": [ids[1], ids[3], "5"]})
    plan = mm.form_cohorts(c, size="8-12", constraints=table, seed=0)
    where = plan.assignments.set_index("member")["cohort"]
    assert where[ids[0]] == where[ids[1]]
    assert where[ids[2]] != where[ids[3]]
    assert where[ids[4]] == 5
    assert plan.extras["violations"] == []


def test_conflicting_requests_are_infeasible():
    c = mm.datasets.synthetic_community(60, seed=8, cities=["Lyon", "Nice"], big_city_share=0.5)
    m = c.members
    lyon, nice = m.index[m["city"] == "Lyon"][0], m.index[m["city"] == "Nice"][0]
    with pytest.raises(mm.InfeasibleError, match=f"together {lyon}-{nice}"):
        mm.form_cohorts(c, size="8-12", similar=["city"],
                        constraints=pd.DataFrame({"kind": ["together"], "a": [lyon], "b": [nice]}))
    with pytest.raises(mm.InfeasibleError, match="cannot be cut"):
        mm.form_cohorts(c.subset(c.ids[:13]), size="8-12")
    with pytest.raises(mm.InfeasibleError, match="only"):
        mm.form_cohorts(c, size="8-12", constraints=pd.DataFrame({"kind": ["pin"], "a": [lyon], "b": ["99"]}))


def test_checker_finds_every_kind_of_violation(expect_problems):
    c = mm.Community.from_frame(pd.DataFrame({
        "id": list("abcdef"), "g": ["x", "y", "x", "x", "x", "x"], "role": ["lead", "lead", "m", "m", "m", "m"]}))
    plan = pd.DataFrame({"cohort": [1, 1, 1, 2, 2], "member": list("abcde")})
    req = mm.Requests(apart=[("a", "c")])
    out = check_cohorts(plan, c, size="3-3", protect=["g"], leaders="role=lead", requests=req)
    expect_problems(out, "1 member(s) not placed: f", "cohort 2: 2 members, fewer than 3",
                    "cohort 1: b is the only g='y'", "leads unevenly spread", "apart a-c broken")


def test_bad_input_is_refused(community):
    with pytest.raises(ValueError, match="MIN-MAX"):
        parse_size("eight")
    with pytest.raises(ValueError, match="no attribute 'town'"):
        mm.form_cohorts(community, similar=["town"])
    with pytest.raises(ValueError, match="COLUMN=VALUE"):
        mm.form_cohorts(community, leaders="lead")
    with pytest.raises(ValueError, match="not numeric"):
        mm.form_cohorts(community, balance=["city"])


def test_cli_writes_cohorts_and_reports_bad_input(tmp_path, capsys):
    members = tmp_path / "members.csv"
    mm.datasets.synthetic_members(150, seed=9, cities=["Lyon", "Nice"], lead_share=0.1, minority_share=0).to_csv(
        members, index=False)
    out = tmp_path / "cohorts.csv"
    rc = main(["cohorts", str(members), "--size", "8-12", "--similar", "city", "--spread", "sector",
               "--protect", "gender", "--leaders", "role=lead", "--out", str(out), "--report", str(tmp_path / "r.html")])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "bound" in text and "gap" in text and "feasible" in text
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["cohort", "member"] and len(frame) == 150
    assert main(["score", str(members), str(out)]) == 0
    grown = tmp_path / "grown.csv"
    rc = main(["cohorts", str(members), "--previous", str(out), "--move-budget", "0", "--out", str(grown)])
    assert rc == 0
    assert pd.read_csv(grown).set_index("member")["cohort"].equals(frame.set_index("member")["cohort"])
    bad = tmp_path / "constraints.csv"
    bad.write_text("kind,a,b\ntogether,m0001,zz\n")
    rc = main(["cohorts", str(members), "--constraints", str(bad), "--out", str(tmp_path / "x.csv")])
    err = capsys.readouterr().err
    assert rc == 2 and "constraints.csv, row 2, column 'b'" in err
    assert not (tmp_path / "x.csv").exists()


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


def test_other_cohort_counts_are_tried_when_rules_fail(tmp_path, capsys):
    # 4 f + 2 m in cohorts of 2-3: two cohorts leave a man alone, three ({a,b} {c,d} {e,f}) are valid
    c = mm.Community.from_frame(pd.DataFrame({"id": list("abcdef"), "gender": list("ffffmm")}))
    plan = mm.form_cohorts(c, size="2-3", protect=["gender"], seed=0)
    assert plan.extras["violations"] == [] and len(plan.groups()) == 3
    # 3 f + 3 m, 4 leads: three cohorts of 2 cannot protect gender; {fff} {mmm} with 2 leads each can
    c2 = mm.Community.from_frame(pd.DataFrame({"id": list("abcdef"), "gender": list("fffmmm"),
                                               "role": ["lead", "lead", "member", "lead", "lead", "member"]}))
    plan2 = mm.form_cohorts(c2, size="2-3", protect=["gender"], leaders="role=lead", seed=0)
    assert plan2.extras["violations"] == [] and len(plan2.groups()) == 2
    assert check_cohorts(plan2.assignments, c2, size="2-3", protect=["gender"], leaders="role=lead") == []
    # truly infeasible: nothing is written unless asked
    path = tmp_path / "m.csv"
    pd.DataFrame({"id": list("abcde"), "gender": list("ffffm")}).to_csv(path, index=False)
    out = tmp_path / "x.csv"
    rc = main(["cohorts", str(path), "--size", "2-3", "--protect", "gender", "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 1 and "nothing written" in text and not out.exists()
    rc = main(["cohorts", str(path), "--size", "2-3", "--protect", "gender", "--out", str(out),
               "--write-infeasible"])
    assert rc == 1 and out.exists()


def test_conflicting_requests_in_one_block_are_named(tmp_path, capsys):
    c = mm.Community.from_frame(pd.DataFrame({"id": list("abcdef")}))
    apart = pd.DataFrame({"kind": ["apart"] * 3, "a": list("aab"), "b": list("bcc")})
    with pytest.raises(mm.InfeasibleError, match="3 members pairwise apart") as err:
        mm.form_cohorts(c, size="3-3", constraints=apart)
    assert "apart a-b (DataFrame, row 2)" in str(err.value) and len(err.value.conflicts) == 1
    plan = mm.form_cohorts(c, size="2-3", constraints=apart, seed=0)  # 3 cohorts: possible
    assert plan.extras["violations"] == []
    chain = pd.DataFrame({"kind": ["together"] * 3, "a": list("abc"), "b": list("bcd")})
    with pytest.raises(mm.InfeasibleError, match=r"4 members kept together \(a, b, c, d\)"):
        mm.form_cohorts(c, size="3-3", constraints=chain)
    both = pd.DataFrame({"kind": ["together", "together", "apart"], "a": list("aba"), "b": list("bcc")})
    with pytest.raises(mm.InfeasibleError, match=r"apart a-c \(DataFrame, row 4\), but together by"):
        mm.form_cohorts(c, size="2-3", constraints=both)
    members, requests = tmp_path / "m.csv", tmp_path / "constraints.csv"
    members.write_text("id\n" + "\n".join("abcdef") + "\n")
    apart.to_csv(requests, index=False)
    rc = main(["cohorts", str(members), "--size", "3-3", "--constraints", str(requests),
               "--out", str(tmp_path / "x.csv")])
    err_text = capsys.readouterr().err
    assert rc == 1 and "constraints.csv, row 3" in err_text and not (tmp_path / "x.csv").exists()


def test_bound_holds_across_sub_blocks():
    # 10 members, cohorts of 2-3, cut into sub-blocks of 4: the unsplit optimum (14.5) used to beat the bound
    rows = ["m0,c,b;e,,s3,m,member", "m1,,,,s3,m,member", "m2,,e,,s2,m,lead", "m3,,a,g2,s3,m,member",
            "m4,,e;c,g1,s3,m,lead", "m5,,,g3,s3,m,member", "m6,,c;a,,s2,m,member",
            "m7,c;e,,,s3,m,lead", "m8,e,c,g3,s1,m,member", "m9,c;e,a,g2,s2,m,lead"]
    frame = pd.DataFrame([r.split(",") for r in rows], columns=["id", "offers", "needs", "goals", "sector",
                                                                 "gender", "role"])
    c = mm.Community.from_frame(frame)
    kw = dict(size="2-3", spread=["sector"], protect=["gender"], leaders="role=lead", seed=0)
    whole = mm.form_cohorts(c, max_block=None, **kw)
    cut = mm.form_cohorts(c, max_block=4, **kw)
    assert cut.bound >= whole.objective and cut.bound == pytest.approx(whole.bound)


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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tiny_blocks_reach_the_brute_force_optimum(seed):
    rng = np.random.default_rng(seed)
    n, (lo, hi) = 9, [(3, 4), (3, 5), (4, 5)][seed]
    skills = list("abcde")
    ids = [f"m{i}" for i in range(n)]
    frame = pd.DataFrame({
        "id": ids,
        "offers": [";".join(rng.choice(skills, rng.integers(0, 3), replace=False)) for _ in ids],
        "needs": [";".join(rng.choice(skills, rng.integers(0, 3), replace=False)) for _ in ids],
        "sector": rng.choice(["s1", "s2", "s3"], n), "gender": ["f", "f", "f"] + ["m"] * (n - 3),
        "role": ["lead", "member"] * 4 + ["lead"]})
    c = mm.Community.from_frame(frame)
    kw = dict(size=f"{lo}-{hi}", spread=["sector"], protect=["gender"], leaders="role=lead")
    plan = mm.form_cohorts(c, seed=0, **kw)
    assert plan.extras["violations"] == []
    best = -np.inf
    gender, lead = dict(zip(ids, frame["gender"], strict=True)), dict(zip(ids, frame["role"] == "lead", strict=True))
    for part in _partitions(ids, lo, hi):
        if any(1 in pd.Series([gender[m] for m in grp]).value_counts().to_numpy() for grp in part):
            continue
        leads = [sum(lead[m] for m in grp) for grp in part]
        if max(leads) - min(leads) > 1:
            continue
        a = pd.DataFrame([(g + 1, m) for g, grp in enumerate(part) for m in grp], columns=["cohort", "member"])
        best = max(best, plan.objective_fn.evaluate(a, "cohorts")["total"])
    assert plan.objective == pytest.approx(best)
