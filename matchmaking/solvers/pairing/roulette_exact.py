"""The exact roulette: a CP-SAT model over pair-round variables, for small events.

Used when the heuristic found a plan without repeats, so that the roulette's rule (no pair meets
twice while an unmet pair is available) makes every feasible plan repeat-free. Variables
``x[r, a, b]``: ``a`` and ``b`` share a group in round ``r``; ``z[r, a]``: ``a`` is in round
``r``'s trio (odd rounds only). Constraints, per round: every attendee has one partner, two in
the trio (``sum_b x[r, a, b] = 1 + z[r, a]``); an odd round has one trio (``sum_a z[r, a] = 3``)
and a pair is inside or outside it together (``x[r, a, b] => z[r, a] = z[r, b]``), so the
members with two partners form a triangle. Across rounds a pair meets at most once, pairs that
met before (history) not at all; apart pairs have no variable, together pairs are fixed (their
meetings are free). The objective is the shared one, the affinity of the pairs met, in integers.
At the optimum it is a proven bound on every repeat-free plan; at the time limit CP-SAT's best
bound still is one.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from ortools.sat.python import cp_model

from matchmaking.solvers.control import Monitor
from matchmaking.solvers.pairing._common import integer_weights
from matchmaking.solvers.pairing.roulette_search import RouletteProblem

Plan_ = list[list[tuple[int, ...]]]


def model_size(problem: RouletteProblem) -> int:
    """Pair-round variables the exact model would have."""
    counts = problem.avail.sum(axis=1)
    return int((counts * (counts - 1) // 2).sum())


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports each solution to the monitor; stops the search when the monitor says so."""

    def __init__(self, monitor: Monitor, value: cp_model.LinearExpr, scale: float, fixed: float) -> None:
        super().__init__()
        self.monitor, self.value, self.scale, self.fixed = monitor, value, scale, fixed
        self.count = 0

    def on_solution_callback(self) -> None:
        self.count += 1
        objective = self.Value(self.value) / self.scale + self.fixed
        if not self.monitor.report("exact", objective=objective, iteration=self.count):
            self.StopSearch()


def _break_symmetry(
    model: cp_model.CpModel, x: dict[tuple[int, int, int], cp_model.IntVar], problem: RouletteProblem, hint: Plan_
) -> Plan_:
    """Rounds with the same attendees are interchangeable: order them by the partners of their first
    attendee (non-decreasing sum of partner positions), and the hint's rounds the same way."""
    hint = list(hint)
    groups: dict[bytes, list[int]] = {}
    for r in range(len(problem.avail)):
        groups.setdefault(problem.avail[r].tobytes(), []).append(r)
    for rounds in groups.values():
        here = np.flatnonzero(problem.avail[rounds[0]])
        if len(rounds) < 2 or len(here) < 2:
            continue
        m = int(here[0])
        key = {r: sum(b * x[r, m, b] for b in here.tolist() if (r, m, b) in x) for r in rounds}
        for r, nxt in itertools.pairwise(rounds):
            model.add(key[r] <= key[nxt])
        ranked = sorted(rounds, key=lambda r: sum(b for grp in hint[r] if m in grp for b in grp if b != m))
        for r, src in zip(rounds, [hint[q] for q in ranked], strict=True):
            hint[r] = src
    return hint


def solve_exact(
    problem: RouletteProblem, hint: Plan_, monitor: Monitor, *, seconds: float, seed: int, effort: float = 10.0
) -> tuple[Plan_ | None, float, bool]:
    """``(plan, bound, proven)``: CP-SAT's best plan (None if none in the time), a proven bound on
    the objective of repeat-free plans (``inf`` if none) and whether the plan is proven optimal."""
    rounds = len(problem.avail)
    model = cp_model.CpModel()
    x: dict[tuple[int, int, int], cp_model.IntVar] = {}
    z: dict[tuple[int, int], cp_model.IntVar] = {}
    forced = {(min(a, b), max(a, b)) for a, b in problem.forced}
    for r in range(rounds):
        here = np.flatnonzero(problem.avail[r]).tolist()
        if len(here) < 2:
            continue
        odd = len(here) % 2 == 1
        for a, b in itertools.combinations(here, 2):
            if problem.allowed[a, b] and ((a, b) in forced or problem.history[a, b] <= 0):
                x[r, a, b] = model.new_bool_var(f"x{r}_{a}_{b}")
                if (a, b) in forced:
                    model.add(x[r, a, b] == 1)
        for a in here:
            mine = [x[key] for key in ((r, min(a, b), max(a, b)) for b in here if b != a) if key in x]
            if odd:
                z[r, a] = model.new_bool_var(f"z{r}_{a}")
                model.add(sum(mine) == 1 + z[r, a])
            else:
                model.add(sum(mine) == 1)
        if odd:
            model.add(sum(z[r, a] for a in here) == 3)
            for a, b in itertools.combinations(here, 2):
                if (r, a, b) in x:
                    model.add(z[r, a] == z[r, b]).only_enforce_if(x[r, a, b])
    by_pair: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    for (_, a, b), var in x.items():
        by_pair.setdefault((a, b), []).append(var)
    free = sorted(p for p in by_pair if p not in forced)
    for p in free:
        if len(by_pair[p]) > 1:
            model.add(sum(by_pair[p]) <= 1)  # linear, so that the LP relaxation couples the rounds
    hint = _break_symmetry(model, x, problem, hint)
    w = np.asarray([problem.weight[a, b] for a, b in free], dtype=float)
    ints, scale, exact = integer_weights(w, limit=max(2**52 // (len(w) + 1), 2))
    value = sum(int(c) * var for c, p in zip(ints, free, strict=True) for var in by_pair[p] if c)
    fixed = float(sum(problem.weight[a, b] for a, b in by_pair if (a, b) in forced))
    model.maximize(value)
    for r, groups in enumerate(hint):
        for grp in groups:
            for a, b in itertools.combinations(sorted(grp), 2):
                if (r, a, b) in x:
                    model.add_hint(x[r, a, b], 1)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.01)
    solver.parameters.max_deterministic_time = effort
    solver.parameters.num_workers = 1  # deterministic for a seed; measured faster here than a portfolio
    solver.parameters.linearization_level = 2
    solver.parameters.random_seed = seed
    status = solver.solve(model, _Progress(monitor, value, scale, fixed))
    slack = 0.0 if exact else len(w) * 0.5 / scale
    if status == cp_model.OPTIMAL:
        bound = solver.objective_value / scale + fixed + slack
    elif status == cp_model.INFEASIBLE:
        bound = -math.inf  # no repeat-free plan: the caller keeps its own
    elif math.isfinite(solver.best_objective_bound):
        bound = solver.best_objective_bound / scale + fixed + slack
    else:
        bound = math.inf
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, bound, False
    plan: Plan_ = []
    for r in range(rounds):
        here = np.flatnonzero(problem.avail[r]).tolist()
        if len(here) < 2:
            plan.append([(a,) for a in here])
            continue
        trio = tuple(a for a in here if (r, a) in z and solver.value(z[r, a]))
        groups = [trio] if trio else []
        groups += [(a, b) for (rr, a, b), var in x.items() if rr == r and a not in trio and solver.value(var)]
        plan.append(groups)
    return plan, bound, status == cp_model.OPTIMAL and exact
