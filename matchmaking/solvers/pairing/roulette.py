"""``roulette``: coffee roulette over several rounds, optimised jointly, without repeats.

Every round pairs everyone who attends (one trio when the count is odd). A pair never meets
twice, within the rounds or against the meeting history, while the round can still be paired
with unmet pairs only. Among such plans the total affinity of the pairs is maximised.

1. The LP relaxation (:meth:`RouletteProblem.relaxation`: each member meets at most one person
   per round attended) gives a proven bound and target pairs; a small portfolio of round-by-round
   exact matchings steered towards the target, then a large-neighbourhood search, give the plan
   (:mod:`.roulette_search`).
2. Small events (at most :attr:`RouletteParams.exact_max_pairs` pair-round variables, e.g. 40
   members over 5 rounds) are then solved by CP-SAT (:mod:`.roulette_exact`) from that plan: a
   proven optimum, or at the time limit the better plan and CP-SAT's bound when tighter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from matchmaking.errors import InputError
from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import Objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.control import Monitor
from matchmaking.solvers.pairing._common import build_plan, generic_explain
from matchmaking.solvers.pairing.inputs import snooze_table
from matchmaking.solvers.pairing.roulette_exact import model_size, solve_exact
from matchmaking.solvers.pairing.roulette_search import RouletteParams, RouletteProblem

__all__ = ["RouletteParams", "roulette"]


def roulette(
    objective: Objective,
    members: Sequence[str],
    *,
    rounds: int,
    monitor: Monitor,
    snooze: object = None,
    opt_out: Sequence[str] = (),
    requests: Requests | None = None,
    method: str = "joint",
    seed: int = 0,
    params: RouletteParams | None = None,
) -> Plan:
    """Coffee roulette over ``rounds`` rounds (see :func:`matchmaking.pair`, mode ``roulette``)."""
    params = params or RouletteParams()
    out = set(opt_out)
    unknown = sorted(out - set(members))
    if unknown:
        raise InputError(f"opt_out names {unknown[0]!r}, who is not among the members", column="opt_out")
    people = [m for m in members if m not in out]
    if not people:
        raise InputError("nobody is left to pair: every selected member opted out", column="opt_out")
    if len(people) > params.max_members:
        raise InputError(f"roulette plans events of up to {params.max_members} members, not {len(people)}: "
                         "split by city or cohort", column="members")
    skips = snooze_table(snooze, people, rounds)
    avail = np.ones((rounds, len(people)), dtype=bool)
    for k, m in enumerate(people):
        for r in skips.get(m, ()):
            avail[r - 1, k] = False
    problem = RouletteProblem(objective, people, avail, requests or Requests(), candidates=params.candidates)
    bound, target = problem.relaxation()
    monitor.report("relaxation", bound=bound, force=True)
    candidates = []
    levels = params.steering if method == "joint" else (0.0,)
    positive = target[target > 0]
    mean = float((problem.weight[target > 0]).mean()) if len(positive) else 1.0
    for level in levels:
        if candidates and monitor.time_up():
            break
        bonus = None if level == 0 else level * max(mean, 1e-9) * target
        plan = problem.build(bonus)
        reps, weight = problem.value(plan)
        candidates.append(((reps, -weight, len(candidates)), level, plan))
        monitor.report("start", objective=weight, bound=bound, repeats=reps, message=f"steering {level:g}")
    (reps, _, _), level, best = min(candidates, key=lambda c: c[0])
    method_name = f"roulette joint (steering {level:g})" if method == "joint" else "roulette round by round"
    notes = [f"{len(people)} member(s), {rounds} round(s)"]
    if method == "joint" and reps == 0:  # with repeats, keep the round-by-round order that made them unavoidable
        best = problem.improve(best, seed=seed, patience=params.patience, monitor=monitor)
    proven = False
    if method == "joint" and reps == 0 and (problem.history > 0).any():
        tighter = problem.relaxation(repeat_free=True)[0]  # every plan the rule allows is then repeat-free
        if tighter < bound:
            bound = tighter
            notes.append("bound over repeat-free plans: pairs that met before are left out of the LP")
    size = model_size(problem)
    exact_ok = method == "joint" and reps == 0 and size <= params.exact_max_pairs
    reached = problem.value(best)[1] >= bound - 1e-9 * max(1.0, abs(bound))
    if exact_ok and reached:
        notes.append("the plan reaches the LP bound: optimal")
    elif exact_ok and monitor.report("exact", message=f"CP-SAT on {size} pair-round variables", force=True):
        seconds = params.exact_share * monitor.remaining()
        found, exact_bound, proven = solve_exact(problem, best, monitor, seconds=seconds, seed=seed,
                                                 effort=params.exact_effort)
        if found is not None and _better(problem.value(found), problem.value(best)):
            best, method_name = found, "roulette exact (CP-SAT)"
        if exact_bound > -math.inf:  # -inf: CP-SAT found the model infeasible (it cannot be: best is feasible)
            bound = min(bound, exact_bound)
        notes.append(("proven optimal by CP-SAT" if proven else "CP-SAT bound when tighter")
                     + f" ({size} pair-round variables; repeat-free plans, as the roulette's rule asks)")
    elif method == "joint" and reps == 0:
        notes.append(f"too large for the exact model ({size} pair-round variables > {params.exact_max_pairs})")
    reps, weight = problem.value(best)
    sequential = next((c for c in candidates if c[1] == 0.0), candidates[0])
    groups = [(r + 1, [people[u] for u in grp]) for r, grp_list in enumerate(best) for grp in grp_list]
    if out:
        notes.append(f"{len(out)} opted out: {', '.join(sorted(out)[:5])}{'...' if len(out) > 5 else ''}")
    if skips:
        notes.append(f"{len(skips)} member(s) snooze some rounds")
    if reps:
        notes.append(f"{reps} repeated encounter(s): some rounds could not be paired with new pairs only")
    alone = [g for _, g in groups if len(g) == 1]
    if alone:
        notes.append(f"{len(alone)} round(s) with a single attendee, who could not be paired")
    if not proven and not (exact_ok and reached):
        notes.append("bound: each member meets at most one person per round attended (LP relaxation, exact "
                     "min-cost flow)" + (", or CP-SAT's when tighter" if exact_ok else ""))
    attendance = {r + 1: [people[k] for k in np.flatnonzero(avail[r])] for r in range(rounds)}
    return build_plan(
        groups, objective, requests=requests, rules={"min_size": 1 if alone else 2, "max_size": 3,
                                                     "attendance": attendance},
        monitor=monitor, bound=bound if math.isfinite(bound) else math.inf, proven=proven, method=method_name,
        notes=notes, explainer=_explain_roulette,
        extras={
            "sequential_weight": -sequential[0][1],
            "sequential_repeats": sequential[0][0],
            "weight": weight,
            "repeats": reps,
            "snooze": {m: sorted(r) for m, r in skips.items()},
            "opt_out": sorted(out),
        },
    )


def _better(a: tuple[int, float], b: tuple[int, float]) -> bool:
    """Fewer repeats, then more weight (with a little float slack)."""
    return a[0] < b[0] or (a[0] == b[0] and a[1] > b[1] + 1e-9 * max(1.0, abs(b[1])))


def _explain_roulette(plan: Plan, member: str) -> str:
    if member in plan.extras.get("opt_out", ()):
        return f"{member} opted out of the roulette"
    lines = [generic_explain(plan, member)]
    for r in plan.extras.get("snooze", {}).get(member, ()):
        lines.append(f"{member} skips round {r} (snooze)")
    return "\n".join(line for line in lines if line)
