"""Large-neighbourhood search: re-seat a few tables of one round exactly with OR-Tools CP-SAT.

A single-round event where every seat is taken is re-solved whole, which proves it optimal.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matchmaking.solvers.seating.problem import SeatingProblem
    from matchmaking.solvers.seating.state import SeatingState
    from matchmaking.solvers.seating.tracker import Tracker

__all__ = ["integral", "lns_search", "resolve_tables"]

SCALE = 1000  # CP-SAT needs integers: values in thousandths (acceptance uses the exact evaluation)


def resolve_tables(state: SeatingState, r: int, tables: list[int], *, time_limit: float, seed: int,
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
    big = SCALE * 100 * (1 + int(np.abs(p.weights).max(initial=0)))

    def pair_gain(i: int, j: int) -> int:
        a, b = loc[i], loc[j]
        gain = round(SCALE * p.weights[i, j]) if c_out[a, b] == 0 else 0
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
        w_need = round(SCALE * state.needs_w)
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
        w = round(SCALE * p.spread_weights[a_])
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
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False, False
    exact = status == cp_model.OPTIMAL and integral(p)
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


def integral(p: SeatingProblem) -> bool:
    """Whether every value of the problem is a whole number of thousandths (the CP-SAT model is exact)."""
    values = [p.weights.ravel(), np.asarray([p.objective.needs, *p.spread_weights], dtype=float)]
    return all(np.allclose(v * SCALE, np.round(v * SCALE), atol=1e-9) for v in values)


def lns_search(search: Tracker, rng: np.random.Generator, *, n_tables: int = 3, step_time: float = 0.5,
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
        done, _ = resolve_tables(state, r, tables, time_limit=step_time if max_steps else min(step_time, left),
                                  seed=int(rng.integers(1 << 30)), workers=workers,
                                  wall=left if max_steps else None)
        search.iterations += 1
        if done and search.improved():
            stale = 0
        else:
            stale += 1


