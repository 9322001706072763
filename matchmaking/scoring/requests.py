"""Hard requests of an organizer: together, apart, pins, hosts, locks and exclusions.

One :class:`Requests` type for every engine (``requests=`` of ``seat``, ``form_cohorts``,
``pair`` and ``help_squad``). Read from ``constraints.csv`` (``kind,a,b[,round]``):
``together,ana,ben``, ``apart,ana,chloe``, ``pin,ana,3`` (table 3 in every round) or
``pin,ana,3,2`` (round 2). Each request read from a file remembers its row, so that
:meth:`Requests.conflicts` and the engines can say where a request that cannot hold came from.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.model.io import (
    MAX_GROUP,
    ROW,
    parse_number,
    read_table,
    require_columns,
    source_name,
)

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
    locked : pandas.DataFrame, optional
        Rows of a plan kept exactly as they are: held rounds of a seating (``round, table,
        member``), members kept in their cohort (``cohort, member``) or group.
    exclude : list of str
        Members left out (help squads: not asked to help).
    origin : dict
        Where each request came from, e.g. ``("apart", "a", "c") -> "constraints.csv, row 3"``
        (see :meth:`where`).

    Examples
    --------
    >>> r = Requests(together=[("a", "b")], apart=[("a", "c")])
    >>> r.is_empty(), len(r.together)
    (False, 1)
    >>> r.conflicts()
    []
    >>> Requests(together=[("a", "b"), ("b", "c")], apart=[("a", "c")]).conflicts()
    ['apart a-c contradicts together a-b, together b-c: they chain a and c together']
    """

    together: list[tuple[str, str]] = field(default_factory=list)
    apart: list[tuple[str, str]] = field(default_factory=list)
    pins: list[tuple[str, int, int | None]] = field(default_factory=list)
    hosts: dict[str, int] = field(default_factory=dict)
    locked: pd.DataFrame | None = None
    exclude: list[str] = field(default_factory=list)
    origin: dict[tuple, str] = field(default_factory=dict, repr=False, compare=False)

    def is_empty(self) -> bool:
        held = self.locked is not None and len(self.locked) > 0
        return not (self.together or self.apart or self.pins or self.hosts or held or self.exclude)

    def members(self) -> set[str]:
        """Every member named by a request."""
        out = {m for pair in self.together + self.apart for m in pair}
        out.update(m for m, _, _ in self.pins)
        out.update(self.hosts)
        out.update(self.exclude)
        if self.locked is not None and len(self.locked):
            out.update(self.locked["member"].astype(str))
        return out

    def where(self, *key: object) -> str:
        """Where a request came from (``"constraints.csv, row 3"``), or how it was given.

        >>> Requests(apart=[("a", "b")]).where("apart", "a", "b")
        'given in Python'
        """
        return self.origin.get(tuple(key), "given in Python")

    def merged(self, other: Requests | None) -> Requests:
        """These requests and ``other``'s together (locks: ``other``'s rows are added).

        >>> a = Requests(together=[("a", "b")])
        >>> b = Requests(apart=[("a", "c")], hosts={"d": 1})
        >>> m = a.merged(b)
        >>> m.together, m.apart, m.hosts
        ([('a', 'b')], [('a', 'c')], {'d': 1})
        """
        if other is None or other.is_empty():
            return self
        locked = self.locked
        if other.locked is not None and len(other.locked):
            locked = other.locked if locked is None else pd.concat([locked, other.locked], ignore_index=True)
        return Requests(
            together=self.together + [p for p in other.together if p not in self.together],
            apart=self.apart + [p for p in other.apart if p not in self.apart],
            pins=self.pins + [p for p in other.pins if p not in self.pins],
            hosts={**self.hosts, **other.hosts},
            locked=locked,
            exclude=self.exclude + [m for m in other.exclude if m not in self.exclude],
            origin={**self.origin, **other.origin},
        )

    def with_lock(self, rows: pd.DataFrame) -> Requests:
        """A copy with ``rows`` (plan rows) locked as well, e.g. a round held or a member kept."""
        held = rows if self.locked is None else pd.concat([self.locked, rows], ignore_index=True)
        return replace(self, locked=held.drop_duplicates().reset_index(drop=True))

    def conflicts(
        self,
        *,
        n_groups: int | None = None,
        rounds: int | None = None,
        capacities: Iterable[int] | None = None,
    ) -> list[str]:
        """Requests that cannot all hold, in words, each with where it came from (empty: none).

        Checks a pair asked together and apart (also through a chain of together pairs), a pin
        or host to a table that does not exist, a pin to a round that does not exist, one member
        pinned to two tables in one round, a together pair pinned to different tables, an apart
        pair pinned to the same table, and a together group larger than the biggest table.

        Examples
        --------
        >>> r = Requests(pins=[("a", 5, None), ("b", 1, 3)], together=[("a", "b")])
        >>> for c in r.conflicts(n_groups=4, rounds=2):
        ...     print(c)
        pin a -> 5 names a table that does not exist (1..4)
        pin b -> 1 in round 3 names a round that does not exist (1..2)
        together a-b but a is fixed at 5 and b at 1
        """
        caps = list(capacities) if capacities is not None else None
        if caps is not None and n_groups is None:
            n_groups = len(caps)
        out: list[str] = []
        groups = _together_groups(self.together)
        group_of = {m: g for g, members in enumerate(groups) for m in members}
        for a, b in self.apart:
            if a in group_of and group_of.get(a) == group_of.get(b):
                chain = _chain(self.together, a, b)
                links = ", ".join(f"together {x}-{y}" + self._from("together", x, y) for x, y in chain)
                why = "" if len(chain) == 1 else f": they chain {a} and {b} together"
                out.append(f"apart {a}-{b}" + self._from("apart", a, b) + f" contradicts {links}{why}")
        fixed: dict[str, list[tuple[int, int | None, str]]] = {}
        for m, t, r in self.pins:
            fixed.setdefault(m, []).append((t, r, f"pin {m} -> {t}" + (f" in round {r}" if r else "")
                                           + self._from("pin", m, t, r)))
        for m, t in self.hosts.items():
            fixed.setdefault(m, []).append((t, None, f"host {m} at table {t}" + self._from("host", m, t)))
        for _m, items in fixed.items():
            for t, r, text in items:
                if n_groups is not None and not 1 <= t <= n_groups:
                    out.append(f"{text} names a table that does not exist (1..{n_groups})")
                if r is not None and rounds is not None and not 1 <= r <= rounds:
                    out.append(f"{text} names a round that does not exist (1..{rounds})")
            for i, (t1, r1, text1) in enumerate(items):
                for t2, r2, text2 in items[i + 1:]:
                    if t1 != t2 and (r1 is None or r2 is None or r1 == r2):
                        out.append(f"{text1} and {text2} put one member at two tables at once")
        table_of = {m: {(t, r) for t, r, _ in items} for m, items in fixed.items()}
        for a, b in self.together:
            for ta, ra in table_of.get(a, ()):
                for tb, rb in table_of.get(b, ()):
                    if ta != tb and (ra is None or rb is None or ra == rb):
                        out.append(f"together {a}-{b}" + self._from("together", a, b)
                                   + f" but {a} is fixed at {ta} and {b} at {tb}")
        for a, b in self.apart:
            for ta, ra in table_of.get(a, ()):
                for tb, rb in table_of.get(b, ()):
                    if ta == tb and (ra is None or rb is None or ra == rb):
                        out.append(f"apart {a}-{b}" + self._from("apart", a, b)
                                   + f" but both are fixed at table {ta}")
        if caps:
            biggest = max(caps)
            for members in groups:
                if len(members) > biggest:
                    inside = [(a, b) for a, b in self.together if a in members]
                    out.append(f"together group {', '.join(sorted(members))}" + self.origins(inside)
                               + f" has {len(members)} members, more than the biggest table ({biggest} seats)")
        return list(dict.fromkeys(out))

    def _from(self, *key: object) -> str:
        where = self.origin.get(tuple(key))
        return f" ({where})" if where else ""

    def origins(self, together: list[tuple[str, str]]) -> str:
        """Where a set of together requests came from: ``" (constraints.csv, rows 2, 3, 5)"``.

        >>> r = Requests(together=[("a", "b"), ("b", "c")],
        ...              origin={("together", "a", "b"): "c.csv, row 2", ("together", "b", "c"): "c.csv, row 4"})
        >>> r.origins(r.together)
        ' (c.csv, rows 2, 4)'
        """
        places = [w for a, b in together if (w := self.origin.get(("together", a, b)))]
        files = {w.rsplit(", row ", 1)[0] for w in places}
        if len(files) == 1 and all(", row " in w for w in places):
            rows = ", ".join(w.rsplit(", row ", 1)[1] for w in places)
            return f" ({files.pop()}, row{'s' if len(places) > 1 else ''} {rows})"
        return f" ({'; '.join(places)})" if places else ""

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
                pin = (a, table_no, _whole(rnd, fname, row, "round") if str(rnd).strip() else None)
                out.pins.append(pin)
                out.origin[("pin", *pin)] = f"{fname}, row {row}"
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
            out.origin[(kind, a, b)] = f"{fname}, row {row}"
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


