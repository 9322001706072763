"""The independent checker and the validation of the rules."""

from __future__ import annotations

import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.solvers.cohorts import check_cohorts
from matchmaking.solvers.cohorts.check import parse_size


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
