"""One grammar to select members: ``role=lead``, ``seniority>=3``, ``joined<2026-01-01``...

A selection is a list of member ids, or a text of clauses joined by ``&``:

- ``column=value`` (or ``!=``, ``>=``, ``<=``, ``>``, ``<``), e.g. ``role=lead``, ``city!=Paris``;
- ``column=v1,v2`` takes any of a list (``!=`` none of it);
- numbers are compared as numbers, dates (``2026-01-01``, ``2026-1-1``) as dates, text as text;
- ``role=lead & city=Paris`` takes members that meet every clause.

A selection that matches nobody is an error (a typo must never mean "everyone"), and so is a
date or a number that does not read as one.

Examples
--------
>>> import pandas as pd
>>> from matchmaking.model.community import Community
>>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"], "role": ["lead", "member", "lead"],
...     "joined": ["2025-12-01", "2026-01-15", "2026-2-3"], "age": [30, 41, 25]}))
>>> select(c, "role=lead")
['a', 'c']
>>> select(c, "joined>=2026-1-1")
['b', 'c']
>>> select(c, "role=lead & age<28")
['c']
>>> select(c, "role=lead,member")
['a', 'b', 'c']
>>> select(c, "role=leed")
Traceback (most recent call last):
...
matchmaking.errors.InputError: column 'role': selection 'role=leed' matches nobody (did you mean 'lead'?)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from matchmaking.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matchmaking.model.community import Community

_CLAUSE = re.compile(r"\s*([^<>=!&]+?)\s*(>=|<=|!=|=|>|<)\s*([^&]*?)\s*")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?)?")


def select(
    community: Community,
    spec: str | Sequence[str],
    *,
    what: str = "selection",
    within: Sequence[str] | None = None,
    allow_empty: bool = False,
) -> list[str]:
    """The members named by ``spec`` (see the module docstring), in community order.

    Parameters
    ----------
    community : Community
    spec : str or list of str
        Clauses (``"role=lead & city=Paris"``) or member ids.
    what : str
        What the selection is for, in messages (``"mentors"``, ``"--only"``...).
    within : list of str, optional
        Select among these members only.
    allow_empty : bool
        Return an empty list instead of raising when nobody matches.

    Raises
    ------
    InputError
        An unknown column or member, a malformed clause, a value that is not a number or a
        date where the column holds them, or a selection that matches nobody.
    """
    pool = list(within) if within is not None else community.ids
    if not isinstance(spec, str):
        ids = [str(m) for m in spec]
        community.check_members(ids, file=what, column="id", rows=list(range(2, len(ids) + 2)))
        keep = set(ids)
        out = [m for m in pool if m in keep]
    else:
        clauses = [c for c in spec.split("&")]
        if not spec.strip() or any(not c.strip() for c in clauses):
            raise InputError(f"{what} {spec!r} is empty or has an empty clause; write e.g. 'role=lead'")
        mask = np.ones(len(pool), dtype=bool)
        last_col = None
        for clause in clauses:
            col, op, values = _parse(clause, community, what, spec)
            mask &= _match(community, pool, col, op, values, what)
            last_col = col
        out = [m for m, keep in zip(pool, mask, strict=True) if keep]
        if not out and not allow_empty:
            hint = _hint(community, pool, spec, last_col)
            raise InputError(f"{what} {spec!r} matches nobody{hint}", column=last_col)
    if not out and not allow_empty:
        raise InputError(f"{what} {spec!r} matches nobody")
    return out


def _parse(clause: str, community: Community, what: str, spec: str) -> tuple[str, str, list[str]]:
    found = _CLAUSE.fullmatch(clause)
    if not found:
        raise InputError(
            f"{what} {spec!r}: {clause.strip()!r} is not 'column=value' (or !=, >=, <=, >, <)"
        )
    col, op, value = found.groups()
    if col not in community.attributes:
        raise InputError(f"{what} {spec!r}: no attribute {col!r}; attributes are {community.attributes}", column=col)
    values = [v.strip() for v in value.split(",")]
    if not value or any(not v for v in values):
        raise InputError(f"{what} {spec!r}: {col!r} needs a value after {op!r}", column=col)
    if len(values) > 1 and op not in ("=", "!="):
        raise InputError(f"{what} {spec!r}: a list of values goes with = or != only", column=col)
    return col, op, values


def _match(community: Community, pool: list[str], col: str, op: str, values: list[str], what: str) -> np.ndarray:
    column = community.members.loc[pool, col]
    present = column.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(column):
        targets = [_number(v, col, what) for v in values]
        data = column.to_numpy(dtype=float, na_value=np.nan)
    elif all(_DATE.fullmatch(v) for v in values):
        targets = [_date(v, col, what) for v in values]
        data = _dates(community, pool, column, col)
    else:
        if op not in ("=", "!="):
            raise InputError(f"{what}: {col!r} holds text; compare it with = or != (or give a number or a date)",
                             column=col)
        targets = values
        data = column.astype(str).str.strip().to_numpy()
    hit = np.zeros(len(pool), dtype=bool)
    for t in targets:
        hit |= _compare(data, op if op != "!=" else "=", t)
    if op == "!=":
        hit = ~hit
    return hit & present


def _compare(data: np.ndarray, op: str, target: object) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        result = {
            "=": lambda: data == target,
            ">=": lambda: data >= target,
            "<=": lambda: data <= target,
            ">": lambda: data > target,
            "<": lambda: data < target,
        }[op]()
    return np.asarray(result, dtype=bool)


def _number(value: str, col: str, what: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InputError(f"{what}: {col!r} holds numbers, not {value!r}", column=col) from None


def _date(value: str, col: str, what: str) -> np.datetime64:
    stamp = pd.to_datetime(value, errors="coerce", format="mixed")
    if pd.isna(stamp):
        raise InputError(f"{what}: {value!r} is not a date (write YYYY-MM-DD)", column=col)
    return np.datetime64(stamp, "ns")


def _dates(community: Community, pool: list[str], column: pd.Series, col: str) -> np.ndarray:
    text = column.astype("string").str.strip()
    stamps = pd.to_datetime(text, errors="coerce", format="mixed")
    bad = text.notna() & stamps.isna()
    if bad.any():
        member = bad[bad].index[0]
        row = community.ids.index(member) + 2
        raise InputError(f"{column.loc[member]!r} is not a date (write YYYY-MM-DD)", file=community.source,
                         row=row, column=col)
    return stamps.to_numpy(dtype="datetime64[ns]")


def _hint(community: Community, pool: list[str], spec: str, col: str | None) -> str:
    if col is None:
        return ""
    known = sorted({str(v).strip() for v in community.members.loc[pool, col].dropna()})
    words = [v.strip() for clause in spec.split("&") for v in re.split(r"[=<>!,]+", clause)[1:] if v.strip()]
    close = [m for w in words for m in difflib.get_close_matches(w, known, n=1, cutoff=0.6)]
    if close:
        return " (did you mean " + ", ".join(repr(c) for c in dict.fromkeys(close)) + "?)"
    if len(known) <= 12:
        return f"; values of {col!r} are " + ", ".join(known)
    return ""
