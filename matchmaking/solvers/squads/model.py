"""The exact model: helpers grouped into interchangeable types, CP-SAT choosing how many of each.

Helpers who are interchangeable for the objective (same skills among the needs, same spread
values, same "met the asker" flags) form one type; a member named by a request (together,
apart, pin) is a type of their own, so that the request is a constraint on them alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from matchmaking.errors import InfeasibleError
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.control import Monitor
from matchmaking.solvers.squads.problems import Problem

COVER = 100  # points per need covered: coverage first, always


@dataclass
class SquadModel:
    """The problems, the helper types (``sigs``: skills, spread values, met flags, own tag) and
    the requests as constraints on types: ``forced[p]`` must join squad ``p``, ``banned[p]``
    may not, ``apart`` / ``together`` pairs of types."""

    specs: list[Problem]
    sigs: list[tuple]
    types: dict[tuple, list[str]]
    sizes: list[int]
    n_spread: int
    forced: dict[int, set[int]] = field(default_factory=dict)
    banned: dict[int, set[int]] = field(default_factory=dict)
    apart: list[tuple[int, int]] = field(default_factory=list)
    together: list[tuple[int, int]] = field(default_factory=list)

    @property
    def constrained(self) -> set[int]:
        """Types named by a request between helpers (never used by the greedy start)."""
        return {t for pair in self.apart + self.together for t in pair}


def request_constraints(model: SquadModel, requests: Requests, type_of: dict[str, int]) -> None:
    """Turn together / apart / pins into constraints on the (own) types of the members they name."""
    asker_of = {asker: p for p, (_, asker, _) in enumerate(model.specs) if asker is not None}
    P = len(model.specs)
    conflicts: list[str] = []

    def ban(p: int, m: str) -> None:
        if m in type_of:
            model.banned.setdefault(p, set()).add(type_of[m])

    def force(p: int, m: str, why: str) -> None:
        if m in asker_of:
            if asker_of[m] != p:
                conflicts.append(f"{why}: {m} asks for help in squad {asker_of[m] + 1}")
        elif m in type_of:
            model.forced.setdefault(p, set()).add(type_of[m])
        else:
            conflicts.append(f"{why}: {m} cannot help (excluded, asker elsewhere or over the load cap)")

    for a, b in requests.apart:
        for x, y in ((a, b), (b, a)):
            if x in asker_of:
                ban(asker_of[x], y)
        if a in type_of and b in type_of:
            model.apart.append((type_of[a], type_of[b]))
    for a, b in requests.together:
        if a in asker_of and b in asker_of and asker_of[a] != asker_of[b]:
            conflicts.append(f"together {a}-{b}: both ask for help, in squads {asker_of[a] + 1} and {asker_of[b] + 1}")
        elif a in asker_of or b in asker_of:
            x, y = (a, b) if a in asker_of else (b, a)
            force(asker_of[x], y, f"together {a}-{b}")
        elif a in type_of and b in type_of:
            model.together.append((type_of[a], type_of[b]))
    for m, g, _ in requests.pins:
        if not 1 <= g <= P:
            conflicts.append(f"pin {m} -> squad {g}: there are {P} squad(s)")
        else:
            force(g - 1, m, f"pin {m} -> squad {g}")
    for p, ts in model.forced.items():
        if len(ts) > model.sizes[p]:
            conflicts.append(f"squad {p + 1}: {len(ts)} members asked in it, more than its {model.sizes[p]} helpers")
        if ts & model.banned.get(p, set()):
            conflicts.append(f"squad {p + 1}: a member is asked both in it and away from its asker")
    if conflicts:
        raise InfeasibleError("requests that cannot all hold", conflicts)


def greedy_hint(model: SquadModel) -> dict[tuple[int, int], int]:
    """A start honouring the requests: forced helpers, then, per problem, the types covering the
    most uncovered needs, then any free type (never a type a request between helpers names)."""
    sigs, types = model.sigs, model.types
    free = {t: len(types[sig]) for t, sig in enumerate(sigs)}
    out: dict[tuple[int, int], int] = {}
    everywhere = model.constrained | {t for ts in model.forced.values() for t in ts}
    for p, ts in model.forced.items():
        for t in ts:
            free[t] -= 1
            out[p, t] = 1
    for p, (_, _, needs) in enumerate(model.specs):
        left = set(needs) - {s for t in model.forced.get(p, ()) for s in sigs[t][0]}
        banned = model.banned.get(p, set()) | everywhere
        for _ in range(model.sizes[p] - len(model.forced.get(p, ()))):
            avail = [t for t in free if free[t] > 0 and t not in banned]
            if not avail:
                break
            t = max(avail, key=lambda t: (len(left.intersection(sigs[t][0])), -t))
            left -= set(sigs[t][0])
            free[t] -= 1
            out[p, t] = out.get((p, t), 0) + 1
    return out


def hint_value(model: SquadModel, count: dict[tuple[int, int], int]) -> float:
    """The model's objective for given type counts."""
    sigs = model.sigs
    total = 0.0
    for p, (_, asker, needs) in enumerate(model.specs):
        used = [t for t in range(len(sigs)) if count.get((p, t), 0)]
        offered = {s for t in used for s in sigs[t][0]}
        total += COVER * len(offered.intersection(needs))
        total += sum(len({sigs[t][1][a] for t in used} - {None}) for a in range(model.n_spread))
        total += sum(count[p, t] for t in used if set(sigs[t][0]).intersection(needs))
        if asker is not None:
            total += sum(count[p, t] for t in used if not sigs[t][2][p])
    return total


