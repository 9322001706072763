"""The cohort rules: reading them, and the independent checker of a plan (it trusts no solver)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.plans.check import check_plan
from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import Objective, attribute_keys
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.cohorts.blocks import MIXED
from matchmaking.solvers.cohorts.growth import moved_count


def parse_size(size: object) -> tuple[int, int]:
    """``"8-12"``, ``(8, 12)`` or ``10`` -> ``(min, max)``.

    Examples
    --------
    >>> parse_size("8-12"), parse_size(10), parse_size((3, 4))
    ((8, 12), (10, 10), (3, 4))
    >>> parse_size("eight")
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: column 'size': size 'eight' is not MIN-MAX (e.g. 8-12)
    """
    lo = hi = None
    if isinstance(size, str):
        parts = size.replace(" ", "").split("-")
        try:
            lo, hi = (int(parts[0]), int(parts[-1])) if len(parts) in (1, 2) else (None, None)
        except ValueError:
            lo = hi = None
    elif isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        lo = hi = int(size)
    else:
        try:
            lo, hi = (int(x) for x in size)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            lo = hi = None
    if lo is None or hi is None:
        raise InputError(f"size {size!r} is not MIN-MAX (e.g. 8-12)", column="size")
    if not 1 <= lo <= hi:
        raise InputError(f"size bounds must satisfy 1 <= min <= max, got {lo}-{hi}", column="size")
    return lo, hi


def lead_mask(leaders: str | Sequence[str] | None, community: Community) -> np.ndarray:
    """Boolean mask of the leads: ``leaders`` is a selection (``"role=lead"``, a list of ids...).

    Examples
    --------
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "role": ["lead", "member"]}))
    >>> lead_mask("role=lead", c).tolist()
    [True, False]
    """
    if leaders is None:
        return np.zeros(len(community), dtype=bool)
    chosen = set(community.select(leaders, what="leaders"))
    return np.asarray([m in chosen for m in community.ids], dtype=bool)


def check_attrs(names: Sequence[str], community: Community, what: str, numeric: bool = False) -> list[str]:
    """The attribute names of an option (one name or a list), each checked against the community."""
    out = [names] if isinstance(names, str) else list(names)
    for a in out:
        if a not in community.attributes:
            raise InputError(f"{what} names no attribute {a!r}; attributes are {community.attributes}", column=what)
        if numeric and not pd.api.types.is_numeric_dtype(community.members[a]):
            raise InputError(f"balance attribute {a!r} is not numeric", column=what)
    return out


def attr_weights(spec: Sequence[str] | Mapping[str, float], community: Community, what: str, default: float,
                 numeric: bool = False) -> dict[str, float]:
    """Attribute -> weight from a list (``default`` each) or a mapping, the attributes and weights checked."""
    if not isinstance(spec, Mapping):
        return {a: default for a in check_attrs(spec, community, what, numeric)}
    check_attrs(list(spec), community, what, numeric)
    out = {}
    for a, w in spec.items():
        try:
            out[a] = float(w)
        except (TypeError, ValueError):
            out[a] = math.nan
        if not math.isfinite(out[a]):
            raise InputError(f"{what} weight of {a!r} must be a finite number, not {w!r}", column=what)
    return out


@dataclass
class Rules:
    """The validated rules of a cohort plan (what :func:`read_rules` makes of the keywords)."""

    lo: int
    hi: int
    sized: bool  # sizes given (else any size, one balanced count)
    similar: list[str]
    spread: dict[str, float]
    balance: dict[str, float]
    protect: list[str]
    leaders: str | Sequence[str] | None
    lead: np.ndarray  # bool per member
    notes: list[str] = field(default_factory=list)


def read_rules(community: Community, *, size: object, similar: Sequence[str],
               spread: Sequence[str] | Mapping[str, float], balance: Sequence[str] | Mapping[str, float],
               protect: Sequence[str], leaders: str | Sequence[str] | None) -> Rules:
    """Validate the rule keywords of :func:`~matchmaking.solvers.cohorts.form_cohorts` against the community.

    Examples
    --------
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abcd"), "city": ["x", "x", "y", "y"]}))
    >>> r = read_rules(c, size="2-3", similar=["city"], spread=(), balance=(), protect=(), leaders=None)
    >>> r.lo, r.hi, r.similar
    (2, 3, ['city'])
    """
    if len(community) == 0:
        raise InputError("the community has no members", file=community.source)
    lo, hi = parse_size(size) if size is not None else (1, max(len(community), 1))
    similar = check_attrs(similar, community, "similar")
    spread_w = attr_weights(spread, community, "spread", 1.0)
    balance_w = attr_weights(balance, community, "balance", 1.0, numeric=True)
    protect = check_attrs(protect, community, "protect")
    lead = lead_mask(leaders, community)
    return Rules(lo, hi, size is not None, similar, spread_w, balance_w, protect, leaders, lead)


def check_cohorts(
    assignments: pd.DataFrame,
    community: Community,
    *,
    size: object = None,
    protect: Sequence[str] = (),
    leaders: str | Sequence[str] | None = None,
    similar: Sequence[str] = (),
    requests: Requests | None = None,
    previous: pd.DataFrame | Plan | None = None,
    move_budget: int | None = None,
) -> list[str]:
    """Every hard rule a cohort plan breaks, in words, from the assignments alone.

    Independent of the solver: it re-reads ``cohort,member`` and checks sizes and that every
    member is placed once (:func:`~matchmaking.check_plan`), requests, ``protect`` (nobody
    alone with their value), ``leaders`` (in each block of cohorts sharing their ``similar``
    values, lead counts differ by at most one) and the move budget against ``previous``.

    Examples
    --------
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abcd"), "g": ["x", "y", "x", "x"]}))
    >>> plan = pd.DataFrame({"cohort": [1, 1, 2, 2], "member": list("abcd")})
    >>> check_cohorts(plan, c, size="2-3", protect=["g"])
    ["cohort 1: a is the only g='x'", "cohort 1: b is the only g='y'"]
    """
    lo, hi = parse_size(size) if size is not None else (None, None)
    out = check_plan(assignments, requests=requests, min_size=lo, max_size=hi, members=community.ids, kind="cohorts")
    return out + cohort_rule_problems(assignments, community, protect=protect, leaders=leaders, similar=similar,
                                      previous=previous, move_budget=move_budget)


def cohort_rule_problems(assignments: pd.DataFrame, community: Community, *, protect: Sequence[str] = (),
                         leaders: str | Sequence[str] | None = None, similar: Sequence[str] = (),
                         previous: pd.DataFrame | Plan | None = None, move_budget: int | None = None) -> list[str]:
    """The cohort rules beyond :func:`~matchmaking.check_plan`: unknown members, protect, leaders, moves."""
    out = []
    frame = assignments[["cohort", "member"]]
    if not pd.api.types.is_string_dtype(frame["member"]):
        frame = frame.astype({"member": str})
    where = community.members.index.get_indexer(pd.Index(frame["member"], dtype=object))
    known = where >= 0
    for m in frame.loc[~known, "member"]:
        out.append(f"unknown member {m!r}")
    frame = frame[known]
    at = where[known]
    for a in check_attrs(protect, community, "protect"):
        tab = pd.DataFrame({"cohort": frame["cohort"].to_numpy(), "member": frame["member"].to_numpy(),
                            "v": community.members[a].to_numpy()[at]}).dropna()
        counts = tab.groupby(["cohort", "v"])["member"].transform("size")
        for rec in tab[counts == 1].sort_values(["cohort", "member"]).itertuples(index=False):
            out.append(f"cohort {rec.cohort}: {rec.member} is the only {a}={rec.v!r}")
    if leaders is not None:
        per = pd.DataFrame({"cohort": frame["cohort"].to_numpy(), "lead": lead_mask(leaders, community)[at]})
        block = cohort_blocks(frame, community, similar)
        per["block"] = frame["cohort"].map(block).to_numpy()
        counts = per.groupby(["block", "cohort"])["lead"].sum()
        for blk, grp in counts.groupby(level=0):
            if grp.max() - grp.min() > 1:
                c_hi = grp.idxmax()[1]
                c_lo = grp.idxmin()[1]
                out.append(
                    f"leads unevenly spread in {blk}: cohort {c_hi} has {int(grp.max())}, "
                    f"cohort {c_lo} has {int(grp.min())}"
                )
    if previous is not None and move_budget is not None:
        prev = previous.assignments if isinstance(previous, Plan) else previous
        moved = moved_count(prev, frame)
        if moved > move_budget:
            out.append(f"{moved} existing members moved, more than the budget of {move_budget}")
    return out


def cohort_blocks(frame: pd.DataFrame, community: Community, similar: Sequence[str]) -> dict:
    """Block of each cohort: its members' shared similar values, or ``(mixed)``."""
    if not similar:
        return dict.fromkeys(frame["cohort"].unique(), "the community")
    keys = pd.Series(attribute_keys(community, similar), index=community.members.index)
    tab = pd.DataFrame({"cohort": frame["cohort"].to_numpy(), "key": keys.loc[frame["member"]].to_numpy()})
    grouped = tab.groupby("cohort")["key"]
    first, distinct = grouped.first(), grouped.nunique()
    return first.where(distinct == 1, MIXED).to_dict()