def _together_groups(together: Iterable[tuple[str, str]]) -> list[set[str]]:
    """Members linked by chains of together pairs (connected components)."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_edges_from(together)
    return [set(c) for c in nx.connected_components(graph)]


def _chain(together: list[tuple[str, str]], a: str, b: str) -> list[tuple[str, str]]:
    """The together pairs on a shortest chain from ``a`` to ``b``."""
    import networkx as nx

    graph = nx.Graph()
    for x, y in together:
        graph.add_edge(x, y, pair=(x, y))
    path = nx.shortest_path(graph, a, b)
    return [graph.edges[u, v]["pair"] for u, v in zip(path, path[1:], strict=False)]


def _whole(value: object, fname: str, row: int, column: str) -> int:
    number = parse_number(value, fname=fname, row=row, column=column)  # finite, or an error naming the cell
    if not number.is_integer():
        raise InputError(f"{str(value).strip()!r} is not a whole number", file=fname, row=row, column=column)
    if number < 1:
        raise InputError(f"{number:g} is not >= 1 (tables and rounds count from 1)", file=fname, row=row, column=column)
    if number > MAX_GROUP:
        raise InputError(f"{number:g} is above {MAX_GROUP:,}: not a real table or round", file=fname, row=row,
                         column=column)
    return int(number)
