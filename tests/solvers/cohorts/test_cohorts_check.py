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


@pytest.fixture(scope="module")
def small() -> mm.Community:
    return mm.Community.from_frame(pd.DataFrame({
        "id": list("abcdef"), "city": list("xxxyyy"), "age": [30, 40, 50, 20, 30, 40], "role": ["lead", "m"] * 3}))


@pytest.mark.parametrize(("settings", "column", "message"), [
    ({"size": "eight"}, "size", "MIN-MAX"),
    ({"size": (3, 2)}, "size", "1 <= min <= max"),
    ({"similar": ["town"]}, "similar", "no attribute 'town'"),
    ({"leaders": "lead"}, None, "not 'column=value'"),
    ({"leaders": "role=leed"}, "role", "matches nobody"),
    ({"balance": ["city"]}, "balance", "not numeric"),
    ({"spread": {"city": "heavy"}}, "spread", "finite number"),
    ({"time_limit": -1}, "time_limit", "time limit"),
    ({"seed": -1}, "seed", "seed"),
    ({"workers": 0}, "workers", ">= 1"),
    ({"n_cohorts": 0}, "n_cohorts", ">= 1"),
    ({"move_budget": -2}, "move_budget", ">= 0"),
    ({"needs": float("nan")}, "needs", "finite"),
    ({"params": {"exact_max": -1}}, "exact_max", ">= 0"),
    ({"params": {"speed": 2}}, "params", "unknown cohort parameter"),
    ({"stop": 5}, "stop", "stopping criterion"),
    ({"callback": "print"}, "callback", "callable"),
    ({"requests": mm.Requests(apart=[("a", "zz")])}, "requests", "unknown member"),
    ({"requests": mm.Requests(hosts={"a": 1})}, "requests", "hosts are for seating"),
    ({"requests": mm.Requests(exclude=["a"], apart=[("a", "b")])}, "exclude", "also have requests"),
    ({"constraints": pd.DataFrame({"kind": ["pin"], "a": ["a"], "b": ["first"]})}, "b", "not a number"),
    ({"previous": pd.DataFrame({"group": [1], "member": ["a"]})}, "previous", "cohort,member"),
])
def test_bad_input_raises_input_error(small, settings, column, message):
    kw = {"size": "2-3", **settings}
    with pytest.raises(mm.InputError, match=message) as err:
        mm.form_cohorts(small, **kw)
    assert err.value.column == column


def test_parse_size_and_empty_community():
    with pytest.raises(mm.InputError, match="MIN-MAX"):
        parse_size("eight")
    empty = mm.Community.from_frame(pd.DataFrame({"id": ["a"]})).subset([])
    with pytest.raises(mm.InputError, match="no members"):
        mm.form_cohorts(empty)