@dataclass
class CohortChecker:
    """The cohort rules of a plan (``Plan.build(checker=...)``): protect, leaders, the move budget.

    Sizes, requests and "everyone placed once" are the plan's ``rules`` and ``requests``
    (:func:`~matchmaking.check_plan`); this adds what only cohorts have.
    """

    protect: Sequence[str] = ()
    leaders: str | Sequence[str] | None = None
    similar: Sequence[str] = ()
    previous: pd.DataFrame | None = None
    move_budget: int | None = None

    def __call__(self, plan: Plan) -> list[str]:
        community = plan.objective_fn.affinity.community  # type: ignore[union-attr]
        return cohort_rule_problems(plan.assignments, community, protect=self.protect, leaders=self.leaders,
                                    similar=self.similar, previous=self.previous, move_budget=self.move_budget)


def cohort_plan(assignments: pd.DataFrame, objective: Objective, *, requests: Requests | None = None,
                size: object = None, protect: Sequence[str] = (), leaders: str | Sequence[str] | None = None,
                similar: Sequence[str] = (), previous: pd.DataFrame | None = None,
                move_budget: int | None = None, **build: object) -> Plan:
    """Any ``cohort,member`` table as a :class:`~matchmaking.Plan` under the cohort rules: scored by
    ``objective`` and checked (``plan.check()`` = :func:`check_cohorts`). :func:`form_cohorts` makes
    its plans with it, and ``matchmaking score`` rebuilds a plan file with it.

    Examples
    --------
    >>> from matchmaking import affinity
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abcd"), "g": ["x", "y", "x", "x"]}))
    >>> plan = cohort_plan(pd.DataFrame({"cohort": [1, 1, 2, 2], "member": list("abcd")}),
    ...                    Objective(affinity(c)), size="2-3", protect=["g"])
    >>> plan.check() == check_cohorts(plan.assignments, c, size="2-3", protect=["g"])
    True
    """
    community = objective.affinity.community
    lo, hi = parse_size(size) if size is not None else (None, None)
    rules = {"min_size": lo, "max_size": hi, "members": community.ids}
    checker = CohortChecker(tuple(check_attrs(protect, community, "protect")), leaders,
                            tuple(check_attrs(similar, community, "similar")), previous, move_budget)
    return Plan.build("cohorts", assignments, objective_fn=objective, requests=requests, rules=rules,
                      checker=checker, **build)  # type: ignore[arg-type]
