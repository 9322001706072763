"""The seating problem, validated: members, tables, rounds, attendance, requests and objective as arrays.

:func:`build_problem` checks every input of :func:`matchmaking.seat` (raising
:class:`~matchmaking.errors.InputError` or :class:`~matchmaking.errors.InfeasibleError` naming
the requests at fault) and builds the :class:`SeatingProblem` every phase of the search, the
bound and the baselines work on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matchmaking.errors import InfeasibleError, InputError
from matchmaking.model.community import Community
from matchmaking.model.io import ROW
from matchmaking.scoring.objective import Objective, default_objective, together_groups
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.seating.inputs import (
    check_sizes,
    merge_requests,
    parse_attendance,
    parse_capacities,
    rebalance,
    table_targets,
)

__all__ = ["SeatingProblem", "build_problem", "movable"]


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
    check_sizes(tables, table_size, capacities, rounds)
    if int(rounds) < 1:
        raise InputError(f"rounds must be >= 1, not {rounds}", column="rounds")
    rounds = int(rounds)
    caps = parse_capacities(tables, table_size, capacities)
    T = len(caps)
    if max(len(community), 1) < T:
        raise InputError(f"{T:,} tables for {len(community):,} members: at most one table per member",
                         column="capacities" if capacities is not None else "tables")
    min_size = int(min_table_size or 0)
    if min_size > caps.max():
        raise InputError(f"min_table_size {min_size} exceeds every table's capacity", column="min_table_size")
    att = parse_attendance(attendance, community, rounds)
    req = merge_requests(requests, hosts, locked, community, T, rounds)
    locked = req.locked
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
    if req.exclude:  # members left out of the rounds still to plan
        out = set(req.exclude)
        att = {r: who if r in locked_rows else [m for m in who if m not in out] for r, who in att.items()}
    everyone = set().union(*map(set, att.values()))
    members = [m for m in community.ids if m in everyone]
    n = len(members)
    pos = {m: i for i, m in enumerate(members)}
    attend = np.zeros((rounds, n), dtype=bool)
    for r, who in att.items():
        attend[r - 1, [pos[m] for m in who]] = True

    # together blocks (connected components) and apart sets
    blocks = together_groups(((pos[a], pos[b]) for a, b in req.together if a in pos and b in pos), nodes=range(n))
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
                inside = [(x, y) for x, y in req.together if pos.get(x, -1) in b]
                raise InfeasibleError(
                    f"round {r + 1}: {size} members kept together{req.origins(inside)} exceed the largest table "
                    f"({caps.max()})", [f"together {x}-{y} ({req.where('together', x, y)})" for x, y in inside],
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
            targets[r] = table_targets(n_r, caps, counts > 0, min_size)
            targets[r] = np.maximum(targets[r], counts)
            rebalance(targets[r], caps, n_r, counts)
    conflicts = req.conflicts(n_groups=T, rounds=rounds)  # the shared checker, after the precise messages above
    if conflicts:
        raise InfeasibleError(f"the requests cannot all hold: {conflicts[0]}", conflicts)

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


def movable(p: SeatingProblem, r: int | None = None) -> np.ndarray:
    """Members a search may move in round ``r`` (every round: rounds x n): attending, not fixed,
    not in a together-block, not in a locked round."""
    single = np.asarray([len(p.blocks[b]) == 1 for b in p.block_of], dtype=bool)
    free = p.attend & (p.fixed < 0) & single
    free[sorted(p.locked_rounds)] = False
    return free if r is None else free[r]
