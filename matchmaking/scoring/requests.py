"""Hard requests of an organizer: keep together, keep apart, pin to a table.

Read from ``constraints.csv`` (``kind,a,b[,round]``): ``together,ana,ben``,
``apart,ana,chloe``, ``pin,ana,3`` (table 3 in every round) or ``pin,ana,3,2`` (round 2).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.model.io import ROW, read_table, require_columns, source_name

KINDS = ("together", "apart", "pin")


@dataclass
class Requests:
    """An organizer's hard requests.

    Attributes
    ----------
    together : list of (str, str)
        Pairs that share a group in every round both attend.
    apart : list of (str, str)
        Pairs that never share a group.
    pins : list of (str, int, int or None)
        ``(member, group, round)``: the member sits at that table (or in that cohort); round
        None means every round.
    hosts : dict
        ``member -> table``: a host stays at their table every round (seating).

    Examples
    --------
    >>> r = Requests(together=[("a", "b")], apart=[("a", "c")])
    >>> r.is_empty(), len(r.together)
    (False, 1)
    """

    together: list[tuple[str, str]] = field(default_factory=list)
    apart: list[tuple[str, str]] = field(default_factory=list)
    pins: list[tuple[str, int, int | None]] = field(default_factory=list)
    hosts: dict[str, int] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.together or self.apart or self.pins or self.hosts)

    def members(self) -> set[str]:
        """Every member named by a request."""
        out = {m for pair in self.together + self.apart for m in pair}
        out.update(m for m, _, _ in self.pins)
        out.update(self.hosts)
        return out

    def together_pairs(self) -> set[frozenset]:
        """The together pairs as a set of frozensets (for quick look-ups)."""
        return {frozenset(p) for p in self.together}

    @classmethod
    def coerce(cls, source: object, community: Community) -> Requests:
        """Requests from None (none), a :class:`Requests` (as is), a path or a DataFrame (:meth:`read`).

        Examples
        --------
        >>> import pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"]}))
        >>> Requests.coerce(None, c).is_empty()
        True
        """
        if source is None:
            return cls()
        if isinstance(source, Requests):
            return source
        return cls.read(source, community)  # type: ignore[arg-type]

    @classmethod
    def read(cls, source: str | os.PathLike | pd.DataFrame, community: Community) -> Requests:
        """Read and validate ``constraints.csv`` against a community.

        Raises
        ------
        InputError
            Naming file, row and column of an unknown kind or member, a table or round that
            is not a whole number >= 1, or a request that contradicts another (the same pair
            together and apart).

        Examples
        --------
        >>> import pandas as pd
        >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"]}))
        >>> t = pd.DataFrame({"kind": ["together", "pin"], "a": ["a", "c"], "b": ["b", "2"]})
        >>> r = Requests.read(t, c)
        >>> r.together, r.pins
        ([('a', 'b')], [('c', 2, None)])
        """
        fname = "DataFrame" if isinstance(source, pd.DataFrame) else source_name(source)
        table = read_table(source, name=fname)
        require_columns(table, ["kind", "a", "b"], fname)
        out = cls()
        seen: dict[frozenset, tuple[str, int]] = {}
        for _, rec in table.iterrows():
            row = int(rec[ROW])
            kind = rec["kind"].strip().lower()
            a = rec["a"]
            if kind not in KINDS:
                raise InputError(f"unknown kind {rec['kind']!r}; kinds are {KINDS}", file=fname, row=row, column="kind")
            community.check_members([a], file=fname, column="a", rows=[row])
            if kind == "pin":
                table_no = _whole(rec["b"], fname, row, "b")
                rnd = rec.get("round", "")
                out.pins.append((a, table_no, _whole(rnd, fname, row, "round") if str(rnd).strip() else None))
                continue
            b = rec["b"]
            community.check_members([b], file=fname, column="b", rows=[row])
            if a == b:
                raise InputError(f"{kind} request names {a!r} twice", file=fname, row=row, column="b")
            key = frozenset((a, b))
            if key in seen and seen[key][0] != kind:
                raise InputError(
                    f"{a!r} and {b!r} are asked {kind} here but {seen[key][0]} on row {seen[key][1]}",
                    file=fname, row=row, column="kind",
                )
            seen[key] = (kind, row)
            (out.together if kind == "together" else out.apart).append((a, b))
        return out

    def violations(self, assignments: pd.DataFrame, group_columns: Iterable[str]) -> list[str]:
        """Every request a plan breaks, in words (see :func:`matchmaking.plans.check_plan`)."""
        group_columns = list(group_columns)
        round_col = "round" if "round" in group_columns else None
        table_col = group_columns[-1]
        out: list[str] = []
        where: dict[tuple, dict[str, object]] = {}
        for rec in assignments.itertuples(index=False):
            rnd = getattr(rec, round_col) if round_col else 1
            where.setdefault(rnd, {})[rec.member] = getattr(rec, table_col)
        for rnd, seats in sorted(where.items()):
            label = f"round {rnd}: " if round_col else ""
            for a, b in self.together:
                if a in seats and b in seats and seats[a] != seats[b]:
                    out.append(f"{label}together {a}-{b} broken ({table_col} {seats[a]} vs {seats[b]})")
            for a, b in self.apart:
                if a in seats and b in seats and seats[a] == seats[b]:
                    out.append(f"{label}apart {a}-{b} broken (both at {table_col} {seats[a]})")
            for m, t, r in self.pins:
                if (r is None or r == rnd) and m in seats and seats[m] != t:
                    out.append(f"{label}pin {m} -> {table_col} {t} broken (at {seats[m]})")
            for m, t in self.hosts.items():
                if m in seats and seats[m] != t:
                    out.append(f"{label}host {m} must stay at {table_col} {t} (at {seats[m]})")
        for m, _t, r in self.pins:
            if r is not None and r not in where:
                out.append(f"pin {m} names round {r}, which the plan does not have")
        return out


def _whole(value: object, fname: str, row: int, column: str) -> int:
    text = str(value).strip()
    try:
        number = int(float(text))
        if number != float(text):
            raise ValueError
    except ValueError:
        raise InputError(f"{text!r} is not a whole number", file=fname, row=row, column=column) from None
    if number < 1:
        raise InputError(f"{number} is not >= 1 (tables and rounds count from 1)", file=fname, row=row, column=column)
    return number
