"""The cohort rules: parsing them, and the independent checker of a plan (it trusts no solver)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.plans.check import check_plan
from matchmaking.plans.plan import Plan
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.cohorts.blocks import MIXED, block_keys
from matchmaking.solvers.cohorts.growth import moved_count


def parse_size(size: object) -> tuple[int, int]:
    """``"8-12"``, ``(8, 12)`` or ``10`` -> ``(min, max)``.

    Examples
    --------
    >>> parse_size("8-12"), parse_size(10), parse_size((3, 4))
    ((8, 12), (10, 10), (3, 4))
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


def parse_leaders(leaders: str | tuple[str, object] | None, community: Community) -> np.ndarray:
    """Boolean mask of the leads from ``"role=lead"`` (or ``("role", "lead")``).

    Examples
    --------
    >>> import pandas as pd
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "role": ["lead", "member"]}))
    >>> parse_leaders("role=lead", c).tolist()
    [True, False]
    """
    if leaders is None:
        return np.zeros(len(community), dtype=bool)
    if isinstance(leaders, str):
        if "=" not in leaders:
            raise InputError(f"leaders {leaders!r} is not COLUMN=VALUE (e.g. role=lead)", column="leaders")
        col, value = (x.strip() for x in leaders.split("=", 1))
    else:
        col, value = leaders
    if col not in community.attributes:
        raise InputError(f"leaders names no attribute {col!r}; attributes are {community.attributes}",
                         column="leaders")
    values = community.members[col]
    return np.asarray([(not pd.isna(v)) and str(v) == str(value) for v in values], dtype=bool)


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
    """Attribute -> weight from a list (``default`` each) or a mapping, the attributes checked."""
    if isinstance(spec, Mapping):
        check_attrs(list(spec), community, what, numeric)
        return {a: float(w) for a, w in spec.items()}
    return {a: default for a in check_attrs(spec, community, what, numeric)}


def check_cohorts(
    assignments: pd.DataFrame,
    community: Community,
    *,
    size: object = None,
    protect: Sequence[str] = (),
    leaders: str | None = None,
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
    >>> import pandas as pd
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abcd"), "g": ["x", "y", "x", "x"]}))
    >>> plan = pd.DataFrame({"cohort": [1, 1, 2, 2], "member": list("abcd")})
    >>> check_cohorts(plan, c, size="2-3", protect=["g"])
    ["cohort 1: a is the only g='x'", "cohort 1: b is the only g='y'"]
    """
    lo, hi = parse_size(size) if size is not None else (None, None)
    out = check_plan(assignments, requests=requests, min_size=lo, max_size=hi, members=community.ids, kind="cohorts")
    frame = assignments[["cohort", "member"]].astype({"member": str})
    known = frame["member"].isin(community.members.index)
    for m in frame.loc[~known, "member"]:
        out.append(f"unknown member {m!r}")
    frame = frame[known]
    attrs = community.members.loc[frame["member"].to_numpy()]
    for a in check_attrs(protect, community, "protect"):
        tab = pd.DataFrame({"cohort": frame["cohort"].to_numpy(), "member": frame["member"].to_numpy(),
                            "v": attrs[a].to_numpy()}).dropna()
        counts = tab.groupby(["cohort", "v"])["member"].transform("size")
        for rec in tab[counts == 1].sort_values(["cohort", "member"]).itertuples(index=False):
            out.append(f"cohort {rec.cohort}: {rec.member} is the only {a}={rec.v!r}")
    if leaders is not None:
        lead = pd.Series(parse_leaders(leaders, community), index=community.members.index)
        per = pd.DataFrame({"cohort": frame["cohort"].to_numpy(), "lead": lead.loc[frame["member"]].to_numpy()})
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
    keys = pd.Series(block_keys(community, similar), index=community.members.index)
    tab = pd.DataFrame({"cohort": frame["cohort"].to_numpy(), "key": keys.loc[frame["member"]].to_numpy()})
    grouped = tab.groupby("cohort")["key"]
    first, distinct = grouped.first(), grouped.nunique()
    return first.where(distinct == 1, MIXED).to_dict()


def balance_terms(assignments: pd.DataFrame, community: Community, balance: Sequence[str] | Mapping[str, float],
                  similar: Sequence[str] = ()) -> dict[str, float]:
    """The balance terms of a cohort plan's objective: ``balance:<attr>`` = ``-weight`` times the sum
    over cohorts of ``|cohort mean - block mean|`` in standard deviations of the attribute (block:
    members sharing the ``similar`` values; missing values count as the block mean).

    :func:`form_cohorts` adds exactly these terms to the shared objective, and ``matchmaking score
    --balance COLS --balance-by SIMILAR`` recomputes them, so the two totals agree.

    Examples
    --------
    >>> import pandas as pd
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abcd"), "age": [1.0, 2.0, 3.0, 4.0]}))
    >>> plan = pd.DataFrame({"cohort": [1, 1, 2, 2], "member": list("abcd")})
    >>> {k: round(v, 3) for k, v in balance_terms(plan, c, ["age"]).items()}  # means 1.5, 3.5 vs 2.5; sd 1.118
    {'balance:age': -1.789}
    """
    weights = attr_weights(balance, community, "balance", 1.0, numeric=True)
    similar = check_attrs(similar, community, "similar")
    return {f"balance:{a}": -w * balance_value(assignments, community, a, similar) for a, w in weights.items()}


def balance_value(assignments: pd.DataFrame, community: Community, attr: str, similar: Sequence[str]) -> float:
    """Sum over cohorts of |cohort mean - block mean| in standard deviations (block: similar values)."""
    x = community.members[attr].astype(float)
    sd = float(np.nanstd(x.to_numpy())) or 1.0
    keys = pd.Series(block_keys(community, similar), index=community.members.index)
    frame = pd.DataFrame({"cohort": assignments["cohort"].to_numpy(),
                          "x": x.reindex(assignments["member"]).to_numpy(),
                          "key": keys.reindex(assignments["member"]).to_numpy()})
    frame["mu"] = frame.groupby("key")["x"].transform("mean")
    frame["z"] = ((frame["x"] - frame["mu"]) / sd).fillna(0.0)
    return float(frame.groupby("cohort")["z"].mean().abs().sum())


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
    leaders: str | None
    lead: np.ndarray  # bool per member
    notes: list[str] = field(default_factory=list)


def read_rules(community: Community, *, size: object, similar: Sequence[str],
               spread: Sequence[str] | Mapping[str, float], balance: Sequence[str] | Mapping[str, float],
               protect: Sequence[str], leaders: str | None) -> Rules:
    """Validate the rule keywords of :func:`~matchmaking.solvers.cohorts.form_cohorts` against the community.

    Examples
    --------
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abcd"), "city": ["x", "x", "y", "y"]}))
    >>> r = read_rules(c, size="2-3", similar=["city"], spread=(), balance=(), protect=(), leaders=None)
    >>> r.lo, r.hi, r.similar
    (2, 3, ['city'])
    """
    lo, hi = parse_size(size) if size is not None else (1, max(len(community), 1))
    similar = check_attrs(similar, community, "similar")
    spread_w = attr_weights(spread, community, "spread", 1.0)
    balance_w = attr_weights(balance, community, "balance", 1.0, numeric=True)
    protect = check_attrs(protect, community, "protect")
    lead = parse_leaders(leaders, community)
    if len(community) == 0:
        raise InputError("the community has no members", file=community.source)
    notes = [f"no member has {leaders}: cohorts are formed without leads"] if leaders is not None and not lead.any() else []
    return Rules(lo, hi, size is not None, similar, spread_w, balance_w, protect, leaders, lead, notes)
