"""Reading one cell: ``;``-separated lists and numbers (decimal commas, bounds), errors naming the cell."""

from __future__ import annotations

import math
import re
from typing import Any

from matchmaking.errors import InputError

#: Largest table, cohort, group or round number a file may give (plans and requests).
MAX_GROUP = 1_000_000_000
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+")

__all__ = ["MAX_GROUP", "parse_number", "split_list"]


def split_list(cell: str) -> list[str]:
    """Split a ``;``-separated cell into stripped, non-empty items.

    Examples
    --------
    >>> split_list(" SEO; copywriting ;; ")
    ['SEO', 'copywriting']
    """
    return [part.strip() for part in str(cell).split(";") if part.strip()]


def parse_number(
    value: str, *, fname: str, row: int, column: str, kind: type = float, low: float | None = None,
    high: float | None = None,
) -> Any:
    """Parse a finite number from a cell, or raise an :class:`InputError` naming the cell.

    A decimal comma is read when it cannot mean anything else (``"0,5"``, ``"-2,75"``: what a
    spreadsheet writes where the decimal mark is a comma); ``"1,000"`` could be a thousand or
    one, so it is refused with the two readings. ``inf`` and ``nan`` are never numbers here.
    ``low`` / ``high`` bound the value (inclusive).

    Examples
    --------
    >>> parse_number("0,5", fname="pairs.csv", row=2, column="weight")
    0.5
    >>> parse_number("inf", fname="pairs.csv", row=3, column="weight")
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: pairs.csv, row 3, column 'weight': 'inf' is not a finite number
    >>> parse_number("-50", fname="h.csv", row=4, column="count", low=0)
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: h.csv, row 4, column 'count': -50 is below 0
    """
    text = str(value).strip().lstrip("'")
    if _DECIMAL_COMMA.fullmatch(text):
        if _THOUSANDS.fullmatch(text.lstrip("+-")):
            raise InputError(
                f"{text!r} is ambiguous (a thousands separator or a decimal comma?): write "
                f"{text.replace(',', '')} or {text.replace(',', '.')}", file=fname, row=row, column=column,
            )
        text = text.replace(",", ".")
    try:
        number = kind(text)
    except (ValueError, OverflowError):
        raise InputError(
            f"{text[:40]!r} is not a {'whole ' if kind is int else ''}number", file=fname, row=row, column=column
        ) from None
    if kind is float and not math.isfinite(number):
        raise InputError(f"{text[:40]!r} is not a finite number", file=fname, row=row, column=column)
    shown = f"{number:g}" if kind is float else str(number)
    if low is not None and number < low:
        raise InputError(f"{shown} is below {low:g}", file=fname, row=row, column=column)
    if high is not None and number > high:
        raise InputError(f"{shown} is above {high:g}", file=fname, row=row, column=column)
    return number
