"""Starting seatings: the constructive greedy and an exact seating of one round.

- :func:`greedy`: round by round, members (a together-group as one block) are placed, most
  constrained first, at the open table with the best marginal value, each table filled up to a
  balanced target size; a dead end seats the round with CP-SAT (:func:`seat_round_exactly`),
  which also names the requests that cannot hold together.
- The zero-repeat design starts (:func:`design_start`, :func:`cyclic_start`, :func:`galois_field`)
  live in :mod:`.designs` and are importable from here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from matchmaking.errors import InfeasibleError
from matchmaking.solvers.seating.designs import (
    CYCLIC_SIZE,
    SYMMETRIC_SIZE,
    cyclic_start,
    design_start,
    galois_field,
)

if TYPE_CHECKING:
    from matchmaking.solvers.seating.state import SeatingState

__all__ = ["CYCLIC_SIZE", "SYMMETRIC_SIZE", "cyclic_start", "design_start", "galois_field", "greedy",
           "seat_round_exactly"]


def greedy(state: SeatingState, rng: np.random.Generator, rounds: Iterable[int], *, random_order: bool = False) -> None:
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
                seat_round_exactly(state, r)
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
                seat_round_exactly(state, r)


def seat_round_exactly(state: SeatingState, r: int) -> None:
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
