"""The block tasks: what each block gets, and running them (in this process or in worker processes)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from matchmaking.model.community import Community
from matchmaking.scoring.objective import Objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.cohorts.blocks import (
    Block,
    block_bounds,
    block_keys,
    block_skills,
    make_blocks,
    recode,
    split_blocks,
)
from matchmaking.solvers.cohorts.bound import city_bound, cohort_bound
from matchmaking.solvers.cohorts.check import Rules
from matchmaking.solvers.cohorts.conflicts import (
    check_request_conflicts,
    check_together,
    pin_pairs,
    request_rows,
)
from matchmaking.solvers.cohorts.growth import growth_keys, growth_labels
from matchmaking.solvers.cohorts.params import CohortParams
from matchmaking.solvers.cohorts.search import solve_block_any_k


@dataclass
class Layout:
    """The decomposition: blocks ``(key, member positions, cohorts)``, the cities cut into sub-blocks,
    the largest set of members pairwise apart per block, and the requests as position pairs."""

    blocks: list[tuple[str, np.ndarray, int]]
    split_cities: list[tuple[str, np.ndarray]]
    cliques: dict[str, int]
    together: list[tuple[int, int]]
    apart: list[tuple[int, int]]


def decompose(community: Community, rules: Rules, requests: Requests, prev_lab: np.ndarray, growth: bool,
              n_cohorts: int | None, max_block: int | None, source: object, notes: list[str]) -> Layout:
    """Cut the members into blocks and check the requests against them (conflicts raise)."""
    pos = {m: i for i, m in enumerate(community.ids)}
    keys = block_keys(community, rules.similar)
    if growth:
        keys = growth_keys(keys, prev_lab)
    together = [(pos[a], pos[b]) for a, b in requests.together]
    apart = [(pos[a], pos[b]) for a, b in requests.apart]
    pinned = pin_pairs(requests, pos)
    together += pinned["together"]
    apart += pinned["apart"]
    blocks = make_blocks(keys, rules.lo, rules.hi, n_cohorts, rules.lead, prev_lab, notes)
    missing = [key for key, _, _ in blocks if "(missing)" in key]
    if missing:
        notes.append(f"members with no {'/'.join(rules.similar)} form their own block(s): {', '.join(missing)}")
    check_together(requests, keys, blocks, pos)
    cliques = check_request_conflicts(requests, blocks, pos, rules.lo, rules.hi,
                                      n_cohorts is not None or not rules.sized, request_rows(source))
    split_cities: list[tuple[str, np.ndarray]] = []
    if max_block is not None and not growth:
        goal = np.asarray([g[0] if g else "" for g in community.members["goals"]], dtype=object)
        first = community.attribute_codes(rules.protect[0]) if rules.protect else None
        cities = blocks
        blocks = split_blocks(blocks, int(max_block), goal, together, rules.lo, rules.hi, rules.lead, n_cohorts,
                              notes, first)
        kept = {key for key, _, _ in blocks}
        split_cities = [(key, members) for key, members, _ in cities if key not in kept]
    return Layout(blocks, split_cities, cliques, together, apart)


def build_problems(community: Community, objective: Objective, rules: Rules, layout: Layout, prev_lab: np.ndarray,
                   growth: bool, move_budget: int | None, n_cohorts: int | None, budget_left: float, seed: int,
                   workers: int, params: CohortParams) -> tuple[list[Block], float]:
    """One :class:`Block` per block of the layout, and the proven bound of the whole plan."""
    aff = objective.affinity
    offers_all = community.incidence("offers").tocsr()
    needs_all = community.incidence("needs").tocsr()
    spread_codes = {a: community.attribute_codes(a) for a in rules.spread}
    protect_codes = {a: community.attribute_codes(a) for a in rules.protect}
    balance_x = {}
    for a in rules.balance:
        x = community.members[a].astype(float).to_numpy()
        balance_x[a] = (x, float(np.nanstd(x)) or 1.0)
    n_total = len(community)
    balanced = n_cohorts is not None or not rules.sized
    problems: list[Block] = []
    bound = 0.0
    for bi, (key, members, k) in enumerate(layout.blocks):
        local = {g: r for r, g in enumerate(members)}
        Wb = aff.restrict([community.ids[m] for m in members]).matrix().tocsr()
        ob, nb = block_skills(offers_all, needs_all, members)
        sp_list = [(recode(spread_codes[a][members]), w) for a, w in rules.spread.items()]
        pr_list = [recode(protect_codes[a][members]) for a in rules.protect]
        bal_list = []
        for a, w in rules.balance.items():
            x, sd = balance_x[a]
            xb = x[members]
            mu = np.nanmean(xb) if np.isfinite(xb).any() else 0.0
            bal_list.append((np.nan_to_num((xb - mu) / sd), w))
        tog = [(local[x], local[y]) for x, y in layout.together if x in local and y in local]
        apa = [(local[x], local[y]) for x, y in layout.apart if x in local and y in local]
        lab_lo, lab_hi, kr = block_bounds(len(members), k, rules.lo, rules.hi, balanced)
        init = home = olds = None
        k_options: tuple[int, ...] = ()
        if growth:
            home, olds = growth_labels(prev_lab[members])
            init, k = home.copy(), max(len(olds), 1)
        elif not balanced:
            # other feasible counts, closest to the lead count (or to k) first: tried when the
            # rules (protect, leads, requests) cannot hold with k cohorts
            apart_k = layout.cliques.get(key.split("#")[0], 0)
            if k < apart_k <= kr[1]:
                k = apart_k  # members pairwise apart need as many cohorts
            target = int(rules.lead[members].sum()) if rules.lead.any() else k
            k_options = tuple(sorted((c for c in range(max(kr[0], 1), kr[1] + 1) if c != k),
                                     key=lambda c: (abs(c - target), c))[:params.other_counts])
        problems.append(Block(
            key=key, members=members, W=Wb, offers=ob, needs=nb, needs_weight=objective.needs,
            spread=sp_list, protect=pr_list, lead=rules.lead[members], balance=bal_list, together=tog, apart=apa,
            k=k, lo=lab_lo, hi=lab_hi, init=init, home=home, olds=olds,
            budget=move_budget if growth else None, k_options=k_options,
            time_limit=budget_left * len(members) / n_total * max(1, workers),
            seed=int(np.random.SeedSequence([seed, bi]).generate_state(1)[0]), params=params,
        ))
        if not any(key.startswith(f"{city}#") for city, _ in layout.split_cities):
            bound += cohort_bound(Wb, ob, nb, objective.needs, sp_list, rules.hi, kr)
    # a city cut into sub-blocks: the bound is taken on the whole city, so that it holds for any
    # partition keeping cities together (not only for plans inside the sub-blocks)
    for _, members in layout.split_cities:
        bound += city_bound(aff, community, members, offers_all, needs_all, objective.needs,
                            [(recode(spread_codes[a][members]), w) for a, w in rules.spread.items()],
                            rules.lo, rules.hi, chunk=params.bound_chunk)
    return problems, bound


def run_blocks(problems: list[Block], workers: int, callback: Callable | None) -> list:
    """Solve every block (largest first): in this process, or in ``workers`` processes."""
    order = sorted(range(len(problems)), key=lambda r: -len(problems[r].members))
    results: list = [None] * len(problems)
    if workers > 1 and len(problems) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, os.cpu_count() or 1)) as pool:
            futures = {r: pool.submit(solve_block_any_k, problems[r]) for r in order}
            for r in order:
                results[r] = futures[r].result()
                if callback:
                    callback(problems[r].key, results[r][2])
    else:
        # one process: a block that stops early leaves its time to the next ones
        deadline = time.perf_counter() + sum(b.time_limit for b in problems)
        left = sum(len(b.members) for b in problems)
        for r in order:
            b = problems[r]
            b.time_limit = max((deadline - time.perf_counter()) * len(b.members) / max(left, 1),
                               b.params.min_block_seconds)
            left -= len(b.members)
            results[r] = solve_block_any_k(b)
            if callback:
                callback(problems[r].key, results[r][2])
    return results
