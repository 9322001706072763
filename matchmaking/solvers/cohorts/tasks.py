"""The block tasks: what each block gets (its members' rows), and the layout of the blocks.

A task is one :class:`~matchmaking.solvers.cohorts.blocks.Block`: its members' rows (their
restricted :class:`~matchmaking.Affinity`, skills, codes, requests inside the block) and its
settings. :func:`solve_task` runs anywhere (this process, a worker process, a Dask worker): it
builds the block's affinity matrix, its bound, solves it and returns a ``cohort,member`` table
with local cohort numbers; only the numbering across blocks is done by the driver.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matchmaking.model.community import Community
from matchmaking.scoring.objective import Objective, attribute_keys
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.cohorts.blocks import (
    Block,
    block_bounds,
    block_skills,
    make_blocks,
    recode,
    split_blocks,
)
from matchmaking.solvers.cohorts.bound import cohort_bound, factor_bound
from matchmaking.solvers.cohorts.check import Rules
from matchmaking.solvers.cohorts.conflicts import check_request_conflicts, check_together, pin_pairs
from matchmaking.solvers.cohorts.construct import construct
from matchmaking.solvers.cohorts.growth import grow_start, growth_keys, growth_labels
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


@dataclass
class BlockResult:
    """What a block task returns: its ``cohort,member`` table (cohorts numbered from 0 in the block)
    and what the driver reports (notes, search statistics, the block's bound and objective)."""

    table: pd.DataFrame
    k: int
    notes: list[str] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)
    bound: float = 0.0
    score: float = 0.0


def decompose(community: Community, rules: Rules, requests: Requests, prev_lab: np.ndarray, growth: bool,
              n_cohorts: int | None, max_block: int | None, notes: list[str]) -> Layout:
    """Cut the members into blocks and check the requests against them (conflicts raise)."""
    pos = {m: i for i, m in enumerate(community.ids)}
    keys = attribute_keys(community, rules.similar)
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
                                      n_cohorts is not None or not rules.sized)
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
                   growth: bool, move_budget: int | None, n_cohorts: int | None, seed: int,
                   params: CohortParams) -> list[Block]:
    """One :class:`Block` per block of the layout: its members' rows, ready to ship to a worker."""
    aff = objective.affinity
    offers_all = community.incidence("offers").tocsr()
    needs_all = community.incidence("needs").tocsr()
    spread_codes = {a: community.attribute_codes(a) for a in rules.spread}
    protect_codes = {a: community.attribute_codes(a) for a in rules.protect}
    balance_x = {}
    for a in rules.balance:
        x = community.members[a].astype(float).to_numpy()
        balance_x[a] = (x, float(np.nanstd(x)) or 1.0)
    balanced = n_cohorts is not None or not rules.sized
    split = {city for city, _ in layout.split_cities}
    ids = community.ids
    problems: list[Block] = []
    for bi, (key, members, k) in enumerate(layout.blocks):
        local = {g: r for r, g in enumerate(members)}
        ob, nb = block_skills(offers_all, needs_all, members)
        bal_list = []
        for a, w in rules.balance.items():
            x, sd = balance_x[a]
            xb = x[members]
            mu = np.nanmean(xb) if np.isfinite(xb).any() else 0.0
            bal_list.append((np.nan_to_num((xb - mu) / sd), w))
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
            key=key, members=members, W=None, offers=ob, needs=nb, needs_weight=objective.needs,
            spread=[(recode(spread_codes[a][members]), w) for a, w in rules.spread.items()],
            protect=[recode(protect_codes[a][members]) for a in rules.protect],
            lead=rules.lead[members], balance=bal_list,
            together=[(local[x], local[y]) for x, y in layout.together if x in local and y in local],
            apart=[(local[x], local[y]) for x, y in layout.apart if x in local and y in local],
            k=k, lo=lab_lo, hi=lab_hi, init=init, home=home, olds=olds,
            budget=move_budget if growth else None, k_options=k_options,
            seed=int(np.random.SeedSequence([seed, bi]).generate_state(1)[0]), params=params,
            affinity=aff.restrict([ids[m] for m in members]),
            # a city cut into sub-blocks has its bound taken on the whole city (see bound.city_bound)
            bound_range=None if any(key.startswith(f"{city}#") for city in split) else kr,
        ))
    return problems


def solve_task(b: Block, tick: Callable[[int], bool] | None = None, hi: int | None = None) -> BlockResult:
    """Solve one block where it runs: its affinity matrix, its bound, the search; the matrix is
    dropped afterwards (memory stays one block's worth). ``hi``: the rules' largest cohort. A block
    that starts after its ``wall_deadline`` (a ``time.time()``; the solve's limit) keeps its start."""
    t0 = time.perf_counter()
    if b.wall_deadline is not None:
        left = b.wall_deadline - time.time()
        if left <= b.params.min_block_seconds:
            return start_only(b, hi)
        b.time_limit = min(b.time_limit, left)
    W = b.matrix()
    bound = 0.0
    if b.bound_range is not None:
        bound = cohort_bound(W, b.offers, b.needs, b.needs_weight, b.spread, hi or b.hi, b.bound_range)
    b.time_limit = max(b.time_limit - (time.perf_counter() - t0), b.params.min_block_seconds)
    lab, notes, stats = solve_block_any_k(b, tick)
    k = int(stats.pop("cohorts", b.k))
    score = stats.pop("value") + balance_score(b, lab)
    stats.pop("violations")
    b.W = None
    table = pd.DataFrame({"cohort": lab, "member": b.affinity.community.ids})  # type: ignore[union-attr]
    return BlockResult(table, k, notes, stats, bound, score)


def balance_score(b: Block, lab: np.ndarray) -> float:
    """The block's balance terms: minus the weighted sum over cohorts of |mean standardised value|."""
    out = 0.0
    size = np.bincount(lab)
    for x, w in b.balance:
        sums = np.bincount(lab, weights=x, minlength=len(size))
        out -= w * float(np.abs(sums[size > 0] / size[size > 0]).sum())
    return out


def start_only(b: Block, hi: int | None = None) -> BlockResult:
    """A block not searched (the solve was stopped, or its time was up, first): its constructive
    start, and a bound that needs no affinity matrix (:func:`bound.factor_bound`)."""
    rng = np.random.default_rng(b.seed)
    bound = 0.0
    if b.bound_range is not None:
        bound = factor_bound(b.affinity, b.offers, b.needs, b.needs_weight, b.spread, hi or b.hi,  # type: ignore[arg-type]
                             b.bound_range)
    if b.init is not None:
        b.matrix()  # growth places newcomers by their ties to the existing cohorts
    lab = grow_start(b, rng) if b.init is not None else construct(b, rng)
    b.W = None
    table = pd.DataFrame({"cohort": lab, "member": b.affinity.community.ids})  # type: ignore[union-attr]
    return BlockResult(table, b.k, [f"block {b.key}: not searched (the solve was stopped first)"],
                       {"stopped": 1.0}, bound, 0.0)