def cap_bound(model: SquadModel, uncovered: dict[str, list[str]]) -> float:
    """Each term at its most: every coverable need covered, every helper relevant and new, every
    spread value present (a proven bound without any solve)."""
    values = [len({sig[1][a] for sig in model.sigs} - {None}) for a in range(model.n_spread)]
    return float(sum(COVER * (len(needs) - len(uncovered.get(name, []))) + 2 * model.sizes[p]
                     + sum(min(model.sizes[p], v) for v in values)
                     for p, (name, _, needs) in enumerate(model.specs)))


class _Watch(cp_model.CpSolverSolutionCallback):
    """Reports each CP-SAT solution to the monitor; stops the search when it says so."""

    def __init__(self, monitor: Monitor) -> None:
        super().__init__()
        self.monitor, self.solutions = monitor, 0

    def on_solution_callback(self) -> None:
        self.solutions += 1
        if not self.monitor.report("search", objective=self.objective_value, bound=self.best_objective_bound,
                                   iteration=self.solutions):
            self.stop_search()


def solve(model: SquadModel, hint: dict, monitor: Monitor, *, seed: int, workers: int) -> tuple[dict, float | None, str]:
    """CP-SAT on the type model within the monitor's time; returns ``(counts or {}, proven bound or None,
    status)`` with status ``optimal``, ``feasible``, ``unknown`` (no solution in the time) or ``infeasible``. The monitor is also asked between solutions (through the search log), so a
    callback returning False or a stopping criterion ends the search at once."""
    sigs, specs = model.sigs, model.specs
    m = cp_model.CpModel()
    P = len(specs)
    x = {(p, t): m.new_int_var(0, min(model.sizes[p], len(model.types[sig])), f"x{p}_{t}")
         for p in range(P) for t, sig in enumerate(sigs)}
    if P > 1:
        for t, sig in enumerate(sigs):
            m.add(sum(x[p, t] for p in range(P)) <= len(model.types[sig]))
    for p in range(P):
        for t in model.forced.get(p, ()):
            m.add(x[p, t] == 1)
        for t in model.banned.get(p, ()):
            m.add(x[p, t] == 0)
        for a, b in model.apart:
            m.add(x[p, a] + x[p, b] <= 1)
        for a, b in model.together:
            m.add(x[p, a] == x[p, b])
    terms = []
    links = []  # (y or z, problem, types that set it)
    for p, (_, asker, needs) in enumerate(specs):
        m.add(sum(x[p, t] for t in range(len(sigs))) == model.sizes[p])
        for s in needs:
            holders = [t for t, sig in enumerate(sigs) if s in sig[0]]
            if holders:
                y = m.new_bool_var(f"y{p}_{s}")
                m.add(sum(x[p, t] for t in holders) >= 1).only_enforce_if(y)
                links.append((y, p, holders))
                terms.append(COVER * y)
        for ai in range(model.n_spread):
            for v in sorted({sig[1][ai] for sig in sigs if sig[1][ai] is not None}):
                z = m.new_bool_var(f"z{p}_{ai}_{v}")
                with_v = [t for t, sig in enumerate(sigs) if sig[1][ai] == v]
                m.add(sum(x[p, t] for t in with_v) >= 1).only_enforce_if(z)
                links.append((z, p, with_v))
                terms.append(z)
        terms.append(sum(x[p, t] for t, sig in enumerate(sigs) if set(sig[0]).intersection(needs)))
        if asker is not None:
            terms.append(sum(x[p, t] for t, sig in enumerate(sigs) if not sig[2][p]))
    m.maximize(sum(terms))
    for key, var in x.items():
        m.add_hint(var, hint.get(key, 0))
    for var, p, ts in links:
        m.add_hint(var, any(hint.get((p, t), 0) for t in ts))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(monitor.remaining(), 1e-3)
    solver.parameters.num_workers = max(1, int(workers))
    solver.parameters.random_seed = int(seed % 2**31)
    solver.parameters.linearization_level = 2  # the LP of the covering part closes these models fast
    solver.parameters.log_search_progress = True
    solver.parameters.log_to_stdout = False
    solver.log_callback = lambda _line: None if monitor.report("search") else solver.stop_search()
    code = solver.solve(m, _Watch(monitor))
    status = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible"}.get(
        code, "unknown")
    counts = {key: int(solver.value(var)) for key, var in x.items()} if status in ("optimal", "feasible") else {}
    bound = float(solver.best_objective_bound) if status in ("optimal", "feasible") else None
    return counts, bound, status
