"""Intros for communities too large for one scan: random blocks and a large-neighbourhood search.

See :mod:`matchmaking.solvers.pairing.intro`. Above :attr:`IntroParams.whole_max` members, pass 1
splits the members into random blocks of about :attr:`IntroParams.block_size` and matches each
exactly over its members' best partners inside the block. Each later pass re-draws the blocks
from the current pairs (a pair stays together in its new block, so its edge is always
available): a block's new matching is kept when it is worth more. The monitor is asked between blocks; at the limit the best plan so far is
returned (members of blocks not reached yet stay unpaired, and the notes say so).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from matchmaking.scoring.affinity import Affinity
from matchmaking.scoring.candidates import PartnerIndex
from matchmaking.scoring.objective import Objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.control import Monitor

if TYPE_CHECKING:  # pragma: no cover
    from matchmaking.solvers.pairing.intro import IntroParams


def _block_edges(
    index: PartnerIndex, rows: np.ndarray, k: int, mate: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs inside a block (global positions): its members' ``k`` best partners in it,
    plus the current pairs inside it (scored exactly)."""
    sub = index.subset(rows)
    partners, scores = sub.top(k)
    r = np.repeat(np.arange(len(rows)), partners.shape[1])
    c, v = partners.ravel(), scores.ravel()
    keep = c >= 0
    local_i, local_j, v = r[keep], c[keep], v[keep]
    where = np.full(index.n, -1, dtype=np.int64)
    where[rows] = np.arange(len(rows))
    paired = rows[(mate[rows] >= 0) & (mate[rows] > rows)]
    if len(paired):
        mates = mate[paired]
        inside = where[mates] >= 0
        pi, pj = where[paired[inside]], where[mates[inside]]
        local_i = np.r_[local_i, pi]
        local_j = np.r_[local_j, pj]
        v = np.r_[v, sub.pair_scores(pi, pj)]
    lo, hi = np.minimum(local_i, local_j), np.maximum(local_i, local_j)
    key, first = np.unique(lo * len(rows) + hi, return_index=True)
    return rows[key // len(rows)], rows[key % len(rows)], v[first]


def _draw_blocks(n: int, size: int, mate: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Random blocks of about ``size`` members; a current pair always lands in one block."""
    units = [u for u in rng.permutation(n).tolist() if mate[u] < 0 or u < mate[u]]
    count = max(1, math.ceil(n / size))
    blocks: list[list[int]] = [[] for _ in range(count)]
    for x, u in enumerate(units):
        b = blocks[x % count]
        b.append(u)
        if mate[u] >= 0:
            b.append(int(mate[u]))
    return [np.asarray(sorted(b), dtype=np.int64) for b in blocks if b]


def match_in_blocks(
    aff: Affinity, objective: Objective, requests: Requests, k: int, monitor: Monitor, params: IntroParams, seed: int
) -> tuple[np.ndarray, float, str, list[str], dict]:
    """``(mate, bound, method, notes, extras)`` for :func:`matchmaking.solvers.pairing.intro.intro`."""
    from matchmaking.solvers.pairing.intro import adjust, solve_matching

    n = len(aff.community)
    index = PartnerIndex(aff)
    rng = np.random.default_rng(seed)
    mate = np.full(n, -1, dtype=np.int64)
    reached = np.zeros(n, dtype=bool)
    state = {"value": 0.0, "done": 0}

    def solve_block(rows: np.ndarray, keep_better: bool) -> None:
        i, j, s = _block_edges(index, rows, k, mate)
        i, j, s = adjust(aff, objective, requests, i, j, s)
        old = float(s[mate[i] == j].sum())
        where = np.full(n, -1, dtype=np.int64)
        where[rows] = np.arange(len(rows))
        local, _, _, _ = solve_matching(len(rows), where[i], where[j], s, monitor, params, exact=False)
        new_mate = np.where(local >= 0, rows[np.maximum(local, 0)], -1)
        new = float(s[new_mate[where[i]] == j].sum())
        if new > old or not keep_better:
            mate[rows] = new_mate
            state["value"] += new - old
        reached[rows] = True
        state["done"] += 1

    # pass 1: everyone, in blocks that shrink when the clock says the pass would not end in time
    order = rng.permutation(n)
    smallest = max(100, params.block_size // 12)
    at, spent, work, size, shrunk = 0, 0.0, 0.0, params.block_size, params.block_size
    stopped = cut = False
    while at < n:
        if not monitor.report(f"pass 1: {at} of {n} members", objective=state["value"], iteration=state["done"],
                              force=at == 0):
            stopped = True
            break
        if work:  # seconds per (block members)^2 so far: the pass's forecast for what is left
            rate = spent / work
            left, budget = n - at, 0.8 * monitor.remaining()
            if left * size * rate > budget:
                size = int(np.clip(budget / max(left * rate, 1e-12), smallest, params.block_size))
                shrunk = min(shrunk, size)
        take = n - at if n - at < size + size // 2 else size
        rows = np.sort(order[at: at + take])
        t0 = monitor.elapsed()
        solve_block(rows, keep_better=False)
        if at:  # the first block pays one-off costs (compiled code loading): not a forecast
            spent += monitor.elapsed() - t0
            work += float(len(rows)) ** 2
        at += take
    full_passes = 0 if stopped else 1
    passes = 1
    started, done_before = monitor.elapsed(), state["done"]
    while not stopped and not monitor.time_up():  # passes 2, 3...: blocks re-drawn around the pairs
        before = state["value"]
        blocks = _draw_blocks(n, params.block_size, mate, rng)
        passes += 1
        for b, rows in enumerate(blocks):
            if not monitor.report(f"block {b + 1}/{len(blocks)} (pass {passes})", objective=state["value"],
                                  iteration=state["done"], force=b == 0):
                stopped = True
                break
            per_block = (monitor.elapsed() - started) / max(state["done"] - done_before, 1)
            if state["done"] > done_before and per_block > monitor.remaining():
                stopped = cut = True  # an improvement pass: do not start a block that cannot end in time
                break
            solve_block(rows, keep_better=True)
        if not stopped:
            full_passes += 1
            stopped = state["value"] <= before  # a whole pass found nothing better
    done = state["done"]
    notes = [f"{n} members in random blocks of about {params.block_size}: each block matched over its members' "
             f"{k} best partners inside it (LP relaxation, rounded), then blocks re-drawn around the pairs "
             f"(large-neighbourhood search): {full_passes} full pass(es), {done} block solves"]
    if shrunk < params.block_size:
        notes.append(f"blocks shrank to {shrunk} members in pass 1 so that everyone is paired within the time limit")
    if cut or (monitor.time_up() and not monitor.stop_reason):
        notes.append("the search stopped at the time limit (the next block would not have ended in time)")
    if (~reached).any():
        notes.append(f"stopped at the time limit before {int((~reached).sum())} member(s) were reached: they are "
                     "not paired (a longer --time-limit pairs them)")
    coarse = float(index.upper_bounds().sum()) / 2
    notes.append(f"no useful bound at this size: a bound needs every pair scanned, which does not fit the time "
                 f"limit (the coarse one, each member's best conceivable partner, is {coarse:.1f})")
    extras = {"blocks": math.ceil(n / params.block_size), "passes": full_passes, "block_solves": done,
              "complete_graph": False,
              "coarse_bound": coarse}
    return mate, math.inf, "matching LP per random block + large-neighbourhood search", notes, extras
