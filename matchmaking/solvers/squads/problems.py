"""The inputs of a help squad: the problems and their needs, each helper's load, who met whom."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.model.labels import normalize_label
from matchmaking.scoring.pairs_file import history_counts

ProblemSpec = str | Sequence[str] | Mapping[str, Sequence[str]]
#: One problem: its name, its asker (a member, or None for a free problem) and its canonical needs.
Problem = tuple[str, str | None, list[str]]


def read_problems(community: Community, problems: ProblemSpec, skills: Sequence[str] | None) -> list[Problem]:
    """Normalise the problem spec to ``(name, asker or None, canonical needs)``; InputError when bad."""
    canon = community.skill_labels.canonical

    def labels(items: Sequence[str]) -> list[str]:
        out: list[str] = []
        for s in items:
            c = canon(s)
            if c and c not in out:
                out.append(c)
        return out

    known = set(community.skills)
    if isinstance(problems, str):
        problems = [problems]
    out = []
    if isinstance(problems, Mapping):
        for name, items in problems.items():
            if isinstance(items, str):
                items = items.split(";") if ";" in items or canon(items) in known else skills_in_text(items, community)
            out.append((str(name), str(name) if name in community else None, labels(items)))
    else:
        try:
            problems = list(problems)
        except TypeError:
            raise InputError(f"problems must be a member id, a list of ids or {{name: skills}}, not {problems!r}",
                             column="problems") from None
        if skills is not None and len(problems) != 1:
            raise InputError("skills= goes with a single member; use {name: [skills]} for several", column="skills")
        for m in problems:
            if m not in community:
                raise InputError(f"unknown member {m!r}", column="member")
            needs = labels(skills) if skills is not None else list(community.members.at[m, "needs"])
            out.append((m, m, needs))
    if not out:
        raise InputError("no problem given", column="problems")
    names = [n for n, _, _ in out]
    if len(set(names)) != len(names):
        raise InputError("a problem is listed twice", column="problems")
    for name, _, needs in out:
        if not needs:
            raise InputError(f"problem {name!r} has no needs to cover", column="problems")
    return out


def skills_in_text(text: str, community: Community) -> list[str]:
    """The known skills a free-text question names (whole words, any spelling of the label).

    Examples
    --------
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a"], "offers": ["SEO; pricing; social media"]}))
    >>> skills_in_text("How do I set my pricing and my S.E.O. for Social-Media?", c)
    ['pricing', 'seo', 'social media']
    """
    key = f" {normalize_label(text)} "
    found = [(key.find(f" {label} "), label) for label in community.skills if f" {label} " in key]
    return [label for _, label in sorted(found)]


def check_settings(community: Community, *, k: object, load_cap: object, spread: Sequence[str] | None,
                   workers: object) -> list[str]:
    """Validate the squad settings (InputError); returns the ``spread`` attributes."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(f"k must be a whole number >= 1, not {k!r}", column="k")
    if load_cap is not None and not (isinstance(load_cap, (int, float)) and 0 <= load_cap < math.inf):
        raise InputError(f"load cap must be a number >= 0, not {load_cap!r}", column="load_cap")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise InputError(f"workers must be a whole number >= 1, not {workers!r}", column="workers")
    if spread is None:
        spread = [a for a in ("sector",) if a in community.attributes]
    for a in spread:
        if a not in community.attributes:
            raise InputError(f"spread names no attribute {a!r}; attributes are {community.attributes}", column="spread")
    return list(spread)


def parse_since(since: object) -> str | None:
    """The start of the load period as an ISO date (``2026-6-1`` -> ``2026-06-01``), or InputError.

    >>> parse_since("2026-6-1")
    '2026-06-01'
    """
    if since is None:
        return None
    stamp = pd.to_datetime(str(since).strip(), errors="coerce", format="mixed")
    if pd.isna(stamp):
        raise InputError(f"since {since!r} is not a date (write YYYY-MM-DD)", column="since")
    return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()


def member_loads(history: object, load: Mapping[str, float] | None, since: str | None) -> dict[str, float]:
    """Sessions each member already did in the period: ``load``, else the history's attendance."""
    if load is not None:
        try:
            out = {str(m): float(v) for m, v in load.items()}
        except (TypeError, ValueError, AttributeError):
            raise InputError("load must map members to numbers of sessions", column="load") from None
        bad = [m for m, v in out.items() if not (0 <= v < math.inf)]
        if bad:
            raise InputError(f"load of {bad[0]!r} must be a number >= 0", column="load")
        return out
    if history is not None and hasattr(history, "attendance"):
        att = history.attendance()
        if since is not None and "date" in att:
            att = att[att["date"].fillna("") >= str(since)]
        return att.groupby("member")["event"].nunique().astype(float).to_dict()
    return {}


def met_sets(community: Community, history: object, askers: list[str | None]) -> dict[str, set[str]]:
    """For each asker, the members they already met (from the history)."""
    if history is None:
        return {}
    met = history_counts(history, community)
    out: dict[str, set[str]] = {}
    want = {a for a in askers if a is not None}
    for a, b in zip(met["a"], met["b"], strict=True):
        if a in want:
            out.setdefault(a, set()).add(b)
        if b in want:
            out.setdefault(b, set()).add(a)
    return out


def value(v: object) -> object:
    """An attribute value as text, None when missing (the type signature of a helper)."""
    return None if pd.isna(v) else str(v)  # type: ignore[call-overload]


def squad_sizes(n_eligible: int, k: int, n_problems: int) -> list[int]:
    """Squad sizes: ``k`` each while helpers last (earlier problems first)."""
    out, left = [], n_eligible
    for _ in range(n_problems):
        s = min(k, left)
        out.append(s)
        left -= s
    return out
