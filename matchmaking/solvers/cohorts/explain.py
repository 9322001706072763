"""Why a member is in their cohort, in words; and why a rule could not hold."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.solvers.cohorts.blocks import Block
from matchmaking.solvers.cohorts.check import lead_mask


def explain_member(plan: Plan, member: str) -> str:
    """Why ``member`` is in their cohort, in words."""
    a = plan.assignments
    row = a[a["member"] == member]
    if row.empty:
        return f"{member} is not in this plan"
    c = int(row["cohort"].iloc[0])
    mates = [m for m in a.loc[a["cohort"] == c, "member"] if m != member]
    community = plan.objective_fn.affinity.community  # type: ignore[union-attr]
    people = community.members
    me = people.loc[member]
    parts = []
    ex = plan.extras
    for s in ex.get("similar", []):
        values = people.loc[mates + [member], s].dropna().astype(str).unique()
        if len(values) <= 1:
            parts.append(f"same {s} ({me[s]})")
        else:
            parts.append(f"mixed {s} ({', '.join(sorted(values))}): too few members in some {s} for a cohort")
    goals = tally(me["goals"], mates, people, "goals")
    if goals:
        g, n = max(goals.items(), key=lambda kv: kv[1])
        parts.append(f"same goal {g!r} as {n} member(s)")
    gives = tally(me["offers"], mates, people, "needs")
    if gives:
        parts.append("you bring " + ", ".join(f"{s} ({count_words(n)} it)" for s, n in gives.items()))
    gets = {}
    for s in me["needs"]:
        who = [people.loc[m, "name"] for m in mates if s in people.loc[m, "offers"]]
        if who:
            gets[s] = who
    if gets:
        parts.append("you get " + "; ".join(f"{s} from {', '.join(map(str, w[:3]))}" for s, w in gets.items()))
    missing = [s for s in me["needs"] if s not in gets]
    if missing:
        parts.append("nobody here offers " + ", ".join(missing))
    for s in ex.get("spread", []):
        vals = people.loc[mates + [member], s].dropna().nunique()
        parts.append(f"{vals} different {s} values")
    for p in ex.get("protect", []):
        if not pd.isna(me[p]):
            n = sum(people.loc[m, p] == me[p] for m in mates)
            parts.append(f"{n} other(s) with {p} {me[p]}")
    if ex.get("leaders"):
        lead = pd.Series(lead_mask(ex["leaders"], community), index=people.index)
        leads = [m for m in mates + [member] if lead[m]]
        parts.append("you are the cohort's lead" if lead[member] else
                     (f"lead: {people.loc[leads[0], 'name']}" if leads else "no lead in this cohort"))
    prev = ex.get("previous")
    if prev is not None and (prev >= 0).any():
        old = int(prev[community.index_of([member])[0]])
        if old < 0:
            parts.append("new member: joined the cohort that fits best")
        elif old != c:
            parts.append(f"moved from cohort {old} (within the move budget)")
        else:
            parts.append("kept in your cohort")
    if not parts:
        parts.append("no shared goal or skill to trade with this cohort; placed to keep the sizes")
    return f"{member} in cohort {c} ({len(mates) + 1} members): " + "; ".join(parts)


def tally(labels: Sequence[str], mates: list[str], people: pd.DataFrame, column: str) -> dict[str, int]:
    """For each label, how many mates have it in ``column`` (labels nobody has are left out)."""
    out = {}
    for label in labels:
        n = sum(label in people.at[m, column] for m in mates)
        if n:
            out[label] = n
    return out


def count_words(n: int) -> str:
    """``n`` members need, in words."""
    words = {1: "one member needs", 2: "two members need", 3: "three members need"}
    return words.get(n, f"{n} members need")


def explain_unavoidable(problems: list[Block], protect: Sequence[str], community: Community) -> list[str]:
    """Members alone with their protected value in their whole block: no plan can protect them."""
    out = []
    for a, idx in zip(protect, range(len(protect)), strict=False):
        for b in problems:
            codes = b.protect[idx]
            vals, cnt = np.unique(codes[codes >= 0], return_counts=True)
            for v, c in zip(vals, cnt, strict=True):
                if c == 1:
                    m = b.members[np.flatnonzero(codes == v)[0]]
                    out.append(f"{b.key}: {community.ids[m]} is the only {a}={community.members[a].iloc[m]!r} "
                               "in the block, so cannot be protected (pool blocks, or drop similar)")
    return out
