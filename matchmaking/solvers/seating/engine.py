"""The seating engine: the phases of one solve, in order, and the plan they give.

1. starts (:mod:`.starts`): the greedy, or a zero-repeat design when the event fits one;
2. the repeat repair (:mod:`.repair`) when zero repeats may be reachable;
3. the improvement: for pair objectives each round in turn as a grouping problem
   (:mod:`.rounds`, :mod:`.groups`), else the annealing over every term (:mod:`.search`),
   then (rounds up to ``SeatingParams.mixed_size`` free members) each round in turn by the
   memetic tabu search on its whole value, needs and spread included (:mod:`.mixed`);
4. CP-SAT (:mod:`.lns`): the whole round when one full round is small enough (proving it
   optimal), else (with needs or spread terms) re-solves of a few tables;
5. fairness (:mod:`.fairness`) when asked;
6. the proven bound (:mod:`.bound`) in the time kept for it, or, with ``workers >= 2`` on events
   too big for that time, computed beside phases 1-5 from the start (:mod:`.beside`).

Every phase reports to the solve's :class:`~matchmaking.solvers.control.Monitor` through the
:class:`~.tracker.Tracker`, so the callback and ``stop=`` criteria can end any of them; the
best plan found so far is always what comes back.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np

from matchmaking.plans.plan import Plan
from matchmaking.solvers.seating.beside import BoundBeside
from matchmaking.solvers.seating.bound import (
    FIXED_EFFORT_SIZE,
    degree_seconds,
    forced_repeats,
    plan_seconds,
    sdp_bound,
    sdp_budget,
    sdp_fits,
    seating_bound,
)
from matchmaking.solvers.seating.designs import DESIGN_EFFORT, design_start
from matchmaking.solvers.seating.fairness import raise_minimum
from matchmaking.solvers.seating.lns import lns_search, resolve_tables
from matchmaking.solvers.seating.params import SeatingParams
from matchmaking.solvers.seating.problem import movable
from matchmaking.solvers.seating.repair import repair_repeats
from matchmaking.solvers.seating.rounds import is_pairwise, search_rounds
from matchmaking.solvers.seating.search import anneal
from matchmaking.solvers.seating.starts import greedy
from matchmaking.solvers.seating.state import SeatingState
from matchmaking.solvers.seating.tracker import Tracker

if TYPE_CHECKING:
    from matchmaking.solvers.control import Monitor
    from matchmaking.solvers.seating.problem import SeatingProblem

__all__ = ["solve"]


def solve(prob: SeatingProblem, monitor: Monitor, *, params: SeatingParams | None = None, seed: int = 0,
          iterations: int | None = None, workers: int = 1, fairness: float = 0.0) -> Plan:
    """Seat ``prob`` within ``monitor``'s time and criteria; the plan (see :func:`matchmaking.seat`)."""
    params = params or SeatingParams()
    exact = _exact_case(prob, params)  # one round, every seat taken: CP-SAT re-solves it whole
    beside, reserve = _bound_time(prob, monitor, params, exact=exact, workers=workers, iterations=iterations)
    run = {"params": params, "seed": seed, "iterations": iterations, "fairness": fairness, "exact": exact,
           "reserve": reserve}
    if beside is None:
        return _solve(prob, monitor, workers=workers, beside=None, **run)
    try:
        return _solve(prob, monitor, workers=workers - 1, beside=beside, **run)  # CP-SAT gets the other workers
    finally:  # an interrupted or failed solve leaves no child computing (after result(), a no-op)
        beside.cancel()


def _bound_time(prob: SeatingProblem, monitor: Monitor, params: SeatingParams, *, exact: bool, workers: int,
                iterations: int | None) -> tuple[BoundBeside | None, float]:
    """How the solve gets its proven bound: the child computing it beside the search (or ``None``), and
    the seconds the phases keep at the end (for the semidefinite bound, or, beside, the degree bound
    in case the child fails).

    With a second core (and a clock), an event too big for the bound's serial reserve gets it beside
    the search, from the start (:mod:`.beside`); where the reserve fits, the child measured 0.5-1% lower
    plans at 300 people.
    """
    if exact:
        return None, 0.0
    fixed = iterations is not None
    fits = None if fixed or workers < 2 else sdp_fits(prob, min(params.bound_share * monitor.time_limit,
                                                                params.bound_seconds))
    beside = BoundBeside.start(prob, monitor, params) if fits is False else None
    if beside is not None:
        return beside, degree_seconds(prob.n)
    return None, sdp_budget(prob, monitor.time_limit, share=params.bound_share, cap=params.bound_seconds,
                            fixed_effort=fixed, fits=fits)


