"""Event seating: several rounds of tables, hard requests, and a plan whose quality is proven.

The problem
-----------
Attendees sit at tables for ``R`` rounds. A plan is worth the objective of
:class:`matchmaking.scoring.objective.Objective` (the one ``matchmaking score`` reports): the
value of the distinct pairs who share a table, the needs covered at someone's tables, the
spread of chosen attributes per table, minus a penalty per repeated encounter. Zero repeats
is a hard rule whenever the search finds such a plan: any plan without repeats beats any plan
with some. When repeats cannot be avoided (a pigeonhole argument, or pins and hosts that
force them), the objective decides, each repeat costing its penalty (10 by default).

Hard requests: table capacities (tables may differ, seats may stay empty), a minimum per
open table, per-round attendance, keep together, keep apart, pins (a table in every round
or one), hosts (stay at their table every round) and locked rounds (kept as they were).

The engine
----------
1. A **constructive start**, round by round: members (together-groups as one block) are
   placed, most constrained first, at the open table with the best marginal value, each table
   filled up to a balanced target size. When the event has a social-golfer shape (``q``
   tables, ``q`` a prime power, at most ``q`` per table) an affine resolvable design over
   GF(q) gives a start with zero repeats by construction (:func:`galois_field`).
2. A **repeat repair** (a conflict-directed tabu search in the style of Dotú and Van
   Hentenryck for the social golfer problem) when the start has repeats: it makes the swap of
   a member who repeats that removes the most repeats.
3. An **improvement phase**: simulated annealing over swaps and moves between tables of a
   round, with exact incremental evaluation of every term, one geometric cooling over the
   budget, proposals guided toward each member's most valuable partners; the walk pays a
   penalty per repeat, the best plan is kept as above (no repeats first, then objective).
   Then a **large-neighbourhood search** re-solves two tables of a round exactly with OR-Tools
   CP-SAT (warm-started with the current seating as a hint); a single-round event where every
   seat is taken is re-solved whole, which proves it optimal.
4. A **bound** (:func:`seating_bound`), proven by relaxation.

Reproducibility: with ``iterations=`` the cooling follows the iteration count, and the same
seed and worker count give the same plan. With only a time limit the cooling follows the clock,
so the plan depends on the machine's speed, as with any time-limited search.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from matchmaking.errors import InfeasibleError, InputError
from matchmaking.model.community import Community
from matchmaking.model.io import ROW, parse_number, read_table, source_name
from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import Objective, default_objective
from matchmaking.scoring.requests import Requests

if TYPE_CHECKING:
    from matchmaking.reports.html import Report

__all__ = ["seat", "seating_bound", "SeatingProblem", "warm_up"]


# ---------------------------------------------------------------------------------------------
# The problem, validated
# ---------------------------------------------------------------------------------------------
@dataclass
class SeatingProblem:
    """A validated seating problem over the event's members (indices ``0..n-1``).

    Built by :func:`seat` (see there for the parameters); exposed for benchmarks and for
    baselines that must solve exactly the same problem.
    """

    community: Community
    members: list[str]
    capacities: np.ndarray
    rounds: int
    attend: np.ndarray  # rounds x n bool
    fixed: np.ndarray  # rounds x n int: table index or -1
    locked_rounds: set[int]
    min_size: int
    objective: Objective
    requests: Requests
    blocks: list[list[int]]  # together-components (indices)
    block_of: np.ndarray
    apart: list[set[int]]
    weights: np.ndarray = field(repr=False, default=None)  # n x n pair values
    met_before: np.ndarray = field(repr=False, default=None)  # n x n bool (repeat on first meeting)
    together: np.ndarray = field(repr=False, default=None)  # n x n bool
    offers: np.ndarray = field(repr=False, default=None)  # n x K bool
    needs: np.ndarray = field(repr=False, default=None)  # n x K bool
    spread_codes: list[np.ndarray] = field(default_factory=list, repr=False)
    spread_weights: list[float] = field(default_factory=list)
    spread_names: list[str] = field(default_factory=list)
    targets: np.ndarray = field(repr=False, default=None)  # rounds x T target sizes

    @property
    def n(self) -> int:
        return len(self.members)

    @property
    def n_tables(self) -> int:
        return len(self.capacities)

    def to_tab(self, assignments: pd.DataFrame) -> np.ndarray:
        """The rounds x n table array (0-based, -1 absent) of assignments ``round, table, member``."""
        pos = {m: i for i, m in enumerate(self.members)}
        tab = np.full((self.rounds, self.n), -1, dtype=np.int64)
        for r, t, m in zip(assignments["round"], assignments["table"], assignments["member"], strict=True):
            tab[int(r) - 1, pos[str(m)]] = int(t) - 1
        return tab

    def to_frame(self, tab: np.ndarray) -> pd.DataFrame:
        """Assignments ``round, table, member`` (1-based) from a rounds x n table array."""
        r, i = np.nonzero(tab >= 0)
        frame = pd.DataFrame({"round": r + 1, "table": tab[r, i] + 1, "member": np.asarray(self.members, dtype=object)[i]})
        return frame.sort_values(["round", "table", "member"]).reset_index(drop=True)

    def violations(self, tab: np.ndarray) -> list[str]:
        """Every hard rule ``tab`` breaks (an independent re-check through :func:`check_plan`)."""
        from matchmaking.plans.check import check_plan

        frame = self.to_frame(tab)
        out = check_plan(frame, requests=self.requests, capacities=list(map(int, self.capacities)),
                         min_size=self.min_size or None, kind="seating")
        for r in range(self.rounds):
            placed = int((tab[r] >= 0).sum())
            if placed != int(self.attend[r].sum()):
                out.append(f"round {r + 1}: {placed} placed for {int(self.attend[r].sum())} attendees")
        return out


def _capacities(tables: int | Sequence[int] | None, table_size: int | None, capacities: Sequence[int] | None) -> np.ndarray:
    if capacities is None and tables is not None and not isinstance(tables, (int, np.integer)):
        capacities, tables = list(tables), None
    if capacities is not None:
        caps = [int(c) for c in capacities]
        if tables is not None and int(tables) != len(caps):
            raise InputError(f"tables={tables} but {len(caps)} capacities given", column="capacities")
    else:
        if tables is None or table_size is None:
            raise InputError("give tables and table_size, or a list of capacities", column="tables")
        caps = [int(table_size)] * int(tables)
    if not caps or min(caps) < 1:
        raise InputError(f"every table needs at least one seat; capacities {caps}", column="capacities")
    return np.asarray(caps, dtype=np.int64)


def _attendance(attendance: object, community: Community, rounds: int) -> dict[int, list[str]]:
    if attendance is None:
        return {r: list(community.ids) for r in range(1, rounds + 1)}
    if isinstance(attendance, pd.DataFrame):
        fname = str(attendance.attrs.get("file", "attendance"))
        missing = {"member", "round"} - set(attendance.columns)
        if missing:
            raise InputError(f"attendance needs columns member, round; missing {sorted(missing)}", file=fname,
                             row=1 if fname != "attendance" else None)
        rows = attendance[ROW].tolist() if ROW in attendance.columns else [None] * len(attendance)
        numbers = []
        for value, member, row in zip(attendance["round"], attendance["member"], rows, strict=True):
            if str(member) not in community:
                raise InputError(f"unknown member {str(member)!r}", file=fname, row=row, column="member")
            number = parse_number(value, fname=fname, row=row, column="round")
            if not number.is_integer():
                raise InputError(f"{value!r} is not a whole number", file=fname, row=row, column="round")
            number = int(number)
            if not 1 <= number <= rounds:
                raise InputError(f"attendance names round {number}; rounds are 1..{rounds}", file=fname, row=row,
                                 column="round")
            numbers.append(number)
        attendance = {r: grp["member"].astype(str).tolist()
                      for r, grp in attendance.assign(round=numbers).groupby("round")}
    if not isinstance(attendance, Mapping):
        raise InputError("attendance is a mapping round -> members, or a table member,round", file="attendance")
    out: dict[int, list[str]] = {}
    for r, who in attendance.items():
        r = int(r)
        if not 1 <= r <= rounds:
            raise InputError(f"attendance names round {r}; rounds are 1..{rounds}", file="attendance", column="round")
        who = [str(m) for m in who]
        unknown = [m for m in who if m not in community]
        if unknown:
            raise InputError(f"unknown member(s) {unknown[:5]} in round {r}", file="attendance", column="member")
        out[r] = who
    for r in range(1, rounds + 1):
        out.setdefault(r, list(community.ids))
    return out


def _requests(requests: object, hosts: object, community: Community, n_tables: int, rounds: int) -> Requests:
    pin_rows: list[int] | None = None
    if requests is None:
        req = Requests()
    elif isinstance(requests, Requests):
        req = Requests(list(requests.together), list(requests.apart), list(requests.pins), dict(requests.hosts))
    else:
        req = Requests.read(requests, community)  # type: ignore[arg-type]
        fname = "DataFrame" if isinstance(requests, pd.DataFrame) else source_name(requests)  # type: ignore[arg-type]
        table = read_table(requests, name=fname)  # type: ignore[arg-type]
        pin_rows = [int(row) for kind, row in zip(table["kind"], table[ROW], strict=True)
                    if str(kind).strip().lower() == "pin"]  # in the order Requests.read keeps pins
    if hosts is not None:
        if isinstance(hosts, Mapping):
            req.hosts.update({str(m): int(t) for m, t in hosts.items()})
        else:
            hosts = [str(m) for m in hosts]  # type: ignore[union-attr]
            seen: dict[str, int] = {}
            for t, m in enumerate(hosts, start=1):
                if m in seen:
                    raise InputError(f"host {m} is listed for table {seen[m]} and table {t}; a host stays at one table",
                                     file="hosts", column="member")
                seen[m] = t
            req.hosts.update(seen)
    for m in req.members():
        if m not in community:
            raise InputError(f"request names unknown member {m!r}", file="constraints", column="a")
    for m, t in req.hosts.items():
        if not 1 <= t <= n_tables:
            raise InputError(f"host {m} at table {t}; tables are 1..{n_tables}", file="hosts", column="table")
    for k, (m, t, r) in enumerate(req.pins):
        # from a file: its name and row; from a Requests object: the option and the pin itself
        where = ({"file": fname, "row": pin_rows[k]} if pin_rows is not None and k < len(pin_rows)
                 else {"file": "requests (Requests.pins)"})
        if not 1 <= t <= n_tables:
            raise InputError(f"pin {m} to table {t}; tables are 1..{n_tables}", column="b", **where)
        if r is not None and not 1 <= r <= rounds:
            raise InputError(f"pin {m} to table {t} in round {r}; rounds are 1..{rounds}", column="round", **where)
    return req


def _targets(n_r: int, caps: np.ndarray, forced: np.ndarray, min_size: int) -> np.ndarray:
    """Balanced table sizes for ``n_r`` attendees: as even as the capacities allow.

    Tables holding a fixed member (``forced``) stay open; the fewest tables are closed so that
    every open table reaches ``min_size``.
    """
    T = len(caps)
    order = sorted(range(T), key=lambda t: (not forced[t], -caps[t], t))
    for k in range(T, 0, -1):
        open_ = order[:k]
        if caps[open_].sum() < n_r:
            break
        if k < T and forced[order[k]]:
            break
        size = _waterfill(n_r, caps[open_])
        if size.min(initial=n_r) >= max(min_size, 1) or (k == 1 and size.sum() == n_r and min_size <= n_r):
            out = np.zeros(T, dtype=np.int64)
            out[open_] = size
            return out
    raise InfeasibleError(
        f"{n_r} attendees cannot fill tables of {list(map(int, caps))} with at least {min_size} per open table",
        [f"min_table_size={min_size}", f"{n_r} attendees"],
    )


def _waterfill(n: int, caps: np.ndarray) -> np.ndarray:
    size = np.zeros(len(caps), dtype=np.int64)
    left = n
    while left > 0:
        room = np.flatnonzero(size < caps)
        if not len(room):
            break
        share = max(1, left // len(room))
        for t in room:
            add = min(share, caps[t] - size[t], left)
            size[t] += add
            left -= add
            if not left:
                break
    return size


def build_problem(
    community: Community,
    *,
    tables: int | Sequence[int] | None = None,
    table_size: int | None = None,
    capacities: Sequence[int] | None = None,
    min_table_size: int | None = None,
    rounds: int = 1,
    attendance: object = None,
    requests: object = None,
    hosts: object = None,
    locked: pd.DataFrame | None = None,
    objective: Objective | None = None,
    pairs: object = None,
    history: object = None,
    needs: float = 1.0,
    spread: Sequence[str] | Mapping[str, float] | None = None,
    repeat_penalty: float | None = None,
) -> SeatingProblem:
    """Validate the inputs of :func:`seat` and build the :class:`SeatingProblem`."""
    if not isinstance(community, Community):
        raise TypeError(f"community must be a Community, not {type(community).__name__}")
    if int(rounds) < 1:
        raise InputError(f"rounds must be >= 1, not {rounds}", column="rounds")
    rounds = int(rounds)
    caps = _capacities(tables, table_size, capacities)
    T = len(caps)
    min_size = int(min_table_size or 0)
    if min_size > caps.max():
        raise InputError(f"min_table_size {min_size} exceeds every table's capacity", column="min_table_size")
    att = _attendance(attendance, community, rounds)
    locked_rows: dict[int, pd.DataFrame] = {}
    if locked is not None and len(locked):
        missing = {"round", "table", "member"} - set(locked.columns)
        if missing:
            raise InputError(f"locked rounds need columns round, table, member; missing {sorted(missing)}", file="locked")
        lname = str(locked.attrs.get("file", "locked"))
        locked = locked.astype({"member": str})
        for r, grp in locked.groupby("round"):
            r = int(r)
            if not 1 <= r <= rounds:
                raise InputError(f"locked plan has round {r}; rounds are 1..{rounds}", file=lname,
                                 row=int(grp[ROW].iloc[0]) if ROW in grp.columns else None, column="round")
            bad = grp[(grp["table"] < 1) | (grp["table"] > T)]
            if len(bad):
                row = int(bad[ROW].iloc[0]) if ROW in bad.columns else None
                raise InputError(f"locked plan has table {bad['table'].iloc[0]} (member {bad['member'].iloc[0]}, "
                                 f"round {r}); tables are 1..{T}", file=lname, row=row, column="table")
            unknown = [m for m in grp["member"] if m not in community]
            if unknown:
                raise InputError(f"locked plan names unknown member(s) {unknown[:5]}", file="locked", column="member")
            locked_rows[r] = grp
            att[r] = grp["member"].tolist()
    req = _requests(requests, hosts, community, T, rounds)
    everyone = set().union(*map(set, att.values()))
    members = [m for m in community.ids if m in everyone]
    n = len(members)
    pos = {m: i for i, m in enumerate(members)}
    attend = np.zeros((rounds, n), dtype=bool)
    for r, who in att.items():
        attend[r - 1, [pos[m] for m in who]] = True

    # together blocks (union-find) and apart sets
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in req.together:
        if a in pos and b in pos:
            parent[find(pos[a])] = find(pos[b])
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    blocks = sorted(groups.values())
    block_of = np.zeros(n, dtype=np.int64)
    for b, blk in enumerate(blocks):
        block_of[blk] = b
    apart: list[set[int]] = [set() for _ in range(n)]
    for a, b in req.apart:
        if a in pos and b in pos:
            ia, ib = pos[a], pos[b]
            if block_of[ia] == block_of[ib]:
                chain = [f"together {x}-{y}" for x, y in req.together if pos.get(x, -1) in blocks[block_of[ia]]]
                raise InfeasibleError(f"{a} and {b} are asked apart but linked by together requests", [f"apart {a}-{b}", *chain])
            apart[ia].add(ib)
            apart[ib].add(ia)

    # fixed tables: locked rounds, hosts, pins; spread to whole together-blocks
    fixed = np.full((rounds, n), -1, dtype=np.int64)
    why: dict[tuple[int, int], str] = {}

    def fix(r: int, i: int, t: int, reason: str) -> None:
        for j in blocks[block_of[i]]:
            if not attend[r, j]:
                continue
            if fixed[r, j] >= 0 and fixed[r, j] != t:
                raise InfeasibleError(
                    f"round {r + 1}: {members[j]} cannot be at table {fixed[r, j] + 1} and at table {t + 1}",
                    [why[(r, j)], reason],
                )
            fixed[r, j] = t
            why[(r, j)] = reason

    for r, grp in locked_rows.items():
        for m, t in zip(grp["member"], grp["table"], strict=True):
            fixed[r - 1, pos[m]] = int(t) - 1
            why[(r - 1, pos[m])] = f"locked round {r}"
    free_rounds = [r for r in range(rounds) if r + 1 not in locked_rows]
    for m, t in req.hosts.items():
        if m in pos:
            for r in free_rounds:
                if attend[r, pos[m]]:
                    fix(r, pos[m], t - 1, f"host {m} at table {t}")
    for m, t, rr in req.pins:
        if m in pos:
            for r in free_rounds if rr is None else [rr - 1]:
                if r in free_rounds and attend[r, pos[m]]:
                    fix(r, pos[m], t - 1, f"pin {m} -> table {t}" + ("" if rr is None else f", round {rr}"))
    # feasibility of the fixed part and of each round
    targets = np.zeros((rounds, T), dtype=np.int64)
    for r in range(rounds):
        n_r = int(attend[r].sum())
        for b in blocks:
            size = int(attend[r, b].sum())
            if size > caps.max():
                raise InfeasibleError(
                    f"round {r + 1}: {size} members kept together exceed the largest table ({caps.max()})",
                    [f"together {x}-{y}" for x, y in req.together if pos.get(x, -1) in b],
                )
        on = fixed[r][fixed[r] >= 0]
        counts = np.bincount(on, minlength=T)
        over = np.flatnonzero(counts > caps)
        if len(over):
            t = int(over[0])
            names = [why[(r, i)] for i in np.flatnonzero(fixed[r] == t)]
            raise InfeasibleError(f"round {r + 1}: {counts[t]} members fixed at table {t + 1} of {caps[t]} seats", names)
        for i in np.flatnonzero(fixed[r] >= 0):
            for j in apart[i]:
                if fixed[r, j] == fixed[r, i] and i < j and r not in locked_rows:
                    raise InfeasibleError(
                        f"round {r + 1}: {members[i]} and {members[j]} are asked apart but fixed at table {fixed[r, i] + 1}",
                        [f"apart {members[i]}-{members[j]}", why[(r, i)], why[(r, j)]],
                    )
        if n_r > caps.sum():
            raise InfeasibleError(f"round {r + 1}: {n_r} attendees for {caps.sum()} seats", [f"{T} tables"])
        if r + 1 in locked_rows:
            targets[r] = counts
        else:
            targets[r] = _targets(n_r, caps, counts > 0, min_size)
            targets[r] = np.maximum(targets[r], counts)
            _rebalance(targets[r], caps, n_r, counts)

    # objective
    together_pairs = req.together_pairs()
    if objective is None:
        spread_w = dict.fromkeys(spread, 1.0) if isinstance(spread, (list, tuple)) else dict(spread or {})
        objective = default_objective(community, "seating", pairs=pairs, history=history, together=together_pairs,
                                      spread=spread_w, needs=needs, repeat_penalty=repeat_penalty)
    elif together_pairs - objective.together:
        objective = Objective(objective.affinity, objective.needs, dict(objective.spread), objective.repeat_penalty,
                              set(objective.together) | together_pairs)
    for attr in objective.spread:
        if attr not in community.attributes:
            raise InputError(f"spread names {attr!r}; attributes are {community.attributes}", column="spread")
    aff = objective.affinity
    W = aff.dense(members)
    met = (aff.times_met(members).toarray() > 0) if len(aff.met) else np.zeros((n, n), dtype=bool)
    tg = np.zeros((n, n), dtype=bool)
    for blk in blocks:
        if len(blk) > 1:
            tg[np.ix_(blk, blk)] = True
    np.fill_diagonal(tg, False)
    met &= ~tg
    idx = community.index_of(members)
    offers = community.incidence("offers")[idx].toarray() > 0
    needs_m = community.incidence("needs")[idx].toarray() > 0
    prob = SeatingProblem(
        community=community, members=members, capacities=caps, rounds=rounds, attend=attend, fixed=fixed,
        locked_rounds={r - 1 for r in locked_rows}, min_size=min_size, objective=objective, requests=req,
        blocks=blocks, block_of=block_of, apart=apart, weights=W, met_before=met, together=tg,
        offers=offers, needs=needs_m, targets=targets,
    )
    for attr, w in objective.spread.items():
        prob.spread_codes.append(community.attribute_codes(attr)[idx])
        prob.spread_weights.append(float(w))
        prob.spread_names.append(attr)
    return prob


def _rebalance(target: np.ndarray, caps: np.ndarray, n_r: int, counts: np.ndarray) -> None:
    """Make ``target`` sum to ``n_r`` after raising tables to their fixed counts."""
    excess = int(target.sum()) - n_r
    while excess > 0:
        cand = np.flatnonzero(target > counts)
        if not len(cand):
            break
        t = cand[np.argmax(target[cand])]
        target[t] -= 1
        excess -= 1


# ---------------------------------------------------------------------------------------------
# The state: a seating with every term maintained incrementally
# ---------------------------------------------------------------------------------------------
class _State:
    """A full seating (rounds x n table indices) with exact incremental objective terms.

    Pair counts live in a dense matrix (numpy); needs and spread counts, touched a few at a
    time, in plain Python dicts (faster than numpy for single cells).
    """

    def __init__(self, prob: SeatingProblem, repeat_weight: float = 1.0) -> None:
        self.p = prob
        n, R, T = prob.n, prob.rounds, prob.n_tables
        self.tab = np.full((R, n), -1, dtype=np.int64)
        self.at: list[list[list[int]]] = [[[] for _ in range(T)] for _ in range(R)]
        self.C = np.zeros((n, n), dtype=np.int16)
        self.need_list = [list(map(int, np.flatnonzero(row))) for row in prob.needs]
        self.offer_list = [list(map(int, np.flatnonzero(row))) for row in prob.offers]
        self.offer_set = [set(x) for x in self.offer_list]
        self.NC: list[dict[int, int]] = [dict.fromkeys(ks, 0) for ks in self.need_list]  # covering tablemates
        self.TO: list[list[dict[int, int]]] = [[{} for _ in range(T)] for _ in range(R)]  # offers at a table
        self.SC: list[list[list[dict[int, int]]]] = [[[{} for _ in range(T)] for _ in range(R)] for _ in prob.spread_codes]
        self.codes = [list(map(int, c)) for c in prob.spread_codes]
        self.W = prob.weights
        self.H = prob.met_before
        self.TG = prob.together
        self.has_h = bool(prob.met_before.any())
        self.has_tg = bool(prob.together.any())
        self.needs_w = float(prob.objective.needs)
        self.pairs = 0.0
        self.covered = 0
        self.spread = [0.0 for _ in prob.spread_codes]
        self.repeats = 0

    # ---- totals
    def value(self) -> float:
        """Objective without the repeats term."""
        return self.pairs + self.needs_w * self.covered + sum(self.spread)

    def total(self) -> float:
        return self.value() - self.p.objective.repeat_penalty * self.repeats

    def key(self) -> tuple[int, float]:
        """Smaller is better: any plan without repeats first, then the objective."""
        return (int(self.repeats > 0), -self.total())

    def _repeat_flags(self, i: int, m: np.ndarray, c: np.ndarray, first: int) -> int:
        """Repeats added (first=1) or removed (first=2) when ``i`` joins or leaves ``m`` (pair counts ``c``).

        As in :meth:`Objective.repeats`: a meeting beyond a pair's first, plus every meeting of
        a pair that met before; pairs kept together never count.
        """
        rep = c >= first
        if self.has_tg:
            rep &= ~self.TG[i, m]
        return int(rep.sum()) + (int(self.H[i, m].sum()) if self.has_h else 0)

    # ---- elementary moves (exact)
    def add(self, i: int, r: int, t: int) -> tuple[float, int]:
        """Seat ``i`` at table ``t`` of round ``r``; return (value delta, repeats delta)."""
        mates = self.at[r][t]
        offered = self.TO[r][t]
        dp, dc, dr = 0.0, 0, 0
        if mates:
            m = np.asarray(mates)
            c = self.C[i, m]
            dp = float(self.W[i, m][c == 0].sum())
            dr = self._repeat_flags(i, m, c, 1)
            self.C[i, m] = c + 1
            self.C[m, i] = c + 1
            nc = self.NC[i]
            for k in self.need_list[i]:
                got = offered.get(k, 0)
                if got:
                    if nc[k] == 0:
                        dc += 1
                    nc[k] += got
            offs = self.offer_set[i]
            if offs:
                NC = self.NC
                for j in mates:
                    ncj = NC[j]
                    for k in self.need_list[j]:
                        if k in offs:
                            if ncj[k] == 0:
                                dc += 1
                            ncj[k] += 1
        for k in self.offer_list[i]:
            offered[k] = offered.get(k, 0) + 1
        ds = self._spread_change(i, r, t, +1) if self.codes else 0.0
        mates.append(i)
        self.tab[r, i] = t
        self.pairs += dp
        self.covered += dc
        self.repeats += dr
        return dp + self.needs_w * dc + ds, dr

    def remove(self, i: int, r: int) -> tuple[float, int]:
        """Unseat ``i`` in round ``r``; return (value delta, repeats delta)."""
        t = int(self.tab[r, i])
        mates = self.at[r][t]
        mates.remove(i)
        offered = self.TO[r][t]
        for k in self.offer_list[i]:
            offered[k] -= 1
        dp, dc, dr = 0.0, 0, 0
        if mates:
            m = np.asarray(mates)
            c = self.C[i, m]
            dp = -float(self.W[i, m][c == 1].sum())
            dr = -self._repeat_flags(i, m, c, 2)
            self.C[i, m] = c - 1
            self.C[m, i] = c - 1
            nc = self.NC[i]
            for k in self.need_list[i]:
                got = offered.get(k, 0)
                if got:
                    nc[k] -= got
                    if nc[k] == 0:
                        dc -= 1
            offs = self.offer_set[i]
            if offs:
                NC = self.NC
                for j in mates:
                    ncj = NC[j]
                    for k in self.need_list[j]:
                        if k in offs:
                            ncj[k] -= 1
                            if ncj[k] == 0:
                                dc -= 1
        ds = self._spread_change(i, r, t, -1) if self.codes else 0.0
        self.tab[r, i] = -1
        self.pairs += dp
        self.covered += dc
        self.repeats += dr
        return dp + self.needs_w * dc + ds, dr

    def _spread_change(self, i: int, r: int, t: int, sign: int) -> float:
        """Update the value counts of table ``t``; the change of the spread terms.

        A table's spread is ``max(distinct values - 1, 0)``: it changes only when a value
        appears or disappears at a table that keeps (or had) another value.
        """
        total = 0.0
        for a, codes in enumerate(self.codes):
            v = codes[i]
            if v < 0:
                continue
            counts = self.SC[a][r][t]
            d = len(counts)
            if sign > 0:
                if v in counts:
                    counts[v] += 1
                    continue
                counts[v] = 1
                delta = 1.0 if d >= 1 else 0.0
            else:
                if counts[v] > 1:
                    counts[v] -= 1
                    continue
                del counts[v]
                delta = -1.0 if d >= 2 else 0.0
            delta *= self.p.spread_weights[a]
            self.spread[a] += delta
            total += delta
        return total

    def swap_delta(self, i: int, j: int, r: int) -> tuple[float, int]:
        """(value delta, repeats delta) of swapping ``i`` and ``j`` (other tables of round ``r``), read-only."""
        a, b = int(self.tab[r, i]), int(self.tab[r, j])
        A = [k for k in self.at[r][a] if k != i]
        B = [k for k in self.at[r][b] if k != j]
        la, lb = len(A), len(B)
        rows = np.asarray([i] * (la + lb) + [j] * (la + lb), dtype=np.int64)
        cols = np.asarray(A + B + B + A, dtype=np.int64)
        c = self.C[rows, cols]
        w = self.W[rows, cols]
        leave = np.zeros(len(rows), dtype=bool)
        leave[:la] = True
        leave[la + lb: la + 2 * lb] = True
        dp = float(w[~leave & (c == 0)].sum() - w[leave & (c == 1)].sum())
        rep_add = ~leave & (c >= 1)
        rep_rem = leave & (c >= 2)
        if self.has_tg:
            tg = self.TG[rows, cols]
            rep_add &= ~tg
            rep_rem &= ~tg
        dr = int(rep_add.sum()) - int(rep_rem.sum())
        if self.has_h:
            h = self.H[rows, cols]
            dr += int((h & ~leave).sum()) - int((h & leave).sum())
        dc = 0
        if self.needs_w:
            ta, tb = self.TO[r][a], self.TO[r][b]
            oi, oj = self.offer_set[i], self.offer_set[j]
            for x, ox, here, there, oy in ((i, oi, ta, tb, oj), (j, oj, tb, ta, oi)):
                ncx = self.NC[x]
                for k in self.need_list[x]:
                    old = ncx[k]
                    # x leaves its table (loses its offers but its own) and joins the other (without y)
                    new = old - (here.get(k, 0) - (k in ox)) + (there.get(k, 0) - (k in oy))
                    dc += (new > 0) - (old > 0)
            if oi != oj:
                diff = oi ^ oj
                for mates, sign in ((A, 1), (B, -1)):
                    for m in mates:
                        ncm = self.NC[m]
                        for k in self.need_list[m]:
                            if k in diff:
                                old = ncm[k]
                                new = old + sign * ((k in oj) - (k in oi))
                                dc += (new > 0) - (old > 0)
        ds = 0.0
        for x, codes in enumerate(self.codes):
            vi, vj = codes[i], codes[j]
            if vi == vj:
                continue
            for t, out_, in_ in ((a, vi, vj), (b, vj, vi)):
                counts = self.SC[x][r][t]
                d_old = len(counts)
                d_new = d_old
                if out_ >= 0 and counts[out_] == 1:
                    d_new -= 1
                if in_ >= 0 and in_ not in counts:
                    d_new += 1
                ds += self.p.spread_weights[x] * (max(d_new - 1, 0) - max(d_old - 1, 0))
        return dp + self.needs_w * dc + ds, dr

    def swap(self, i: int, j: int, r: int) -> tuple[float, int]:
        a, b = int(self.tab[r, i]), int(self.tab[r, j])
        v1, r1 = self.remove(i, r)
        v2, r2 = self.remove(j, r)
        v3, r3 = self.add(i, r, b)
        v4, r4 = self.add(j, r, a)
        return v1 + v2 + v3 + v4, r1 + r2 + r3 + r4

    def load(self, tab: np.ndarray) -> None:
        """Replace the seating by ``tab`` (rounds x n), only touching members who move."""
        for r in range(self.p.rounds):
            diff = np.flatnonzero(self.tab[r] != tab[r])
            for i in diff:
                if self.tab[r, i] >= 0:
                    self.remove(int(i), r)
            for i in diff:
                if tab[r, i] >= 0:
                    self.add(int(i), r, int(tab[r, i]))

    def apart_ok(self, i: int, r: int, t: int, leaving: int = -1) -> bool:
        return all(self.tab[r, j] != t or j == leaving for j in self.p.apart[i])


# ---------------------------------------------------------------------------------------------
# Construction
# ---------------------------------------------------------------------------------------------
def _greedy(state: _State, rng: np.random.Generator, rounds: Iterable[int], *, random_order: bool = False) -> None:
    """Seat every unseated attendee of ``rounds``, block by block, at the best table with room."""
    p = state.p
    T = p.n_tables
    big = 1e3 * (1.0 + float(np.abs(p.weights).max(initial=0.0)))
    for r in rounds:
        for i in np.flatnonzero(p.fixed[r] >= 0):
            if state.tab[r, i] < 0:
                state.add(int(i), r, int(p.fixed[r, i]))
        target = p.targets[r]
        sizes = np.bincount(state.tab[r][state.tab[r] >= 0], minlength=T)
        todo = []
        for blk in p.blocks:
            who = [i for i in blk if p.attend[r, i] and state.tab[r, i] < 0]
            if who:
                todo.append(who)
        keys = rng.random(len(todo))
        order = sorted(range(len(todo)), key=lambda b: (-len(todo[b]), -sum(len(p.apart[i]) for i in todo[b]), keys[b]))
        onehot = np.zeros((p.n, T))
        seated = np.flatnonzero(state.tab[r] >= 0)
        onehot[seated, state.tab[r, seated]] = 1.0
        for b in order:
            who = todo[b]
            s = len(who)
            room = target - sizes
            allowed = np.ones(T, dtype=bool)
            for i in who:
                for j in p.apart[i]:
                    if state.tab[r, j] >= 0:
                        allowed[state.tab[r, j]] = False
            ok = (room >= s) & allowed
            if not ok.any():  # beyond the balanced size, up to the capacity (after the apart filter)
                ok = (p.capacities - sizes >= s) & allowed
            if not ok.any():  # a dead end of the greedy order: seat the round exactly, or name the conflict
                _seat_round_exactly(state, r)
                break
            if random_order:
                score = rng.random(T)
            else:
                score = np.zeros(T)
                for i in who:
                    gain = np.where(state.C[i] == 0, p.weights[i], 0.0)
                    gain = gain - big * (((state.C[i] >= 1) | p.met_before[i]) & ~p.together[i])
                    score += gain @ onehot
                    uncovered = [k for k in state.need_list[i] if state.NC[i][k] == 0]
                    if uncovered and state.needs_w:
                        score += state.needs_w * np.asarray(
                            [sum(1 for k in uncovered if offered.get(k)) for offered in state.TO[r]])
                    for a, codes in enumerate(state.codes):
                        v = codes[i]
                        if v >= 0:
                            fresh = np.asarray([bool(counts) and v not in counts for counts in state.SC[a][r]])
                            score += p.spread_weights[a] * fresh
                score -= 1e-6 * sizes  # ties: the emptier table
            score[~ok] = -np.inf
            t = int(np.argmax(score))
            for i in who:
                state.add(i, r, t)
                onehot[i, t] = 1.0
            sizes[t] += s
        if p.min_size > 1 and r not in p.locked_rounds:  # beyond-target seats may leave a table short
            sizes = np.bincount(state.tab[r][state.tab[r] >= 0], minlength=T)
            if ((sizes > 0) & (sizes < p.min_size)).any():
                _seat_round_exactly(state, r)


def _seat_round_exactly(state: _State, r: int) -> None:
    """Seat round ``r`` afresh with a CP-SAT feasibility model, or raise naming the conflicting requests.

    Every request of the round is an assumption literal (together, apart, pins, hosts, the
    minimum per table; the seat count and capacities are hard), so that an infeasible round
    names a set of requests that cannot hold together.
    """
    from ortools.sat.python import cp_model

    p = state.p
    T = p.n_tables
    pos = {m: i for i, m in enumerate(p.members)}
    here = [int(i) for i in np.flatnonzero(p.attend[r])]
    model = cp_model.CpModel()
    x = {(i, t): model.NewBoolVar(f"x{i}_{t}") for i in here for t in range(T)}
    for i in here:
        model.AddExactlyOne(x[i, t] for t in range(T))
    named: list[tuple[object, str]] = []

    def request(name: str) -> object:
        lit = model.NewBoolVar(name)
        named.append((lit, name))
        return lit

    for t in range(T):
        load = sum(x[i, t] for i in here)
        model.Add(load <= int(p.capacities[t]))
    if p.min_size > 1:
        lit = request(f"min_table_size={p.min_size}")
        for t in range(T):
            open_ = model.NewBoolVar("")
            load = sum(x[i, t] for i in here)
            model.Add(load >= p.min_size).OnlyEnforceIf([open_, lit])
            model.Add(load == 0).OnlyEnforceIf(open_.Not())
    for a, b in p.requests.together:
        ia, ib = pos.get(a, -1), pos.get(b, -1)
        if ia >= 0 and ib >= 0 and p.attend[r, ia] and p.attend[r, ib]:
            lit = request(f"together {a}-{b}")
            for t in range(T):
                model.Add(x[ia, t] == x[ib, t]).OnlyEnforceIf(lit)
    for a, b in p.requests.apart:
        ia, ib = pos.get(a, -1), pos.get(b, -1)
        if ia >= 0 and ib >= 0 and p.attend[r, ia] and p.attend[r, ib]:
            lit = request(f"apart {a}-{b}")
            for t in range(T):
                model.AddBoolOr([x[ia, t].Not(), x[ib, t].Not()]).OnlyEnforceIf(lit)
    for m, t, rr in p.requests.pins:
        if m in pos and p.attend[r, pos[m]] and (rr is None or rr == r + 1):
            model.Add(x[pos[m], t - 1] == 1).OnlyEnforceIf(request(f"pin {m} -> table {t}" + ("" if rr is None else f", round {rr}")))
    for m, t in p.requests.hosts.items():
        if m in pos and p.attend[r, pos[m]]:
            model.Add(x[pos[m], t - 1] == 1).OnlyEnforceIf(request(f"host {m} at table {t}"))
    model.AddAssumptions([lit for lit, _ in named])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30.0
    status = solver.Solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for i in np.flatnonzero(state.tab[r] >= 0):
            state.remove(int(i), r)
        for i in here:
            state.add(i, r, next(t for t in range(T) if solver.Value(x[i, t])))
        return
    if status == cp_model.INFEASIBLE:
        core = set(solver.SufficientAssumptionsForInfeasibility())
        names = [name for lit, name in named if lit.Index() in core] or [f"{len(here)} attendees", f"{T} tables"]
        raise InfeasibleError(f"round {r + 1}: the requests cannot all hold (capacities {list(map(int, p.capacities))})",
                              names)
    raise InfeasibleError(f"round {r + 1}: no seating found for the requests in 30 s (capacities and requests)",
                          [name for _, name in named])


# ---------------------------------------------------------------------------------------------
# Design start: a resolvable transversal design (zero repeats by construction)
# ---------------------------------------------------------------------------------------------
def galois_field(q: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Addition and multiplication tables of GF(q), or None when ``q`` is not a prime power.

    Elements are ``0..q-1``, read as polynomials over GF(p) (base-``p`` digits), multiplied
    modulo the first irreducible monic polynomial of degree ``k`` (``q = p**k``).

    Examples
    --------
    >>> add, mul = galois_field(8)
    >>> sorted(set(mul[3, 1:].tolist())) == list(range(1, 8))  # no zero divisors
    True
    >>> galois_field(6) is None
    True
    """
    if q < 2:
        return None
    p = next(d for d in range(2, q + 1) if q % d == 0)
    k, rest = 0, q
    while rest % p == 0:
        rest //= p
        k += 1
    if rest != 1:
        return None

    def digits(x: int) -> list[int]:
        return [(x // p**i) % p for i in range(k)]

    def polymod(coeffs: list[int], mod: list[int]) -> list[int]:
        coeffs = coeffs[:]
        for deg in range(len(coeffs) - 1, len(mod) - 2, -1):
            c = coeffs[deg] % p
            if c:
                for i, m in enumerate(mod):
                    coeffs[deg - len(mod) + 1 + i] = (coeffs[deg - len(mod) + 1 + i] - c * m) % p
        return [c % p for c in coeffs[: len(mod) - 1]]

    def is_irreducible(poly: list[int]) -> bool:  # monic, degree k: no monic factor of degree 1..k/2
        for d in range(1, k // 2 + 1):
            for low in range(p**d):
                f = [(low // p**i) % p for i in range(d)] + [1]
                if not any(polymod(poly, f)):
                    return False
        return True

    mod = [1, 1] if k == 1 else next(
        poly for low in range(p**k) for poly in [[(low // p**i) % p for i in range(k)] + [1]] if is_irreducible(poly)
    )
    add = np.zeros((q, q), dtype=np.int64)
    mul = np.zeros((q, q), dtype=np.int64)
    for a in range(q):
        da = digits(a)
        for b in range(q):
            db = digits(b)
            add[a, b] = sum(((da[i] + db[i]) % p) * p**i for i in range(k))
            prod = [0] * (2 * k - 1)
            for i in range(k):
                for j in range(k):
                    prod[i + j] += da[i] * db[j]
            red = polymod(prod, mod) if k > 1 else [prod[0] % p]
            mul[a, b] = sum(c * p**i for i, c in enumerate(red))
    return add, mul


def _design_start(prob: SeatingProblem, rng: np.random.Generator) -> np.ndarray | None:
    """A zero-repeat seating from the affine resolvable design over GF(q), when the event fits.

    With ``q`` tables (a prime power) and at most ``s <= q`` per table, members become points
    ``(x, y)`` of GF(q) x {0..s-1}; in the round of slope ``m`` point ``(x, y)`` sits at table
    ``x - m y``: two points of different columns share a table in exactly one slope, points of
    one column never. When ``s`` divides ``q`` one more round seats each column in blocks of
    ``s`` (those pairs never met). Used only for plain events (everyone every round, equal
    tables, no pins, hosts, together or locked rounds); returns None otherwise.
    """
    n, T, R = prob.n, prob.n_tables, prob.rounds
    if prob.locked_rounds or (prob.fixed >= 0).any() or any(len(b) > 1 for b in prob.blocks):
        return None
    if not prob.attend.all() or prob.met_before.any():
        return None
    s = -(-n // T)
    if s > T or s < 2 or (prob.capacities < s).any() or s - 1 < prob.min_size and n % T:
        return None
    column_round = T % s == 0 and n == T * s
    max_rounds = T + int(column_round)
    if max_rounds < R:
        return None
    field_ = galois_field(T)
    if field_ is None:
        return None
    add, mul = field_
    neg = np.asarray([int(np.flatnonzero(add[a] == 0)[0]) for a in range(T)])
    points = [(x, y) for y in range(s) for x in range(T)][:n]
    order = rng.permutation(n)
    tab = np.full((R, n), -1, dtype=np.int64)
    slopes = list(range(T))
    for r in range(R):
        for member, (x, y) in zip(order, points, strict=True):
            if r < T:
                tab[r, member] = add[x, neg[mul[slopes[r], y]]]
            else:
                tab[r, member] = y * (T // s) + x // s
    for r in range(R):
        if (np.bincount(tab[r], minlength=T) < max(prob.min_size, 1)).any():
            return None
    return tab


# ---------------------------------------------------------------------------------------------
# Repeat repair: conflict-directed tabu search (social-golfer style)
# ---------------------------------------------------------------------------------------------
def _movable(p: SeatingProblem, r: int | None = None) -> np.ndarray:
    """Members a search may move in round ``r`` (every round: rounds x n): attending, not fixed,
    not in a together-block, not in a locked round."""
    single = np.asarray([len(p.blocks[b]) == 1 for b in p.block_of], dtype=bool)
    free = p.attend & (p.fixed < 0) & single
    free[sorted(p.locked_rounds)] = False
    return free if r is None else free[r]


def _repair_repeats(state: _State, seed: int, deadline: float, max_iter: int, give_up: int = 10_000,
                    search: _Search | None = None) -> None:
    """Swap members to remove repeated encounters (the compiled tabu search, see
    :func:`matchmaking.solvers._seating_kernel.tabu`): stops at zero repeats, the deadline,
    ``max_iter`` iterations, ``give_up`` iterations without fewer repeats, or when ``search``'s
    callback asks to stop (it hears of the walk whenever the fewest repeats found drops). The
    state ends at the plan with the fewest repeats.
    """
    from matchmaking.solvers import _seating_kernel as K

    p = state.p
    rounds = [r for r in range(p.rounds) if r not in p.locked_rounds]
    if not rounds:
        return
    kern = K.Kernel(p, state.tab)
    search_ = K.Tabu(kern, rounds, _movable(p), seed)
    done = last_gain = 0
    chunk = 50
    best_rep = kern.repeats
    while kern.repeats > 0 and done < max_iter and done - last_gain < give_up and time.perf_counter() < deadline:
        if search is not None and search.stopped:
            break
        t = time.perf_counter()
        step = min(chunk, max_iter - done)
        done += search_.run(step)
        if search_.best_repeats < best_rep:
            best_rep, last_gain = search_.best_repeats, done
            if search is not None:
                search.record(total=kern.total(), repeats=kern.repeats)
        # chunks of about a tenth of a second; with a fixed effort, fixed chunks (the stopping
        # tests run between chunks, so their sizes must not depend on the clock)
        if search is None or search.max_iterations is None:
            chunk = int(min(max(step * 0.1 / max(time.perf_counter() - t, 1e-6), 10), 20_000))
    state.load(search_.best_tab)


# ---------------------------------------------------------------------------------------------
# Improvement: simulated annealing with restarts, lexicographic in (repeats, -value)
# ---------------------------------------------------------------------------------------------
@dataclass
class _Search:
    """Bookkeeping shared by the improvement phases: best plan, progress, callback, stopping."""

    state: _State
    t0: float
    deadline: float
    bound: float
    callback: Callable[[dict], object] | None = None
    best_key: tuple[int, float] = (0, 0.0)
    best_tab: np.ndarray = None
    progress: list[tuple[float, float, float]] = field(default_factory=list)
    iterations: int = 0
    max_iterations: int | None = None
    stopped: bool = False
    cancelled: bool = False  # the callback returned False: stop, and call it no more
    _last_call: float = -1.0

    def __post_init__(self) -> None:
        self.best_key = self.state.key()
        self.best_tab = self.state.tab.copy()
        self.record(force=True)
        self._check_bound()

    def _check_bound(self) -> None:
        """Stop once the best plan reaches the proven bound: nothing better exists."""
        if self.state.total() >= self.bound - 1e-9 * max(1.0, abs(self.bound)):
            self.stopped = True

    def out_of_budget(self) -> bool:
        if self.stopped or time.perf_counter() >= self.deadline:
            return True
        return self.max_iterations is not None and self.iterations >= self.max_iterations

    def improved(self) -> bool:
        key = self.state.key()
        if key < (self.best_key[0], self.best_key[1] - 1e-9):
            self.best_key = key
            self.best_tab = self.state.tab.copy()
            self.record()
            self._check_bound()
            return True
        return False

    def record(self, force: bool = False, total: float | None = None, repeats: int | None = None) -> None:
        """Note the progress (the current plan's total unless ``total`` is given); call the callback."""
        now = time.perf_counter() - self.t0
        if total is None:
            total, repeats = self.state.total(), self.state.repeats
        if force or not self.progress or now - self.progress[-1][0] >= 0.05:
            self.progress.append((now, total, self.bound))
        else:
            self.progress[-1] = (self.progress[-1][0], total, self.bound)
        if self.callback is not None and not self.cancelled and (force or now - self._last_call >= 0.25):
            self._last_call = now
            info = {"time": now, "objective": total, "bound": self.bound, "repeats": repeats,
                    "iteration": self.iterations}
            if self.callback(info) is False:
                self.stopped = self.cancelled = True


_WARM = False


def warm_up() -> float:
    """Compile the seating search kernel (or load it from numba's cache): seconds it took.

    Done once per process, before :func:`seat` starts its clock: the first solve on a new
    machine compiles for about 10 s (``make setup`` does it once), later processes load the
    cached machine code in a fraction of a second.

    Examples
    --------
    >>> from matchmaking.solvers.seating import warm_up
    >>> warm_up() >= 0.0
    True
    """
    global _WARM
    if _WARM:
        return 0.0
    from matchmaking.datasets import synthetic_community

    _WARM = True
    t = time.perf_counter()
    # 12 people at 3 tables of 4 for 3 rounds must repeat: both compiled phases run
    prob = build_problem(synthetic_community(12, seed=0), tables=3, table_size=4, rounds=3, spread=["sector"])
    state = _State(prob)
    _greedy(state, np.random.default_rng(0), range(prob.rounds))
    _repair_repeats(state, 0, math.inf, max_iter=10)
    _anneal(_Search(state, t, math.inf, math.inf, max_iterations=1000), 0, guide=0.5)
    return time.perf_counter() - t


def _anneal(search: _Search, seed: int, *, guide: float = 0.5, trade_repeats: bool = False,
            temperatures: tuple[float, float] | None = None, p_move: float = 0.1, p_group: float = 0.1) -> None:
    """Simulated annealing over swaps and moves (the compiled kernel), one geometric cooling.

    The walk maximises the value minus a penalty per repeat (the objective's, at least twice
    the starting temperature) with the Metropolis rule, so it may pass through plans with
    repeats; the best plan is kept lexicographically (fewest repeats, then most value). A share
    ``guide`` of the proposals is guided: member ``i`` goes to the table of one of its best
    partners (swapping with someone there); the rest are uniform; a share ``p_move`` are moves
    to a table with room, and a share ``p_group`` swap a together-block with as many free
    members of another table. The starting temperature follows the typical change in value
    (hotter with ``trade_repeats``: repeats are unavoidable and the walk must trade them
    against value), unless ``temperatures`` (start, end) are given.

    Budget: ``search.max_iterations`` proposals when set (the cooling follows the count: the
    same seed gives the same plan), else the clock up to ``search.deadline``. The kernel runs in
    chunks; between chunks the callback hears of improvements and may stop the search.
    """
    from matchmaking.solvers import _seating_kernel as K

    state, p = search.state, search.state.p
    rounds = [r for r in range(p.rounds) if r not in p.locked_rounds]
    k = min(_PARTNERS, p.n - 1)
    partners = np.argpartition(-p.weights, k, axis=1)[:, :k] if guide > 0 and k > 0 else None
    arrays = K.search_arrays(p, rounds, _movable(p), partners)
    if not len(arrays["slot_r"]) and not len(arrays["grp_r"]):
        return
    kern = K.Kernel(p, state.tab)
    rng = K.rng_state(seed)
    best_tab = kern.tab.copy()
    best = np.asarray([float(kern.repeats > 0), kern.total(), 0.0, kern.repeats])
    moves = {"guide": guide, "p_move": p_move, "p_group": p_group}
    if temperatures is None:
        samples = np.zeros(200)
        got = K.run_anneal(kern, arrays, rng, n_iter=2000, t_from=1.0, t_to=1.0, lam=0.0, best_tab=best_tab,
                           best=best, probe=samples, **moves)
        t_hi = (1.0 if trade_repeats else _HEAT) * float(np.median(samples[:got])) if got else 1.0
        t_lo = t_hi / _COOL
    else:
        t_hi, t_lo = temperatures
    lam = max(float(p.objective.repeat_penalty), 2.0 * t_hi)
    budget = None if search.max_iterations is None else max(search.max_iterations - search.iterations, 0)
    start = time.perf_counter()
    span = max(search.deadline - start, 1e-3)
    done, chunk, reported = 0, 20_000, None
    while not search.out_of_budget():
        if budget is not None:
            if done >= budget:
                break
            chunk = min(100_000, budget - done)
            f0, f1 = done / budget, (done + chunk) / budget
        else:
            elapsed = time.perf_counter() - start
            f0 = elapsed / span
            if done:  # chunks of about a tenth of a second at the measured speed
                rate = done / max(elapsed, 1e-6)
                chunk = int(min(max(rate * 0.1, 1000), 2_000_000))
                f1 = (elapsed + chunk / rate) / span
            else:
                f1 = f0
            f0, f1 = min(f0, 1.0), min(f1, 1.0)
        K.run_anneal(kern, arrays, rng, n_iter=chunk, t_from=t_hi * (t_lo / t_hi) ** f0,
                     t_to=t_hi * (t_lo / t_hi) ** f1, lam=lam, best_tab=best_tab, best=best, **moves)
        done += chunk
        search.iterations += chunk
        if best[1] != reported:
            reported = best[1]
            search.record(total=float(best[1]), repeats=int(best[3]))
    state.load(best_tab)
    search.improved()
    state.load(search.best_tab)


# ---------------------------------------------------------------------------------------------
# Large-neighbourhood search: re-seat a few tables of a round exactly with CP-SAT
# ---------------------------------------------------------------------------------------------
_DEBUG = False
_GUIDE = 0.8
_PARTNERS = 20
_HEAT = 1.0
_COOL = 300.0  # starting over final temperature
_LNS_SHARE = 0.1  # of the time after the repair, for CP-SAT re-solving tables
_SCALE = 1000  # CP-SAT needs integers: values in thousandths (acceptance uses the exact evaluation)


def _resolve_tables(state: _State, r: int, tables: list[int], *, time_limit: float, seed: int,
                    workers: int, wall: float | None = None) -> tuple[bool, bool]:
    """Re-seat the movable members of ``tables`` in round ``r`` optimally (CP-SAT); keep if better.

    The sub-model is exact for the terms the round's seating changes: ``x[i, t]`` places member
    ``i`` at table ``t``; a pair at a table earns its value when it never met elsewhere, and
    costs a (lexicographically large) repeat otherwise; a need is covered when a tablemate
    offers it and no other round covers it; each table's distinct attribute values earn the
    spread weight. A together-block moves as one unit (one variable per block and table, its
    size counted at the table). Table sizes, pins, hosts and apart requests are kept. The
    current seating is the hint. Returns ``(improved, proven)``: whether the plan improved, and
    whether CP-SAT proved the neighbourhood's seating optimal (with every value a whole number
    of thousandths, so that the integer model is exact). ``time_limit`` is CP-SAT's
    deterministic time; the wall-clock limit is ``wall`` (default the same): with a larger
    ``wall`` the result does not depend on the machine's speed.
    """
    from ortools.sat.python import cp_model

    p = state.p
    at = state.at[r]
    single = lambda i: p.fixed[r, i] < 0  # noqa: E731  (pins and hosts fix a whole together-block)
    movers = [i for t in tables for i in at[t] if single(i)]
    unit = {i: int(p.block_of[i]) for i in movers}  # a together-block moves as one unit
    units = sorted(set(unit.values()))
    if len(units) < 2:
        return False, False
    stay = {t: [i for i in at[t] if not single(i)] for t in tables}
    size = {t: len(at[t]) for t in tables}
    where = {i: int(state.tab[r, i]) for i in movers}
    everyone = movers + [i for t in tables for i in stay[t]]
    idx = np.asarray(everyone)
    same_now = (state.tab[r, idx][:, None] == state.tab[r, idx][None, :])
    c_out = state.C[np.ix_(idx, idx)] - same_now.astype(np.int16)  # meetings in the other rounds
    np.fill_diagonal(c_out, 0)
    loc = {m: k for k, m in enumerate(everyone)}
    big = _SCALE * 100 * (1 + int(np.abs(p.weights).max(initial=0)))

    def pair_gain(i: int, j: int) -> int:
        a, b = loc[i], loc[j]
        gain = round(_SCALE * p.weights[i, j]) if c_out[a, b] == 0 else 0
        reps = (int(c_out[a, b] >= 1) if not p.together[i, j] else 0) + int(p.met_before[i, j])
        return gain - big * reps

    model = cp_model.CpModel()
    xu = {(u, t): model.NewBoolVar(f"x{u}_{t}") for u in units for t in tables}
    x = {(i, t): xu[unit[i], t] for i in movers for t in tables}
    for u in units:
        model.AddExactlyOne(xu[u, t] for t in tables)
    hinted = set()
    for i in movers:
        for t in tables:
            if unit[i] not in hinted:
                model.AddHint(x[i, t], where[i] == t)
            if any(j in p.apart[i] for j in stay[t]):
                model.Add(x[i, t] == 0)
        hinted.add(unit[i])
    for t in tables:
        model.Add(sum(x[i, t] for i in movers) == size[t] - len(stay[t]))
    terms = []
    for a_, i in enumerate(movers):
        for t in tables:
            lin = sum(pair_gain(i, f) for f in stay[t])
            if lin:
                terms.append(lin * x[i, t])
        for j in movers[a_ + 1:]:
            if unit[j] == unit[i]:
                continue  # always together: a constant
            g = pair_gain(i, j)
            apart = j in p.apart[i]
            if g == 0 and not apart:
                continue
            for t in tables:
                if apart:
                    model.AddBoolOr([x[i, t].Not(), x[j, t].Not()])
                    continue
                y = model.NewBoolVar("")
                if g > 0:
                    model.AddImplication(y, x[i, t])
                    model.AddImplication(y, x[j, t])
                else:
                    model.AddBoolOr([x[i, t].Not(), x[j, t].Not(), y])
                terms.append(g * y)
    # needs not covered by any other round
    if state.needs_w:
        w_need = round(_SCALE * state.needs_w)
        for i in everyone:
            mine = int(state.tab[r, i])
            offered_here = state.TO[r][mine]
            for k in state.need_list[i]:
                others_here = offered_here.get(k, 0) - (k in state.offer_set[i])
                if state.NC[i][k] - others_here > 0:
                    continue  # covered in another round whatever happens here
                cover = []
                for t in tables:
                    fixed_offer = any(k in state.offer_set[f] for f in stay[t] if f != i)
                    offerers = [x[j, t] for j in movers if j != i and k in state.offer_set[j]]
                    if (i not in where and t != mine) or (not fixed_offer and not offerers):
                        continue
                    c = model.NewBoolVar("")
                    if i in where:
                        model.AddImplication(c, x[i, t])
                    if not fixed_offer:
                        model.AddBoolOr([c.Not(), *offerers])
                    cover.append(c)
                if cover:
                    got = model.NewBoolVar("")
                    model.AddBoolOr([got.Not(), *cover])
                    terms.append(w_need * got)
    # spread: distinct values per table
    for a_, codes in enumerate(state.codes):
        w = round(_SCALE * p.spread_weights[a_])
        for t in tables:
            fixed_values = {codes[f] for f in stay[t] if codes[f] >= 0}
            by_value: dict[int, list] = {}
            for i in movers:
                if codes[i] >= 0 and codes[i] not in fixed_values:
                    by_value.setdefault(codes[i], []).append(x[i, t])
            for lits in by_value.values():
                present = model.NewBoolVar("")
                model.AddBoolOr([present.Not(), *lits])
                terms.append(w * present)
    model.Maximize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit if wall is None else wall, 0.05)
    solver.parameters.max_deterministic_time = max(time_limit, 0.05)
    solver.parameters.num_workers = max(1, int(workers))
    solver.parameters.random_seed = int(seed)
    status = solver.Solve(model)
    if _DEBUG:
        print("lns", r, tables, len(movers), solver.StatusName(status), round(solver.WallTime(), 2),
              solver.ObjectiveValue(), solver.BestObjectiveBound())
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False, False
    exact = status == cp_model.OPTIMAL and _integral(p)
    new = {i: next(t for t in tables if solver.Value(x[i, t])) for i in movers}
    if all(new[i] == where[i] for i in movers):
        return False, exact
    before = state.key()
    for i in movers:
        state.remove(i, r)
    for i in movers:
        state.add(i, r, new[i])
    if state.key() < (before[0], before[1] - 1e-9):
        return True, exact
    for i in movers:
        state.remove(i, r)
    for i in movers:
        state.add(i, r, where[i])
    return False, exact


def _integral(p: SeatingProblem) -> bool:
    """Whether every value of the problem is a whole number of thousandths (the CP-SAT model is exact)."""
    values = [p.weights.ravel(), np.asarray([p.objective.needs, *p.spread_weights], dtype=float)]
    return all(np.allclose(v * _SCALE, np.round(v * _SCALE), atol=1e-9) for v in values)


def _lns(search: _Search, rng: np.random.Generator, *, n_tables: int = 3, step_time: float = 0.5,
         workers: int = 1, patience: int = 200, max_steps: int | None = None) -> None:
    """Large-neighbourhood search: re-solve ``n_tables`` random tables of a random round with CP-SAT.

    With ``max_steps`` (a fixed effort) each re-solve is limited by CP-SAT's deterministic
    time only, so the result does not depend on the machine (within the deadline).
    """
    state, p = search.state, search.state.p
    rounds = [r for r in range(p.rounds) if r not in p.locked_rounds and (p.attend[r] & (p.fixed[r] < 0)).any()]
    if not rounds:
        return
    state.load(search.best_tab)
    stale = steps = 0
    while not search.out_of_budget() and stale < patience and (max_steps is None or steps < max_steps):
        steps += 1
        r = rounds[int(rng.integers(len(rounds)))]
        open_ = [t for t in range(p.n_tables) if state.at[r][t]]
        if len(open_) < 2:
            return
        tables = sorted(int(t) for t in rng.choice(open_, min(n_tables, len(open_)), replace=False))
        left = search.deadline - time.perf_counter()
        done, _ = _resolve_tables(state, r, tables, time_limit=step_time if max_steps else min(step_time, left),
                                  seed=int(rng.integers(1 << 30)), workers=workers,
                                  wall=left if max_steps else None)
        search.iterations += 1
        if done and search.improved():
            stale = 0
        else:
            stale += 1


# ---------------------------------------------------------------------------------------------
# Bound
# ---------------------------------------------------------------------------------------------
def seating_bound(problem: SeatingProblem) -> tuple[float, dict[str, float]]:
    """A proven upper bound on the objective of any plan of ``problem``, term by term.

    Each term is bounded by a relaxation:

    ``pairs``
        Member ``i`` sits with at most ``D_i = sum over the rounds i attends of (c - 1)``
        others (``c`` the largest capacity), and meets only members who attend a round with
        them and are not asked apart. A pair counts its value once, and at most its positive
        part, so the pair term is at most half the sum over members of their ``D_i`` best
        positive values (each met pair is counted from both ends, each end among its best
        ``D_i``).
    ``needs``
        A (member, need) couple can only be covered if some possible tablemate offers it.
    ``spread:<attr>``
        In a round, ``sum_t max(d_t - 1, 0) = sum_t d_t - (tables with a valued member)``; a
        value appears at no more tables than it has members (nor than there are tables), a
        table holds at most ``min(capacity, #values)`` values, and the valued members need at
        least as many tables as the fewest largest tables that seat them.
    ``repeats``
        At most 0, and at most minus the penalty times a lower bound on repeats, the largest
        of: a pigeonhole count (tables of sizes ``s_t`` seat ``sum_t s_t (s_t - 1) / 2``
        encounters a round, fewest when sizes are as even as the capacities allow; only pairs
        that can meet and never met can meet once for free; pairs kept together: every round);
        the repeats that pins, hosts and held rounds force; and, for consecutive rounds with
        the same attendees, ``n - T^2`` a round (a table of ``s`` drawn from ``T`` tables of the
        round before holds at least ``s - T`` pairs who just met).

    Returns
    -------
    bound : float
    terms : dict
        The bound of each term, and ``min_repeats`` (the pigeonhole lower bound).
    """
    p = problem
    n, R = p.n, p.rounds
    can = (p.attend.T.astype(np.int64) @ p.attend.astype(np.int64)) > 0  # attend a round together
    np.fill_diagonal(can, False)
    for i in range(n):
        if p.apart[i]:
            can[i, list(p.apart[i])] = False
    cmax = int(p.capacities.max())
    deg = p.attend.sum(axis=0) * (cmax - 1)
    W = np.where(can, np.maximum(p.weights, 0.0), 0.0)
    pair_b = 0.0
    for i in range(n):
        k = int(min(deg[i], can[i].sum()))
        if k <= 0:
            continue
        row = W[i]
        top = np.partition(row, len(row) - k)[len(row) - k:] if k < len(row) else row
        pair_b += float(top.sum())
    pair_b /= 2.0
    terms: dict[str, float] = {"pairs": pair_b}
    if p.objective.needs:
        offered = (can.astype(np.int64) @ p.offers.astype(np.int64)) > 0
        terms["needs"] = float(p.objective.needs) * float((offered & p.needs).sum())
    caps_sorted = np.sort(p.capacities)[::-1]
    for name, w, codes in zip(p.spread_names, p.spread_weights, p.spread_codes, strict=True):
        total = 0.0
        n_values = int(codes.max(initial=-1)) + 1
        for r in range(R):
            valued = codes[p.attend[r] & (codes >= 0)]
            if not len(valued):
                continue
            cnt = np.bincount(valued, minlength=n_values)
            cnt = cnt[cnt > 0]
            distinct = min(int(np.minimum(cnt, len(p.capacities)).sum()), int(np.minimum(p.capacities, len(cnt)).sum()))
            need_tables = int(np.searchsorted(np.cumsum(caps_sorted), len(valued)) + 1)
            total += max(distinct - need_tables, 0)
        terms[f"spread:{name}"] = w * total
    # pigeonhole lower bound on repeats
    encounters = 0
    for r in range(R):
        size = _waterfill(int(p.attend[r].sum()), p.capacities)
        encounters += int((size * (size - 1) // 2).sum())
    free = np.triu(can & ~p.met_before, 1)
    # every pair of a together-group (chains included: a-b and b-c keep a with c) meets in each
    # round both attend; all but the first of those meetings are free (never repeats)
    shared = p.attend.T.astype(np.int64) @ p.attend.astype(np.int64)
    together_extra = int(np.triu(np.where(p.together, np.maximum(shared - 1, 0), 0), 1).sum())
    # consecutive rounds with the same attendees and no together requests: a table of s people
    # drawn from at most T tables of the round before holds at least s - T pairs who just met,
    # so a round holds at least n - T * T of them
    structural = 0
    if not p.together.any():
        T = p.n_tables
        for r in range(1, R):
            if (p.attend[r] == p.attend[r - 1]).all():
                structural += max(int(p.attend[r].sum()) - T * T, 0)
    min_rep = max(encounters - int(free.sum()) - together_extra, forced_repeats(p), structural, 0)
    terms["repeats"] = -float(p.objective.repeat_penalty) * min_rep
    bound = float(sum(terms.values()))
    terms["min_repeats"] = float(min_rep)
    return bound, terms


def forced_repeats(problem: SeatingProblem) -> int:
    """Repeats that pins, hosts and locked rounds force: fixed members sharing a table again."""
    p = problem
    fixed = np.flatnonzero((p.fixed >= 0).sum(axis=0) >= 1)
    if len(fixed) < 2:
        return 0
    f = p.fixed[:, fixed]
    same = ((f[:, :, None] == f[:, None, :]) & (f[:, :, None] >= 0)).sum(axis=0)
    tg = p.together[np.ix_(fixed, fixed)]
    met = p.met_before[np.ix_(fixed, fixed)]
    rep = np.where(tg, 0, np.maximum(same - 1, 0) + np.where(met, same, 0))
    return int(np.triu(rep, 1).sum())


# ---------------------------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------------------------
def seat(
    community: Community,
    *,
    tables: int | Sequence[int] | None = None,
    table_size: int | None = None,
    capacities: Sequence[int] | None = None,
    min_table_size: int | None = None,
    rounds: int = 1,
    attendance: Mapping[int, Iterable[str]] | pd.DataFrame | None = None,
    requests: Requests | str | pd.DataFrame | None = None,
    hosts: Mapping[str, int] | Sequence[str] | None = None,
    locked: pd.DataFrame | Plan | None = None,
    objective: Objective | None = None,
    pairs: object = None,
    history: object = None,
    needs: float = 1.0,
    spread: Sequence[str] | Mapping[str, float] | None = None,
    fairness: float = 0.0,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 1,
    callback: Callable[[dict], object] | None = None,
    iterations: int | None = None,
) -> Plan:
    """Seat an event's attendees at tables over several rounds.

    Parameters
    ----------
    community : Community
        The attendees (or a larger community, with ``attendance`` naming who comes).
    tables, table_size : int, optional
        Number of tables and seats per table; or ``capacities`` (a list, one per table;
        ``tables`` may also be that list).
    capacities : sequence of int, optional
        Seats per table, for tables of different sizes. Seats may stay empty.
    min_table_size : int, optional
        Fewest members at an open table (tables may stay empty). Tables are filled as evenly
        as the capacities allow, and the search keeps each within one seat of that size.
    rounds : int
        Number of rounds.
    attendance : mapping or DataFrame, optional
        ``{round: members}`` or a table ``member, round``; rounds not named: everyone.
    requests : Requests, path or DataFrame, optional
        Hard requests (together, apart, pins, hosts); a path is read as ``constraints.csv``.
    hosts : mapping or sequence, optional
        ``{member: table}``, or a list of members hosting tables 1, 2, ... in order. A host
        stays at their table every round.
    locked : DataFrame or Plan, optional
        Rounds already held (``round, table, member``): kept exactly as they are; the other
        rounds are planned around them (re-planning after no-shows and walk-ins).
    objective : Objective, optional
        The objective; by default :func:`~matchmaking.scoring.objective.default_objective`
        (``pairs``, ``history``, ``needs`` and ``spread`` feed it).
    pairs : path or DataFrame, optional
        A pairs file whose weights are the whole affinity.
    history : DataFrame or MeetingHistory, optional
        Who already met: such pairs meeting again count as repeats.
    needs : float
        Weight per (member, need) covered by someone at one of their tables.
    spread : list or dict of str, optional
        Attributes to mix at each table (weight per extra distinct value).
    fairness : float
        Weight of the least-served attendee's value: after the search, swaps that raise the
        minimum per-member value are made while they cost less than ``fairness`` times the
        rise (0: off).
    time_limit : float
        Seconds for the whole solve (a machine's first solve also compiles the search kernel
        beforehand, about 10 s, see :func:`warm_up`).
    seed : int
        Random seed; with the same seed, worker count and ``iterations`` the plan is the same.
    workers : int
        CP-SAT workers for the exact parts.
    callback : callable, optional
        Called with ``{"time", "objective", "bound", "repeats", "iteration"}`` on improvements
        (at most 4 times a second); returning ``False`` stops the search.
    iterations : int, optional
        A fixed effort instead of the clock: this many annealing proposals (about a million a
        second), the cooling following the count, then one CP-SAT re-solve of two tables per
        20,000, each limited by CP-SAT's deterministic time. The same seed and worker count then
        give the same plan on any machine, as long as the time limit is not reached first.

    Returns
    -------
    Plan
        Kind ``"seating"``, assignments ``round, table, member``; ``bound`` from
        :func:`seating_bound` (or the CP-SAT optimum on small events).

    Raises
    ------
    InputError
        Bad parameters or requests naming unknown members or tables.
    InfeasibleError
        Requests that cannot all hold, naming them.

    Examples
    --------
    >>> import matchmaking as mm
    >>> c = mm.datasets.synthetic_community(24, seed=1)
    >>> plan = mm.seat(c, tables=6, table_size=4, rounds=3, time_limit=2, seed=0)
    >>> plan.status in ("optimal", "feasible"), plan.metrics()["repeats"], len(plan.assignments)
    (True, 0, 72)
    >>> plan.bound >= plan.objective
    True
    """
    warm_up()  # compiles the search kernel on a machine's first solve, outside the time limit
    t0 = time.perf_counter()
    if time_limit is None or not time_limit > 0:
        raise InputError(f"time_limit must be > 0 seconds, not {time_limit}", column="time_limit")
    if iterations is not None and not iterations > 0:
        raise InputError(f"iterations must be > 0, not {iterations}", column="iterations")
    if fairness < 0:
        raise InputError(f"fairness must be >= 0, not {fairness}", column="fairness")
    if isinstance(locked, Plan):
        locked = locked.assignments
    prob = build_problem(
        community, tables=tables, table_size=table_size, capacities=capacities, min_table_size=min_table_size,
        rounds=rounds, attendance=attendance, requests=requests, hosts=hosts, locked=locked, objective=objective,
        pairs=pairs, history=history, needs=needs, spread=spread,
    )
    rng = np.random.default_rng(seed)
    bound, bound_terms = seating_bound(prob)
    deadline = t0 + float(time_limit)
    state = _State(prob)
    _greedy(state, rng, range(prob.rounds))
    method = ["greedy"]
    design = _design_start(prob, rng)
    if design is not None:
        greedy_tab, greedy_key = state.tab.copy(), state.key()
        state.load(design)
        if state.key() < greedy_key and not prob.violations(state.tab):
            method = ["design"]
        else:
            state.load(greedy_tab)
    search = _Search(state, t0, deadline, bound, callback, max_iterations=iterations)
    if state.repeats > 0 and not bound_terms["min_repeats"]:  # zero repeats may be reachable
        method.append("tabu")
        budget = t0 + 0.6 * float(time_limit)
        start = state.tab.copy()
        _repair_repeats(state, int(rng.integers(1 << 62)), min(budget, deadline), max_iter=200_000, search=search)
        search.improved()
        if state.repeats:  # zero is out of reach: anneal from the start, the repaired plan kept as a candidate
            state.load(start)
    method.append("sa")
    exact = _exact_case(prob)  # one round, every seat taken: CP-SAT re-solves it whole (most of the time)
    share = 0.9 if exact else _LNS_SHARE  # of the time left, for CP-SAT after the annealing
    search.deadline = deadline - share * max(deadline - time.perf_counter(), 0.0)
    _anneal(search, int(rng.integers(1 << 62)), guide=_GUIDE, trade_repeats=bool(bound_terms["min_repeats"]))
    search.deadline = deadline
    state.load(search.best_tab)
    proven = False
    if exact:
        method.append("cp-sat")
        open_ = [t for t in range(prob.n_tables) if state.at[0][t]]
        _, proven = _resolve_tables(state, 0, open_, time_limit=max(deadline - time.perf_counter(), 0.1),
                                    seed=seed, workers=workers)
        search.improved()
        state.load(search.best_tab)
        if proven:
            bound = state.total()
            bound_terms["cp-sat optimum"] = bound
    elif time.perf_counter() < deadline and (iterations is None or iterations >= 20_000):
        method.append("lns")
        search.max_iterations = None  # the re-solves have their own (deterministic) effort
        steps = None if iterations is None else iterations // 20_000
        _lns(search, rng, n_tables=2, step_time=1.0 if steps is None else 0.2, workers=workers, max_steps=steps)
        state.load(search.best_tab)
    if fairness > 0:
        method.append("fair")
        _raise_minimum(search, rng, fairness)
        state.load(search.best_tab)
    return _make_plan(prob, state, bound, bound_terms, t0, "+".join(method), search)


def _exact_case(prob: SeatingProblem) -> bool:
    """One free round where every seat is taken (table sizes forced), small enough for CP-SAT."""
    return (prob.rounds == 1 and not prob.locked_rounds and prob.n <= 40
            and int(prob.attend[0].sum()) == int(prob.capacities.sum()) and not prob.met_before.any())


def _make_plan(prob: SeatingProblem, state: _State, bound: float, bound_terms: dict, t0: float,
               method: str, search: _Search) -> Plan:
    frame = prob.to_frame(state.tab)
    violations = prob.violations(state.tab)
    held = tuple(f"round {r + 1}:" for r in sorted(prob.locked_rounds))
    in_held = [v for v in violations if held and v.startswith(held)]
    violations = [v for v in violations if v not in in_held]
    if violations:  # pragma: no cover - a solver bug, never an input problem
        raise RuntimeError("seating produced an invalid plan: " + "; ".join(violations[:5]))
    breakdown = prob.objective.evaluate(frame, "seating")
    objective = breakdown["total"]
    if abs(objective - state.total()) > 1e-6 * max(1.0, abs(objective)):  # pragma: no cover
        raise RuntimeError(f"internal objective {state.total()} differs from the evaluated {objective}")
    notes = []
    min_rep = int(bound_terms.get("min_repeats", 0))
    if state.repeats:
        forced = forced_repeats(prob)
        if forced and forced >= min_rep:
            why = f"{forced} are forced by members fixed at the same table (pins, hosts, locked rounds)"
        elif min_rep:
            why = (f"at least {min_rep} are unavoidable: the tables seat more encounters than there are new "
                   "pairs (pigeonhole)")
        else:
            why = "no plan without repeats was found in the time given"
        notes.append(f"{state.repeats} repeated encounter(s); {why}")
    notes += [f"held round kept as it was, although it breaks a request: {v}" for v in in_held[:10]]
    if objective > bound + 1e-6 * max(1.0, abs(objective)):  # a bound bug: never report an invalid bound
        relaxation, _ = seating_bound(prob)
        if objective <= relaxation + 1e-6 * max(1.0, abs(objective)):
            notes.append(f"the exact bound {bound:.6g} is below the plan's objective {objective:.6g}: "
                         f"reporting the relaxation bound {relaxation:.6g} instead")
            bound = relaxation
        else:
            notes.append(f"the bound {bound:.6g} is below the plan's objective {objective:.6g}: no bound reported")
            bound = math.inf
    status = "optimal" if objective >= bound - 1e-9 * max(1.0, abs(bound)) else "feasible"
    search.record(force=True)
    return Plan(
        "seating", frame, objective=objective, bound=max(bound, objective) if status == "optimal" else bound,
        status=status, objective_fn=prob.objective, time=time.perf_counter() - t0, method=method,
        breakdown=breakdown, notes=notes, progress=search.progress,
        extras={"bound_terms": bound_terms, "iterations": search.iterations, "repeats": state.repeats},
    )


def _raise_minimum(search: _Search, rng: np.random.Generator, fairness: float) -> None:
    """Swaps that raise the least-served member's pair value, while worth it under ``fairness``."""
    state, p = search.state, search.state.p
    rounds = [r for r in range(p.rounds) if r not in p.locked_rounds]
    movable = {r: _movable(p, r) for r in rounds}
    for _ in range(200):
        if search.out_of_budget() or not rounds:
            return
        per = _per_member(state)
        seated = p.attend.any(axis=0)
        worst = int(np.flatnonzero(seated)[np.argmin(np.where(seated, per, np.inf)[seated])])
        low = float(per[worst])
        best = None
        for r in rounds:
            if not movable[r][worst] or search.out_of_budget():
                continue
            a = int(state.tab[r, worst])
            for j in np.flatnonzero(movable[r] & (state.tab[r] != a) & (state.tab[r] >= 0)):
                j = int(j)
                b = int(state.tab[r, j])
                if not (state.apart_ok(worst, r, b, leaving=j) and state.apart_ok(j, r, a, leaving=worst)):
                    continue
                dv, dr = state.swap(worst, j, r)
                touched = np.asarray(state.at[r][a] + state.at[r][b])
                after = per.copy()
                after[touched] = _per_member(state, touched)
                new_min = float(after[seated].min())
                state.swap(worst, j, r)
                gain = dv + fairness * (new_min - low)
                if dr <= 0 and new_min > low and gain > 0 and (best is None or gain > best[0]):
                    best = (gain, r, j)
        if best is None:
            return
        state.swap(worst, best[2], best[1])
        search.best_tab = state.tab.copy()
        search.best_key = state.key()
        search.record()


def _per_member(state: _State, rows: np.ndarray | None = None) -> np.ndarray:
    """Each member's pair value (of ``rows``): the sum of the values of the distinct people they meet."""
    C, W = (state.C, state.W) if rows is None else (state.C[rows], state.W[rows])
    return np.where(C > 0, W, 0.0).sum(axis=1)


def demo_section(community: Community, report: Report, outdir: str | os.PathLike, seed: int) -> None:
    """The demo's seating section: 3 rounds of tables of 10 for the demo community (a few seconds)."""
    n_tables = max(1, -(-len(community) // 10))
    spread = ["sector"] if "sector" in community.attributes else None
    plan = seat(community, tables=n_tables, table_size=10, rounds=3, spread=spread, time_limit=5, seed=seed)
    plan.to_csv(Path(outdir) / "seating.csv")
    report.heading("Event seating")
    report.text(f"{len(community)} attendees at {n_tables} tables of 10 for 3 rounds (seating.csv).")
    report.pre(plan.summary())
    member = community.ids[0]
    report.text(f"Why {community.members.loc[member, 'name']} sits where they sit:")
    report.pre(plan.explain(member))
