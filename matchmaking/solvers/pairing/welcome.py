"""``welcome``: each newcomer meets ``k`` veterans, one a round; a veteran hosts at most ``h`` a round."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from matchmaking.errors import InfeasibleError, InputError
from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import Objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.control import Monitor
from matchmaking.solvers.pairing._common import (
    bipartite_edge_coloring,
    build_plan,
    drop_apart,
    generic_explain,
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
    monitor: Monitor,
) -> Plan:
    """Welcome rounds (see :func:`matchmaking.pair`, mode ``welcome``).

    The choice of veterans is exact (a min-cost flow: each newcomer gets ``k`` distinct
    veterans, each veteran at most ``k * hosts_per_round`` newcomers, most affinity first);
    the meetings are then spread over ``k`` rounds by a bipartite edge colouring, so that
    each newcomer meets one veteran a round and each veteran hosts at most
    ``hosts_per_round`` newcomers a round (newcomers at the same veteran share the group).
    """
    newcomers, veterans = list(newcomers), list(veterans)
    h = int(hosts_per_round)
    if k < 1 or h < 1:
        raise InputError("k and hosts_per_round must be >= 1", column="k" if k < 1 else "hosts_per_round")
    overlap = sorted(set(newcomers) & set(veterans))
    if overlap:
        raise InputError(f"{overlap[0]!r} is both a newcomer and a veteran", column="veterans")
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
    monitor.report("assignment", message=f"{len(newcomers)} newcomers, {len(veterans)} veterans", force=True)
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
    if h > 1:
        # newcomers at the same veteran meet too: bound their pairs by each newcomer's best ones
        nn = side_weights(objective, newcomers, newcomers)
        np.fill_diagonal(nn, 0.0)
        top = np.sort(np.clip(nn, 0, None), axis=1)[:, ::-1][:, : k * (h - 1)]
        bound += float(top.sum()) / 2
        notes.append("newcomers hosted together meet each other too; the bound adds their best possible pairs")
    notes += together_note(requests, "welcome")
    return build_plan(
        ordered,
        objective,
        requests=requests,
        rules={"min_size": 2, "max_size": 1 + h},
        monitor=monitor,
        bound=bound,
        method="welcome (min-cost flow + edge colouring)",
        notes=notes,
        extras={"newcomers": newcomers, "veterans": veterans, "k": k, "hosts_per_round": h},
        explainer=_explain_welcome,
        checker=functools.partial(_check_welcome, newcomers=newcomers, veterans=veterans, k=k, h=h),
    )


def _check_welcome(plan: Plan, *, newcomers: list[str], veterans: list[str], k: int, h: int) -> list[str]:
    """Welcome rules, re-read from the assignments: one veteran a group with at most ``h``
    newcomers, each newcomer in every one of the ``k`` rounds with a different veteran."""
    newcomers, veterans = set(newcomers), set(veterans)  # type: ignore[assignment]
    out = []
    met: dict[str, list[str]] = {m: [] for m in newcomers}
    for (rnd, grp), who in plan.groups().items():
        vets = [m for m in who if m in veterans]
        news = [m for m in who if m in newcomers]
        if len(vets) != 1 or len(news) + 1 != len(who) or not 1 <= len(news) <= h:
            out.append(f"round {rnd}, group {grp}: not one veteran with 1 to {h} newcomer(s) ({', '.join(who)})")
            continue
        for m in news:
            met[m].append(vets[0])
    for m, vets in sorted(met.items()):
        if len(vets) != k or len(set(vets)) != k:
            out.append(f"newcomer {m} meets {len(set(vets))} different veteran(s), not {k}")
    return out


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