def _solve(prob: SeatingProblem, monitor: Monitor, *, params: SeatingParams, seed: int, iterations: int | None,
           workers: int, fairness: float, exact: bool, reserve: float, beside: BoundBeside | None) -> Plan:
    """The phases of :func:`solve` (see the module), the phases keeping ``reserve`` seconds at the end."""
    rng = np.random.default_rng(seed)
    bound, bound_terms = seating_bound(prob)
    state = SeatingState(prob)
    greedy(state, rng, range(prob.rounds))
    method = ["greedy"]
    # the design search and the repair get a share of the time; with a fixed effort only their
    # counts bound them (the time limit stays the hard stop), so the plan does not depend on the clock
    soft = monitor.deadline if iterations is not None else monitor.start + params.repair_share * monitor.time_limit
    design = design_start(prob, rng, deadline=soft, keep_going=lambda: monitor.report("design"),
                          effort=None if iterations is None else min(iterations, DESIGN_EFFORT))
    if design is not None:
        greedy_tab, greedy_key = state.tab.copy(), state.key()
        state.load(design)
        if state.key() < greedy_key and not prob.violations(state.tab):
            method = ["design"]
        else:
            state.load(greedy_tab)
    search = Tracker(state, monitor, bound, max_iterations=iterations)
    search.enter(method[0])
    deadline = monitor.deadline - reserve - plan_seconds(prob)  # the plan is built after the search and the bound
    search.deadline = deadline
    if state.repeats > 0 and not bound_terms["min_repeats"] and not search.stopped:  # zero repeats may be reachable
        method.append("tabu")
        search.enter("repair")
        start = state.tab.copy()
        repair_repeats(state, int(rng.integers(1 << 62)), min(soft, deadline),
                       max_iter=min(params.repair_iterations, iterations or params.repair_iterations),
                       give_up=params.repair_give_up, search=search,
                       tenure=params.tabu_tenure, stall_limit=params.tabu_stall)
        search.improved()
        if state.repeats:  # zero is out of reach: anneal from the start, the repaired plan kept as a candidate
            state.load(start)
    pairwise = is_pairwise(prob)  # each round is then a grouping problem (MDGP)
    if not search.stopped:
        search.enter("search")
        share = params.exact_share if exact else 0.0 if pairwise else params.lns_share  # kept for CP-SAT
        if iterations is None:  # (a fixed effort keeps the whole time as its hard stop)
            search.deadline = deadline - share * max(deadline - time.perf_counter(), 0.0)
        if pairwise:
            method.append("groups")
            search_rounds(search, params, int(rng.integers(1 << 30)), min_repeats=int(bound_terms["min_repeats"]))
        else:
            method.append("sa")
            mixed = _mixed_rounds(prob, params)
            end, cap = search.deadline, search.max_iterations
            if mixed:  # the annealing first, then the rounds re-seated in turn on their whole value
                if cap is None:
                    search.deadline = time.perf_counter() + params.anneal_share * max(end - time.perf_counter(), 0.0)
                else:
                    search.max_iterations = search.iterations + int(params.anneal_share * (cap - search.iterations))
            anneal(search, int(rng.integers(1 << 62)), guide=params.guide, partners=params.partners,
                   cool=params.cool if mixed else params.cool_alone, p_move=params.p_move, p_group=params.p_group)
            search.deadline, search.max_iterations = end, cap
            if mixed and not search.stopped:
                method.append("rounds")
                search_rounds(search, params, int(rng.integers(1 << 30)), min_repeats=int(bound_terms["min_repeats"]),
                              mixed=True)
        search.deadline = deadline
    state.load(search.best_tab)
    proven = False
    if exact and not search.stopped:
        method.append("cp-sat")
        search.enter("exact")
        open_ = [t for t in range(prob.n_tables) if state.at[0][t]]
        _, proven = resolve_tables(state, 0, open_, time_limit=max(deadline - time.perf_counter(), 0.1),
                                   seed=seed, workers=workers)
        search.improved()
        state.load(search.best_tab)
        if proven:
            bound = state.total()
            bound_terms["cp-sat optimum"] = bound
    elif (not exact and not pairwise and not search.stopped and time.perf_counter() < deadline
          and (iterations is None or iterations >= params.lns_every)):
        method.append("lns")
        search.enter("lns")
        search.max_iterations = None  # the re-solves have their own (deterministic) effort
        steps = None if iterations is None else iterations // params.lns_every
        lns_search(search, rng, n_tables=params.lns_tables, step_time=params.lns_step_time if steps is None else 0.2,
                   workers=workers, patience=params.lns_patience, max_steps=steps)
        state.load(search.best_tab)
    if fairness > 0 and not search.stopped:
        method.append("fair")
        search.enter("fair")
        raise_minimum(search, rng, fairness)
        state.load(search.best_tab)
    notes: list[str] = []
    if beside is not None:
        bound, bound_terms, notes = beside.result(state.total(), bound, bound_terms)
    elif reserve and not proven:
        bound, bound_terms, notes = _tighter_bound(prob, state, search, bound, bound_terms, params, iterations)
    plan = _make_plan(prob, state, bound, bound_terms, "+".join(method), search, proven, notes)
    # the clock may end a fixed effort at the monitor's stop or, earlier, at the deadline the phases keep
    # before the bound's reserve: either way the plan depends on the machine's speed
    cut = plan.extras.get("stopped") or search.clock_ended
    if iterations is not None and cut and plan.extras["iterations"] < iterations:
        plan.notes.append(f"the fixed effort was cut short: {plan.extras['iterations']:,} of the {iterations:,} "
                          "iterations asked ran before the stop, so another run with the same seed can give another "
                          "plan (give more time for runs that repeat exactly)")
    return plan


