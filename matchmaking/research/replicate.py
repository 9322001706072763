"""One run of the network-growth model (:func:`run_replicate`): events, encounters, ties, departures.

The steps of an event are described in :mod:`matchmaking.research.simulate`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.research.growth import GrowthModel, growth_curve
from matchmaking.research.metrics import network_metrics
from matchmaking.research.strategies import Strategy
from matchmaking.scoring.affinity import affinity
from matchmaking.solvers.control import Progress


def _table_pairs(plan: pd.DataFrame, position: Mapping[str, int], n_pool: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pair keys ``lo * n_pool + hi`` that shared a table, and their shared rounds."""
    idx = plan["member"].map(position).to_numpy(dtype=np.int64)
    group = plan.groupby(["round", "table"], sort=True).ngroup().to_numpy()
    order = np.argsort(group, kind="stable")
    idx, group = idx[order], group[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], len(group)]
    keys = []
    for s, e in zip(starts, ends, strict=True):
        members = idx[s:e]
        a, b = np.triu_indices(len(members), 1)
        lo = np.minimum(members[a], members[b])
        hi = np.maximum(members[a], members[b])
        keys.append(lo * n_pool + hi)
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(keys), return_counts=True)


def _lookup(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``keys`` in ``sorted_keys`` and whether they are there."""
    pos = np.searchsorted(sorted_keys, keys)
    found = np.zeros(len(keys), dtype=bool)
    inside = pos < len(sorted_keys)
    found[inside] = sorted_keys[pos[inside]] == keys[inside]
    return pos, found


def _natural(text: object) -> tuple:
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(text)))


def _replay(schedule: pd.DataFrame, position: Mapping[str, int]) -> list[np.ndarray]:
    """Pool indices of each event's attendees, events in natural order (E2 before E10)."""
    if not {"event", "member"} <= set(schedule.columns):
        raise InputError("schedule must have columns event, member")
    unknown = sorted(set(schedule["member"].astype(str)) - set(position))
    if unknown:
        raise InputError(f"schedule lists people who are not in the community: {unknown[:5]}")
    events = sorted(schedule["event"].unique(), key=_natural)
    return [
        np.unique(schedule.loc[schedule["event"] == e, "member"].astype(str).map(position).to_numpy(dtype=np.int64))
        for e in events
    ]


def _check_plan(plan: object, attendees: set[str], name: str) -> pd.DataFrame:
    if not isinstance(plan, pd.DataFrame) or not {"round", "table", "member"} <= set(plan.columns):
        raise InputError(f"strategy {name!r} must return a DataFrame round,table,member", column="strategy")
    unknown = set(plan["member"]) - attendees
    if unknown:
        raise InputError(f"strategy {name!r} seated people who are not attending: {sorted(unknown)[:5]}",
                         column="strategy")
    if plan.duplicated(["round", "member"]).any():
        raise InputError(f"strategy {name!r} seated someone twice in the same round", column="strategy")
    return plan


def affinity_scores(pool: Community, model: GrowthModel) -> Callable[[list[str], list[str]], np.ndarray]:
    """Pair scores of the tie model: the affinity with the model's ``similar`` attributes that exist.

    Returns ``scores(a, b)``: the affinity of each pair ``a[k], b[k]`` (lists of member ids), as
    :func:`run_replicate` uses it; computed once and shared by the replicates of a run.
    """
    aff = affinity(pool, similar=[s for s in model.similar if s in pool.members.columns])

    def scores(a: list[str], b: list[str]) -> np.ndarray:
        return aff.score(a, b)["total"].to_numpy(dtype=float)

    return scores


def run_replicate(
    pool: Community,
    strategy: Strategy,
    model: GrowthModel,
    *,
    seed: int,
    replicate: int,
    name: str = "",
    scores: Callable[[list[str], list[str]], np.ndarray] | None = None,
    callback: Callable[[Progress], Any] | None = None,
    schedule: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One run of the model for one strategy; returns ``(metrics per event, final ties)``.

    :func:`simulate` and :func:`~matchmaking.research.sweep.sweep` both call this; use them.
    """
    started = time.perf_counter()
    n = len(pool)
    ids = np.asarray(pool.ids, dtype=object)
    position = {m: k for k, m in enumerate(pool.ids)}
    if "joined" in pool.members.columns:
        join_order = np.argsort(pool.members["joined"].astype(str).to_numpy(), kind="stable")
    else:
        join_order = np.arange(n)
    curve = growth_curve(model, n)
    replay = _replay(schedule, position) if schedule is not None else None
    if replay is not None:
        model = replace(model, events=len(replay))
    cohort = pool.attribute_codes(model.cohort) if model.cohort in pool.members.columns else None
    if scores is None:
        scores = affinity_scores(pool, model)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, replicate]).spawn(6)]
    rng_attend, rng_strategy, rng_ties, rng_leave, rng_metrics, rng_people = streams
    sigma = model.sociability
    social = np.exp(sigma * rng_people.standard_normal(n) - sigma**2 / 2) if sigma > 0 else np.ones(n)

    active = np.zeros(n, dtype=bool)
    ever = np.zeros(n, dtype=bool)
    joined_so_far = 0
    left_total = 0
    met_keys = np.zeros(0, dtype=np.int64)
    met_count = np.zeros(0, dtype=np.int64)
    tie_keys = np.zeros(0, dtype=np.int64)
    tie_w = np.zeros(0, dtype=float)
    tie_formed = np.zeros(0, dtype=np.int64)
    rows = []
    for event in range(1, model.events + 1):
        if replay is None:
            newcomers = join_order[joined_so_far: curve[event - 1]]
            joined_so_far = max(joined_so_far, int(curve[event - 1]))
        else:  # real attendance: members join at their first event and come when listed
            newcomers = replay[event - 1][~ever[replay[event - 1]]]
        active[newcomers] = True
        ever[newcomers] = True
        if replay is None:
            candidates = np.flatnonzero(active)
            coming = candidates[rng_attend.random(len(candidates)) < model.attendance]
        else:
            coming = replay[event - 1][active[replay[event - 1]]]
        if model.event_size is not None and len(coming) > model.event_size:
            coming = np.sort(rng_attend.choice(coming, model.event_size, replace=False))
        enc_keys = np.zeros(0, dtype=np.int64)
        enc_count = np.zeros(0, dtype=np.int64)
        if len(coming) >= 2:
            att_ids = ids[coming].tolist()
            is_att = np.zeros(n, dtype=bool)
            is_att[coming] = True
            mi, mj = met_keys // n, met_keys % n
            known = is_att[mi] & is_att[mj]
            history = pd.DataFrame(
                {"a": ids[mi[known]], "b": ids[mj[known]], "count": met_count[known]}
            )
            plan = strategy(
                pool.subset(att_ids), history, rng_strategy, table_size=model.table_size, rounds=model.rounds_at(event)
            )
            plan = _check_plan(plan, set(att_ids), name)
            enc_keys, enc_count = _table_pairs(plan, position, n)
        # encounters: who met, who met for the first time
        pos, seen = _lookup(met_keys, enc_keys)
        repeat_share = float(seen.mean()) if len(enc_keys) else math.nan
        if len(enc_keys):
            met_count = met_count.copy()
            met_count[pos[seen]] += enc_count[seen]
            met_keys = np.r_[met_keys, enc_keys[~seen]]
            met_count = np.r_[met_count, enc_count[~seen]]
            order = np.argsort(met_keys, kind="stable")
            met_keys, met_count = met_keys[order], met_count[order]
        # ties: reinforce, form, fade
        pos, is_tie = _lookup(tie_keys, enc_keys)
        contacted = np.zeros(len(tie_keys), dtype=bool)
        contacted[pos[is_tie]] = True
        tie_w = tie_w.copy()
        tie_w[pos[is_tie]] += enc_count[is_tie]
        tie_w[~contacted] *= 1.0 - model.fade
        cand_keys, cand_count = enc_keys[~is_tie], enc_count[~is_tie]
        if len(cand_keys):
            aff_values = scores(ids[cand_keys // n].tolist(), ids[cand_keys % n].tolist())
            hazard = model.tie_rate * (1.0 + model.affinity_effect * np.maximum(aff_values, 0.0))
            hazard = hazard * social[cand_keys // n] * social[cand_keys % n]
            formed = rng_ties.random(len(cand_keys)) < 1.0 - np.exp(-hazard * cand_count)
        else:
            formed = np.zeros(0, dtype=bool)
        keep = tie_w >= model.min_weight
        lost = int((~keep).sum())
        tie_keys = np.r_[tie_keys[keep], cand_keys[formed]]
        tie_w = np.r_[tie_w[keep], cand_count[formed].astype(float)]
        tie_formed = np.r_[tie_formed[keep], np.full(int(formed.sum()), event)]
        order = np.argsort(tie_keys, kind="stable")
        tie_keys, tie_w, tie_formed = tie_keys[order], tie_w[order], tie_formed[order]
        active_ties = int(is_tie.sum() + formed.sum())
        # leaving: fewer ties, more likely to go
        ti, tj = tie_keys // n, tie_keys % n
        degree = np.bincount(ti, minlength=n) + np.bincount(tj, minlength=n)
        share = np.minimum(degree / model.k, 1.0)
        p_leave = model.leave_isolated + (model.leave - model.leave_isolated) * share
        leaving = active & (rng_leave.random(n) < p_leave)
        if leaving.any():
            active &= ~leaving
            left_total += int(leaving.sum())
            stay = active[ti] & active[tj]
            lost += int((~stay).sum())
            tie_keys, tie_w, tie_formed = tie_keys[stay], tie_w[stay], tie_formed[stay]
            ti, tj = ti[stay], tj[stay]
        # measure the tie graph of active members
        members = np.flatnonzero(active)
        relabel = np.full(n, -1)
        relabel[members] = np.arange(len(members))
        stats = network_metrics(
            len(members), relabel[ti], relabel[tj], groups=None if cohort is None else cohort[members],
            k=model.k, path_samples=model.path_samples, rng=rng_metrics,
        )
        row = {
            "strategy": name, "replicate": replicate, "seed": seed, "event": event,
            "members": len(members), "joined": int(ever.sum()), "left": left_total,
            "retention": len(members) / max(int(ever.sum()), 1), "attendees": len(coming),
            "contacts": len(enc_keys), "new_contacts": int((~seen).sum()), "repeat_share": repeat_share,
            "active_ties": active_ties, "new_ties": int(formed.sum()), "lost_ties": lost,
        } | stats
        rows.append(row)
        if callback is not None:
            record = Progress(f"{name} replicate {replicate} event {event}", time.perf_counter() - started,
                              iteration=event, details=row)
            if callback(record) is False:
                break  # the caller asked to stop this run
    metrics = pd.DataFrame(rows)
    ties = pd.DataFrame({
        "strategy": name, "replicate": replicate, "a": ids[tie_keys // n], "b": ids[tie_keys % n],
        "weight": tie_w, "formed": tie_formed,
    })
    return metrics, ties
