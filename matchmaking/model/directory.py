"""The directory: who can help with a topic (:func:`who_can_help`), who can help a member (:func:`helpers_for`)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from matchmaking.model.members import is_missing

if TYPE_CHECKING:
    from matchmaking.model.community import Community

__all__ = ["helpers_for", "who_can_help"]


def who_can_help(community: Community, topic: str, *, limit: int | None = 10, cutoff: float = 0.75) -> pd.DataFrame:
    """Members who offer a skill, ranked: exact label first, then close labels.

    Parameters
    ----------
    topic : str
        A skill, in any spelling (``"S.E.O."`` finds ``seo``).
    limit : int or None
        At most this many rows (None: all).
    cutoff : float
        Minimum similarity (0-1) for a close label ("local seo" for "seo") to count.

    Returns
    -------
    pandas.DataFrame
        Columns ``member``, ``name``, ``skill``, ``match`` (1.0 exact), ``reason``.

    Examples
    --------
    >>> from matchmaking import datasets
    >>> found = who_can_help(datasets.demo_community(), "S.E.O.", limit=3)
    >>> list(found.columns), len(found) <= 3
    (['member', 'name', 'skill', 'match', 'reason'], True)
    """
    key = community.skill_labels.canonical(topic)
    offered = sorted({s for labels in community.members["offers"] for s in labels})
    quality = {}
    for label in offered:
        if label == key:
            quality[label] = 1.0
        elif key and (f" {key} " in f" {label} " or f" {label} " in f" {key} "):
            quality[label] = 0.9
        else:
            r = difflib.SequenceMatcher(None, key, label).ratio()
            if r >= cutoff:
                quality[label] = round(r, 2)
    rows = []
    for member, name, offers in zip(community.members.index, community.members["name"], community.members["offers"], strict=True):
        best = max(((quality[s], s) for s in offers if s in quality), default=None)
        if best is None:
            continue
        q, label = best
        reason = f"offers {label}" if q == 1.0 else f"offers {label} (close to {key!r})"
        rows.append({"member": member, "name": name, "skill": label, "match": q, "reason": reason})
    out = pd.DataFrame(rows, columns=["member", "name", "skill", "match", "reason"])
    out = out.sort_values(["match", "member"], ascending=[False, True], kind="stable")
    return out.head(limit).reset_index(drop=True) if limit else out.reset_index(drop=True)


def helpers_for(
    community: Community, member: str, *, limit: int | None = 10, same: Sequence[str] = ("city",)
) -> pd.DataFrame:
    """Members who offer what ``member`` needs, ranked by needs covered, then shared goals.

    Parameters
    ----------
    member : str
        The member id.
    limit : int or None
        At most this many rows.
    same : sequence of str
        Attributes where a shared value ranks a helper higher (missing ones are skipped).

    Returns
    -------
    pandas.DataFrame
        Columns ``member``, ``name``, ``covers`` (list of needs), ``shared_goals``,
        ``score``, ``reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"], "offers": ["", "tax", "tax; law"],
    ...     "needs": ["tax; law", "", ""], "city": ["Lyon", "Lyon", "Nice"]}))
    >>> helpers_for(c, "a")[["member", "covers", "score"]].values.tolist()
    [['c', ['law', 'tax'], 2.0], ['b', ['tax'], 1.25]]
    """
    if member not in community:
        raise KeyError(f"unknown member {member!r}")
    me = community.members.loc[member]
    same = [a for a in same if a in community.attributes and not is_missing(me[a])]
    i = int(community.index_of([member])[0])
    covers_n = np.asarray((community.incidence("offers") @ community.incidence("needs")[i].T).todense()).ravel()
    goals_n = np.asarray((community.incidence("goals") @ community.incidence("goals")[i].T).todense()).ravel()
    alike_n = np.zeros(len(community))
    for a in same:
        alike_n += (community.members[a] == me[a]).fillna(False).to_numpy(dtype=bool)
    score = covers_n + 0.5 * goals_n + 0.25 * alike_n
    candidates = np.flatnonzero(covers_n > 0)
    candidates = candidates[candidates != i]
    order = candidates[np.lexsort((candidates, -score[candidates]))]
    if limit:
        order = order[:limit]
    needs, goals = set(me["needs"]), set(me["goals"])
    rows = []
    for j in order:
        row = community.members.iloc[j]
        covers = sorted(needs.intersection(row["offers"]))
        shared = sorted(goals.intersection(row["goals"]))
        alike = [a for a in same if row[a] == me[a]]
        reason = f"offers {', '.join(covers)}, which {me['name']} needs"
        if shared:
            reason += "; shares goal " + ", ".join(repr(g) for g in shared)
        if alike:
            reason += "; same " + ", ".join(f"{a} ({me[a]})" for a in alike)
        rows.append({"member": community.ids[j], "name": row["name"], "covers": covers,
                     "shared_goals": shared, "score": float(score[j]), "reason": reason})
    return pd.DataFrame(rows, columns=["member", "name", "covers", "shared_goals", "score", "reason"])
