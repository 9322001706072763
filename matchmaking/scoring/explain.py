"""The words behind a pair's score: :func:`explain_pair` (what :meth:`matchmaking.Affinity.explain` says)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matchmaking.scoring.affinity import Affinity

__all__ = ["explain_pair"]


def explain_pair(aff: Affinity, a: str, b: str) -> list[str]:
    """The reasons behind the score of ``a`` and ``b`` under ``aff``, in words, strongest first.

    Each weighted term that counts for the pair gives one reason (complementarity one per
    direction); the last is the history's: ``already met N time(s)`` or ``new contact``.

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community, affinity
    >>> c = Community.from_frame(pd.DataFrame({"id": ["ana", "ben"], "offers": ["SEO", ""],
    ...     "needs": ["", "seo"], "city": ["Lyon", "Nice"]}))
    >>> explain_pair(affinity(c, goals=0, spread=["city"]), "ben", "ana")
    ['ana offers seo, which ben needs', 'different city (Nice / Lyon)', 'new contact']
    """
    c = aff.community
    cols = ["name", "offers", "needs", "goals"] + [t.split(":", 1)[1] for t in aff.terms if ":" in t]
    at = c.members.at  # a few cells, not whole rows: explain runs once per pair in reports
    ra, rb = ({col: at[m, col] for col in cols} for m in (a, b))
    reasons: list[tuple[float, str]] = []
    for term in aff.terms:
        w = aff.weights[term]
        if term == "complementarity":
            for x, y in ((ra, rb), (rb, ra)):
                covered = [s for s in x["offers"] if s in set(y["needs"])]
                if covered:
                    reasons.append((w * len(covered), f"{x['name']} offers {', '.join(covered)}, which {y['name']} needs"))
        elif term == "goals":
            shared = [g for g in ra["goals"] if g in set(rb["goals"])]
            if shared:
                reasons.append((w * len(shared), "shared goal " + ", ".join(repr(g) for g in shared)))
        elif term.startswith("similar:"):
            attr = term.split(":", 1)[1]
            if _same(ra[attr], rb[attr]):
                reasons.append((w, f"same {attr} ({ra[attr]})"))
        elif term.startswith("spread:"):
            attr = term.split(":", 1)[1]
            if not _same(ra[attr], rb[attr]):
                reasons.append((w, f"different {attr} ({ra[attr]} / {rb[attr]})"))
        elif term == "pairs":
            v = float(aff.term_values("pairs", c.index_of([a]), c.index_of([b]))[0])
            if v:
                reasons.append((w * v, f"organizer's pair weight {v:+g}"))
    if "novelty" in aff.weights:
        times = -float(aff.term_values("novelty", c.index_of([a]), c.index_of([b]))[0])
        reasons.append((-aff.weights["novelty"] * times, f"already met {times:g} time(s)" if times else "new contact"))
    else:
        reasons.append((0.0, "new contact"))
    reasons.sort(key=lambda r: -r[0])
    return [text for _, text in reasons]


def _same(x: object, y: object) -> bool:
    if pd.isna(x) or pd.isna(y):
        return False
    return x == y
