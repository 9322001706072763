"""Small blocks: other cohort counts when the rules fail, the exact finish against brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cohorts_helpers import partitions

import matchmaking as mm
from matchmaking.cli import main
from matchmaking.solvers.cohorts import check_cohorts


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
    for part in partitions(ids, lo, hi):
        if any(1 in pd.Series([gender[m] for m in grp]).value_counts().to_numpy() for grp in part):
            continue
        leads = [sum(lead[m] for m in grp) for grp in part]
        if max(leads) - min(leads) > 1:
            continue
        a = pd.DataFrame([(g + 1, m) for g, grp in enumerate(part) for m in grp], columns=["cohort", "member"])
        best = max(best, plan.objective_fn.evaluate(a, "cohorts")["total"])
    assert plan.objective == pytest.approx(best)
