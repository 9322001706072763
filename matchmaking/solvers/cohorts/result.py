"""From the blocks' tables to the plan: cohort numbers, notes, the shared objective and the checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import Objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.cohorts.blocks import Block
from matchmaking.solvers.cohorts.check import Rules, cohort_plan
from matchmaking.solvers.cohorts.conflicts import apply_pins
from matchmaking.solvers.cohorts.explain import explain_member, explain_unavoidable
from matchmaking.solvers.cohorts.growth import growth_numbers, moved_count
from matchmaking.solvers.cohorts.tasks import BlockResult
from matchmaking.solvers.control import Monitor


def assemble(problems: list[Block], results: list[BlockResult], community: Community, rules: Rules,
             requests: Requests, prev_lab: np.ndarray, growth: bool,
             notes: list[str]) -> tuple[pd.DataFrame, list[dict], dict]:
    """The ``cohort,member`` table from the blocks' tables (numbered block after block, growth keeping
    the previous numbers, pins honoured), the per-block rows and the summed search statistics."""
    ids = community.ids
    lead = rules.lead
    labels = np.full(len(ids), -1, dtype=np.int64)
    offset = 0
    block_rows = []
    stats_total: dict[str, float] = {}
    for b, res in zip(problems, results, strict=True):
        notes += res.notes
        b.k = res.k
        for key_, v in res.stats.items():
            stats_total[key_] = stats_total.get(key_, 0.0) + v
        lab = res.table["cohort"].to_numpy(dtype=np.int64)
        if b.home is not None:
            labels[b.members] = lab  # local labels, numbered by growth_numbers
        else:
            labels[b.members] = lab + offset
            offset += b.k
        block_rows.append({"block": b.key, "members": len(b.members), "cohorts": b.k,
                           "leads": int(b.lead.sum())})
        if rules.leaders is not None and lead.any() and b.lead.sum() < b.k:
            notes.append(
                f"{b.key}: {int(b.lead.sum())} lead(s) for {b.k} cohorts; "
                f"{b.k - int(b.lead.sum())} cohort(s) have no lead"
            )
    cohort_of = growth_numbers(problems, labels, int(prev_lab.max())) if growth else labels + 1
    if rules.leaders is not None and lead.any():
        per = np.bincount(cohort_of[lead])
        if (per >= 2).any():
            notes.append(
                f"{int((per >= 2).sum())} cohort(s) have 2+ leads: more leads than cohorts "
                + ("that the sizes allow" if not growth else
                   "that the newcomers can fill (growth keeps the existing cohorts; a new cohort needs "
                   f"at least {rules.lo} newcomers)")
            )
    pos = {m: i for i, m in enumerate(ids)}
    cohort_of = apply_pins(cohort_of, requests, pos)
    assignments = pd.DataFrame({"cohort": cohort_of.astype(int), "member": ids})
    assignments = assignments.sort_values(["cohort", "member"], kind="stable").reset_index(drop=True)
    return assignments, block_rows, stats_total


def make_plan(assignments: pd.DataFrame, community: Community, objective: Objective, rules: Rules,
              requests: Requests, problems: list[Block], bound: float, monitor: Monitor, *,
              previous: pd.DataFrame | None, move_budget: int | None, prev_lab: np.ndarray,
              block_rows: list[dict], stats: dict, notes: list[str]) -> Plan:
    """Score the assignments with the shared objective (balance included), check the rules, build the plan."""
    plan = cohort_plan(
        assignments, objective, requests=requests, size=(rules.lo, rules.hi) if rules.sized else None,
        protect=rules.protect, leaders=rules.leaders, similar=rules.similar, previous=previous,
        move_budget=move_budget, bound=bound, method="blocks+greedy+local search", monitor=monitor,
        notes=notes, explainer=explain_member,
        extras={"blocks": pd.DataFrame(block_rows), "search": stats, "size": (rules.lo, rules.hi),
                "similar": rules.similar, "protect": rules.protect, "leaders": rules.leaders,
                "spread": list(rules.spread), "previous": prev_lab,
                "moved": moved_count(previous, assignments) if previous is not None else 0},
    )
    violations = plan.problems
    plan.extras["violations"] = violations
    if violations:
        plan.status = "infeasible"
        plan.notes.append(f"{len(violations)} hard rule(s) broken; see plan.problems (first: {violations[0]})")
        plan.notes += explain_unavoidable(problems, rules.protect, community)
    if not monitor.stopped:
        monitor.report("done", objective=plan.objective, bound=plan.bound, violations=len(violations), force=True)
    plan.progress = list(monitor.history)
    if not plan.progress or plan.progress[-1][1] != plan.objective:
        plan.progress.append((monitor.elapsed(), plan.objective, plan.bound))
    return plan
