"""Plain words for organizers and attendees: counts, lists, and reasons addressed to "you"."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matchmaking.plans.plan import Plan


def count(n: float, word: str, plural: str | None = None) -> str:
    """``3 tables``, ``1 table``; ``plural`` for irregular words.

    Examples
    --------
    >>> count(1, "table"), count(3, "table"), count(2, "person", "people")
    ('1 table', '3 tables', '2 people')
    """
    shown = f"{n:,.0f}".replace(",", "\u202f") if float(n).is_integer() else f"{n:.1f}"
    return f"{shown} {word if n == 1 else (plural or word + 's')}"


def join(items: Iterable[str], *, last: str = "and") -> str:
    """``"Ana, Ben and Chloé"``.

    Examples
    --------
    >>> join(["Ana", "Ben", "Chloé"]), join(["Ana"]), join([])
    ('Ana, Ben and Chloé', 'Ana', '')
    """
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def percent(part: float, whole: float) -> str:
    """``"94%"`` (whole percents; ``"n/a"`` when ``whole`` is 0).

    Examples
    --------
    >>> percent(553, 589), percent(0, 0)
    ('94%', 'n/a')
    """
    return f"{100 * part / whole:.0f}%" if whole else "n/a"


def respell(reason: str, spell: Callable[[str], str], names: Sequence[str]) -> str:
    """A reason of :meth:`matchmaking.Affinity.explain` with its labels spelled as members wrote them.

    ``names`` are the two people of the reason; ``spell`` maps a canonical label to its spelling
    (:meth:`matchmaking.Community.spelling`). Shared goals are quoted with typographic quotes.

    Examples
    --------
    >>> spell = {"comptabilite": "comptabilité", "trouver mon associe": "trouver mon associé"}.get
    >>> respell("Ana offers comptabilite, seo, which Ben needs", lambda s: spell(s, s), ["Ana", "Ben"])
    'Ana offers comptabilité, seo, which Ben needs'
    >>> respell("shared goal 'trouver mon associe'", lambda s: spell(s, s), ["Ana", "Ben"])
    'shared goal “trouver mon associé”'
    """
    if reason.startswith("shared goal "):
        goals = re.findall(r"'([^']*)'|\"([^\"]*)\"", reason[len("shared goal "):])
        return "shared goal " + ", ".join(f"“{spell(a or b)}”" for a, b in goals)
    for name in names:
        prefix = f"{name} offers "
        if reason.startswith(prefix) and ", which " in reason:
            cut = reason.rindex(", which ")
            skills = reason[len(prefix):cut].split(", ")
            return prefix + ", ".join(spell(x) for x in skills) + reason[cut:]
    return reason


def personal_reasons(reasons: Sequence[str], me: str, other: str,
                     spell: Callable[[str], str] | None = None) -> list[str]:
    """Reasons from :meth:`matchmaking.Affinity.explain` (``me`` with ``other``), said to ``me``.

    ``"Ana offers seo, which Ben needs"`` becomes, for Ben, ``"offers seo, which you need"``
    and, for Ana, ``"you offer seo, which Ben needs"``. ``"new contact"`` is dropped (everyone
    at a table is new unless said otherwise). When both have the same name the reasons stay as
    they are. ``spell`` respells the labels (see :func:`respell`).

    Examples
    --------
    >>> personal_reasons(["Ana offers seo, which Ben needs", "Ben offers pricing, which Ana needs",
    ...                   "shared goal 'first client'", "new contact"], "Ben", "Ana")
    ['offers seo, which you need', 'you offer pricing, which Ana needs', 'shared goal “first client”']
    """
    out = []
    for reason in reasons:
        if reason == "new contact":
            continue
        reason = respell(reason, spell or (lambda s: s), [me, other])
        if me != other:
            if reason.startswith(f"{other} offers ") and reason.endswith(f", which {me} needs"):
                reason = reason[len(other) + 1:-len(f"{me} needs")] + "you need"
            elif reason.startswith(f"{me} offers ") and reason.endswith(f", which {other} needs"):
                reason = "you offer " + reason[len(me) + len(" offers "):]
        out.append(reason)
    return out


def short(name: str, width: int) -> str:
    """``name`` cut to ``width`` characters with an ellipsis (for the room chart).

    Examples
    --------
    >>> short("Marie-Hélène Dupont-Laurent", 14), short("Ana", 14)
    ('Marie-Hélène …', 'Ana')
    """
    name = " ".join(str(name).split())
    return name if len(name) <= width else name[: width - 1].rstrip() + " …"


def range_words(values: Sequence[float], start: str, what: str) -> str:
    """The spread of a count in words: all equal, or the mean with the fewest and the most.

    Examples
    --------
    >>> range_words([36, 36], "Every attendee meets", "new people")
    'Every attendee meets 36 new people.'
    >>> range_words([20, 27, 31], "Every attendee meets", "new people")
    'Every attendee meets 26 new people on average (fewest 20, most 31).'
    """
    lo, hi = min(values), max(values)
    mean = sum(values) / len(values)
    if lo == hi:
        return f"{start} {lo:.0f} {what}."
    return f"{start} {mean:.0f} {what} on average (fewest {lo:.0f}, most {hi:.0f})."


def plan_problems(plan: Plan) -> list[str]:
    """The hard rules a plan breaks, in words (its ``check()``, or the violations its solver listed)."""
    check = getattr(plan, "check", None)
    if callable(check):
        return list(check())
    return list(plan.extras.get("violations", []))


def record_line(plan: Plan) -> str:
    """The solver's numbers in one sentence, for the record at the foot of a summary."""
    bound = f"{plan.bound:,.1f}" if math.isfinite(plan.bound) else "none known"
    took = f" in {plan.time:.1f} s" if plan.time else ""
    return (f"For the record: score {plan.objective:,.1f} (the best possible is at most {bound}); status "
            f"{plan.status}; made by {plan.method or 'an unnamed method'}{took}.")
