"""Validation of :func:`matchmaking.pair`'s inputs: every bad value is an :class:`InputError`.

Checked before any work starts (a typo never costs a solve): the mode and its settings, the
selections (one grammar, :meth:`Community.select`; a selection matching nobody is an error),
the requests (pins and hosts have no meaning for pairs; together requests that cannot hold are
an :class:`InfeasibleError` naming where they came from), snoozes and opt-outs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from matchmaking.errors import InfeasibleError, InputError
from matchmaking.model.community import Community
from matchmaking.scoring.requests import Requests

MODES = ("intro", "mentor", "roulette", "welcome")
#: Roulette rounds at most (each round is a matching of everyone: more is a typo).
MAX_ROUNDS = 1000


def whole(value: object, name: str, *, low: int = 1, high: int | None = None) -> int:
    """A whole number in ``[low, high]`` or InputError naming the setting.

    >>> whole(3, "rounds")
    3
    >>> whole(0, "rounds")
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: column 'rounds': rounds must be a whole number >= 1, not 0
    """
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok or value < low or (high is not None and value > high):  # type: ignore[operator]
        span = f">= {low}" if high is None else f"in {low}..{high}"
        raise InputError(f"{name} must be a whole number {span}, not {value!r}", column=name)
    return int(value)  # type: ignore[arg-type]


def choice(value: object, name: str, options: Iterable[object]) -> object:
    """``value`` if it is one of ``options``, else InputError."""
    options = tuple(options)
    if value not in options:
        raise InputError(f"{name} must be one of {options}, not {value!r}", column=name)
    return value


def pair_requests(requests: object, constraints: object, community: Community) -> Requests:
    """``requests=`` merged with its alias ``constraints=``, checked for pairs."""
    out = Requests.coerce(requests, community).merged(Requests.coerce(constraints, community))
    known = set(community.ids)
    for kind in ("together", "apart"):
        for a, b in getattr(out, kind):
            for m in (a, b):
                if m not in known:
                    raise InputError(f"{kind} {a}-{b} ({out.where(kind, a, b)}) names unknown member {m!r}",
                                     file="requests", column="a" if m == a else "b")
    for m, t, r in out.pins:
        raise InputError(f"pin {m} -> {t} ({out.where('pin', m, t, r)}): pairings have no tables to pin to",
                         column="kind")
    for m, t in out.hosts.items():
        raise InputError(f"host {m} at table {t} ({out.where('host', m, t)}): pairings have no tables",
                         column="hosts")
    if out.locked is not None and len(out.locked):
        raise InputError("locked rows are not supported by pair(): re-plan the rounds you want to change",
                         column="locked")
    conflicts = out.conflicts(capacities=[2])
    if conflicts:
        raise InfeasibleError("these requests cannot all hold in pairs", conflicts)
    return out


def select(community: Community, spec: object, what: str, within: list[str] | None = None) -> list[str] | None:
    """Members named by a selection (None stays None: the caller's default)."""
    if spec is None:
        return None
    if not isinstance(spec, str):
        try:
            spec = [str(m) for m in spec]  # type: ignore[attr-defined]
        except TypeError:
            raise InputError(f"{what} must be a selection such as 'role=lead' or a list of ids, not {spec!r}",
                             column=what) from None
    return community.select(spec, what=what, within=within)  # type: ignore[arg-type]


def ids(community: Community, values: Iterable[str], what: str) -> list[str]:
    """A list of member ids (unknown ones are InputError, numbered from 1 in the list)."""
    if isinstance(values, str):
        raise InputError(f"{what} takes a list of ids, not the text {values!r}", column=what)
    out = [str(m) for m in values]
    community.check_members(out, file=what, column="id", rows=list(range(1, len(out) + 1)))
    return out


def snooze_table(snooze: object, members: list[str], rounds: int) -> dict[str, set[int]]:
    """``snooze`` (mapping member -> rounds, or a table ``member, round``) as member -> set of rounds.

    Examples
    --------
    >>> snooze_table({"a": [2]}, ["a", "b"], 3)
    {'a': {2}}
    >>> snooze_table(pd.DataFrame({"member": ["b"], "round": [1]}), ["a", "b"], 3)
    {'b': {1}}
    >>> snooze_table({"a": [4]}, ["a", "b"], 3)
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: snooze, column 'round': snooze of 'a' names round 4; rounds are 1..3
    """
    if snooze is None:
        return {}
    out: dict[str, set[int]] = {}
    if isinstance(snooze, pd.DataFrame):
        if not {"member", "round"} <= set(snooze.columns):
            raise InputError("a snooze table needs columns member, round", file="snooze")
        items: Iterable = zip(snooze["member"].astype(str), snooze["round"], strict=True)
        for m, r in items:
            out.setdefault(m, set()).add(_round(r, m))
    elif isinstance(snooze, Mapping):
        for m, rs in snooze.items():
            rs = [rs] if isinstance(rs, (int, np.integer, str)) else rs
            out[str(m)] = {_round(r, str(m)) for r in rs}
    else:
        raise InputError("snooze must be a mapping member -> rounds or a table member, round", file="snooze")
    known = set(members)
    for m, rs in out.items():
        if m not in known:
            raise InputError(f"snooze names {m!r}, who is not among the members", file="snooze", column="member")
        bad = sorted(r for r in rs if not 1 <= r <= rounds)
        if bad:
            raise InputError(f"snooze of {m!r} names round {bad[0]}; rounds are 1..{rounds}", file="snooze",
                             column="round")
    return out


def _round(value: object, member: str) -> int:
    try:
        number = float(str(value).strip())
        if not number.is_integer():
            raise ValueError
    except ValueError:
        raise InputError(f"snooze of {member!r}: round {value!r} is not a whole number", file="snooze",
                         column="round") from None
    return int(number)


def check_history(history: object) -> None:
    """``history``: None, a table ``a, b[, count]`` or a :class:`~matchmaking.MeetingHistory`."""
    if history is None or isinstance(history, pd.DataFrame) or hasattr(history, "pair_counts"):
        return
    raise InputError(f"history must be a table a, b[, count] or a MeetingHistory, not {type(history).__name__}",
                     column="history")
