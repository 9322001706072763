"""``welcome``: each newcomer meets ``k`` veterans, one a round; a veteran hosts at most ``h`` a round."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from matchmaking.errors import InfeasibleError
from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import Objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.pairing._common import (
    Callback,
    bipartite_edge_coloring,
    drop_apart,
    generic_explain,
    make_plan,
    report_progress,
    together_note,
)
from matchmaking.solvers.pairing.mentor import side_weights, welfare_optimal


def welcome(
    objective: Objective,
    newcomers: Sequence[str],
    veterans: Sequence[str],
    *,
    k: int = 2,
    hosts_per_round: int = 1,
    requests: Requests | None = None,
    callback: Callback | None = None,
) -> Plan:
    """Welcome rounds (see :func:`matchmaking.pair`, mode ``welcome``).

    The choice of veterans is exact (a min-cost flow: each newcomer gets ``k`` distinct
    veterans, each veteran at most ``k * hosts_per_round`` newcomers, most affinity first);
    the meetings are then spread over ``k`` rounds by a bipartite edge colouring, so that
    each newcomer meets one veteran a round and each veteran hosts at most
    ``hosts_per_round`` newcomers a round (newcomers at the same veteran share the group).
    """
    t0 = time.perf_counter()
    newcomers, veterans = list(newcomers), list(veterans)
    h = int(hosts_per_round)
    if k < 1 or h < 1:
        raise ValueError("k and hosts_per_round must be >= 1")
    overlap = sorted(set(newcomers) & set(veterans))
    if overlap:
        raise ValueError(f"{overlap[0]!r} is both a newcomer and a veteran")
    if k > len(veterans):
        raise InfeasibleError(
            "not enough veterans", [f"each newcomer meets k={k} veterans", f"there are {len(veterans)} veterans"]
        )
    if len(newcomers) > h * len(veterans):
        raise InfeasibleError(
            "not enough hosts per round",
            [f"{len(newcomers)} newcomers meet one veteran a round",
             f"{len(veterans)} veterans host at most {h} newcomer(s) a round"],
        )
    w = side_weights(objective, newcomers, veterans)
    acceptable = np.ones(w.shape, dtype=bool)
    drop_apart(acceptable, requests, newcomers, veterans)
    cap_new = np.full(len(newcomers), k, dtype=np.int64)
    cap_vet = np.full(len(veterans), k * h, dtype=np.int64)
    report_progress(callback, stage="assignment", newcomers=len(newcomers), veterans=len(veterans))
    pairs, bound = welfare_optimal(w, acceptable, cap_new, cap_vet, everyone=True)
    got = np.bincount([i for i, _ in pairs], minlength=len(newcomers))
    if (got < k).any():
        who = newcomers[int(np.flatnonzero(got < k)[0])]
        raise InfeasibleError(
            f"{who} cannot meet {k} veterans", [f"apart requests involving {who}", f"k={k}, hosts_per_round={h}"]
        )
    # veteran v's j-th newcomer goes to host slot j mod h: each slot then has at most k newcomers
    seen: dict[int, int] = {}
    slots = []
    for _, v in pairs:
        slots.append(v * h + seen.get(v, 0) % h)
        seen[v] = seen.get(v, 0) + 1
    colors = bipartite_edge_coloring([i for i, _ in pairs], slots, k)
    groups: dict[tuple[int, int], list[str]] = {}
    for (i, v), col in zip(pairs, colors, strict=True):
        groups.setdefault((col + 1, v), [veterans[v]]).append(newcomers[i])
    ordered = [(r, groups[(r, v)]) for r, v in sorted(groups)]
    notes = [f"{len(newcomers)} newcomers meet {k} veterans each, one a round; "
             f"{len(veterans)} veterans host at most {h} a round"]
    status = "optimal"
    if h > 1:
        # newcomers at the same veteran meet too: bound their pairs by each newcomer's best ones
        nn = side_weights(objective, newcomers, newcomers)
        np.fill_diagonal(nn, 0.0)
        top = np.sort(np.clip(nn, 0, None), axis=1)[:, ::-1][:, : k * (h - 1)]
        bound += float(top.sum()) / 2
        status = "feasible"
        notes.append("newcomers hosted together meet each other too; the bound adds their best possible pairs")
    notes += together_note(requests, "welcome")
    plan = make_plan(
        ordered,
        objective,
        bound=bound,
        status=status,
        method="welcome (min-cost flow + edge colouring)",
        time=time.perf_counter() - t0,
        notes=notes,
        extras={"newcomers": newcomers, "veterans": veterans, "k": k, "hosts_per_round": h},
        explainer=_explain_welcome,
    )
    if plan.status == "feasible" and plan.bound - plan.objective <= 1e-9 * max(1.0, abs(plan.bound)):
        plan.status = "optimal"
    report_progress(callback, stage="done", objective=plan.objective, bound=plan.bound)
    return plan


def _explain_welcome(plan: Plan, member: str) -> str:
    ex = plan.extras
    if member in ex["newcomers"]:
        head = f"{member} is a newcomer and meets {ex['k']} veterans, one a round"
    elif member in ex["veterans"]:
        rounds = plan.assignments.loc[plan.assignments["member"] == member, "round"].nunique()
        if not rounds:
            return f"{member} is a veteran and hosts nobody this time"
        head = f"{member} is a veteran and hosts newcomers in {rounds} round(s)"
    else:
        return f"{member} is not in this plan"
    return head + "\n" + generic_explain(plan, member)