def _tighter_bound(prob: SeatingProblem, state: SeatingState, search: Tracker, bound: float, bound_terms: dict,
                   params: SeatingParams, iterations: int | None) -> tuple[float, dict, list[str]]:
    """The semidefinite bound in the time kept for it, unless the plan already meets the cheap bound
    or the solve was stopped."""
    objective = state.total()
    if search.monitor.stopped or objective >= bound - 1e-9 * max(1.0, abs(bound)):
        return bound, bound_terms, []
    search.enter("bound")
    margin = plan_seconds(prob)  # for building the plan afterwards
    left = min(max(search.monitor.deadline - time.perf_counter() - margin, 0.05), params.bound_seconds)
    fixed = iterations is not None and int(prob.capacities.sum()) <= FIXED_EFFORT_SIZE
    effort = params.bound_iterations if fixed else (0 if iterations is not None else None)  # 0: the degree bound only
    return sdp_bound(prob, time_limit=left, max_iter=effort, target=objective)


def _mixed_rounds(prob: SeatingProblem, params: SeatingParams) -> bool:
    """Whether the rounds are re-seated in turn on their whole value after the annealing: ``anneal_share < 1``
    and every free round has from 2 to ``mixed_size`` members who may move (bigger rounds anneal throughout)."""
    free = movable(prob)
    sizes = [int(free[r].sum()) for r in range(prob.rounds) if r not in prob.locked_rounds]
    return params.anneal_share < 1 and bool(sizes) and max(sizes) >= 2 and max(sizes) <= params.mixed_size


def _exact_case(prob: SeatingProblem, params: SeatingParams) -> bool:
    """One free round where every seat is taken (table sizes forced), small enough for CP-SAT."""
    return (prob.rounds == 1 and not prob.locked_rounds and prob.n <= params.exact_size
            and int(prob.attend[0].sum()) == int(prob.capacities.sum()) and not prob.met_before.any())


def _make_plan(prob: SeatingProblem, state: SeatingState, bound: float, bound_terms: dict, method: str,
               search: Tracker, proven: bool, bound_notes: list[str] = ()) -> Plan:
    frame = prob.to_frame(state.tab)
    violations = prob.violations(state.tab)
    held = tuple(f"round {r + 1}:" for r in sorted(prob.locked_rounds))
    in_held = [v for v in violations if held and v.startswith(held)]
    violations = [v for v in violations if v not in in_held]
    if violations:  # pragma: no cover - a solver bug, never an input problem
        raise RuntimeError("seating produced an invalid plan: " + "; ".join(violations[:5]))
    objective = prob.objective.evaluate(frame, "seating")["total"]
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
    notes += list(bound_notes)
    if objective > bound + 1e-6 * max(1.0, abs(objective)):  # an exact bound below the plan: fall back
        relaxation, _ = seating_bound(prob)
        if objective <= relaxation + 1e-6 * max(1.0, abs(objective)):
            notes.append(f"the exact bound {bound:.6g} is below the plan's objective {objective:.6g}: "
                         f"reporting the relaxation bound {relaxation:.6g} instead")
            bound, proven = relaxation, False
    monitor = search.monitor
    search.phase = "done"
    if not monitor.stopped:
        monitor.report("done", objective=objective, bound=bound if math.isfinite(bound) else None,
                       iteration=search.iterations, repeats=state.repeats, force=True)
    if not monitor.history or monitor.history[-1][1] != objective:  # the plan kept is the last point
        monitor.history.append((monitor.elapsed(), objective, bound))
    rules = {"capacities": list(map(int, prob.capacities)), "min_size": prob.min_size or None,
             "attendance": {r + 1: [prob.members[i] for i in np.flatnonzero(prob.attend[r])]
                            for r in range(prob.rounds)}}
    plan = Plan.build("seating", frame, objective_fn=prob.objective, requests=prob.requests, rules=rules,
                      bound=bound, proven=proven, method=method, monitor=monitor, notes=notes,
                      extras={"bound_terms": bound_terms, "iterations": search.iterations, "repeats": state.repeats})
    return plan
