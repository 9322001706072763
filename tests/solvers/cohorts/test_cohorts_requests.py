"""Requests in cohort plans: together, apart, pins, and the conflicts named."""

from __future__ import annotations

import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.cli import main


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
