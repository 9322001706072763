"""The search on one block: construct, repair, then a screened local search of moves and swaps."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from matchmaking.solvers.cohorts.blocks import Block
from matchmaking.solvers.cohorts.construct import construct
from matchmaking.solvers.cohorts.exact import block_score, exact_block
from matchmaking.solvers.cohorts.growth import grow_start
from matchmaking.solvers.cohorts.state import State

#: Local-search tries between two calls of ``tick`` (the engine's monitor: progress and stop).
TICK = 256

Tick = Callable[[int], bool]


def solve_block(b: Block, tick: Tick | None = None) -> tuple[np.ndarray, list[str], dict[str, float]]:
    """Construct, repair, improve one block; returns labels, notes and stats.

    ``tick(tries)`` is called every :data:`TICK` tries; when it returns False the search stops
    where it is (``stats["stopped"]``) and the current labels, always a whole plan, are returned.
    """
    t0 = time.perf_counter()
    p = b.params
    s = p.screened_swaps
    rng = np.random.default_rng(b.seed)
    n, k = len(b.members), b.k
    lab = grow_start(b, rng) if b.init is not None else construct(b, rng)
    st = State(b, lab)
    deadline = t0 + b.time_limit
    stats = {"moves": 0.0, "repairs": 0.0, "timed_out": 0.0, "stopped": 0.0}
    if k <= 1:
        stats.update(violations=float(len(st.violations())), value=st.value())
        return st.lab, [], stats

    def go_on(tries: int) -> bool:
        if tick is not None and not tick(tries):
            stats["stopped"] = 1.0
        return not stats["stopped"]

    def best_for(i: int, candidates: np.ndarray) -> tuple[float, int, int] | None:
        f = int(st.lab[i])
        best: tuple[float, int, int] | None = None
        for c in range(k):
            if c != f:
                d = st.delta(i, c)
                if d is not None and (best is None or d > best[0]):
                    best = (d, c, -1)
        for j in candidates:
            j = int(j)
            g = int(st.lab[j])
            if g == f:
                continue
            d = st.delta(i, g, j, st.w(i, j))
            if d is not None and (best is None or d > best[0]):
                best = (d, g, j)
        return best

    # repair: remove hard violations where possible
    for _ in range(p.repair_rounds):
        bad = st.violations()
        if not len(bad) or time.perf_counter() > deadline or not go_on(0):
            break
        for i in rng.permutation(bad):
            if time.perf_counter() > deadline:
                break
            cand = [rng.choice(n, size=min(n, p.repair_sample), replace=False)]
            for codes, counts, _, kind in st.cat:
                v = codes[i]
                if kind == "protect" and v >= 0 and counts[st.lab[i], v] == 1:
                    cand.append(np.flatnonzero(counts[st.lab, v] >= 1))  # cohorts holding the same value
            res = best_for(int(i), np.unique(np.concatenate(cand)))
            if res is not None and res[0] > 1e-9:
                st.apply(int(i), res[1], res[2])
                stats["repairs"] += 1
    # improvement: screened moves and swaps, exact evaluation; stops at a local optimum
    no_gain, tries, max_tries = 0, 0, p.tries_per_member * n + p.tries_extra
    patience = max(n, p.patience)
    ar = np.arange(n)
    wi = np.zeros(n)
    W = b.W
    while no_gain < patience and tries < max_tries:
        if time.perf_counter() > deadline:
            stats["timed_out"] = 1.0
            break
        if tries % TICK == 0 and tries and not go_on(tries):
            break
        tries += 1
        i = int(rng.integers(n))
        f = int(st.lab[i])
        lo_, hi_ = W.indptr[i], W.indptr[i + 1]
        wi[W.indices[lo_:hi_]] = W.data[lo_:hi_]
        g = st.lab
        # pair-part screening of every swap and move of this member
        gain = st.S[i, g] - st.S[i, f] + st.S[ar, f] - st.S[ar, g] - 2 * wi
        gain[g == f] = -np.inf
        top = np.argpartition(-gain, s - 1)[:s] if n > s else ar
        movegain = st.S[i] - st.S[i, f]
        movegain[f] = -np.inf
        best: tuple[float, int, int] | None = None
        for c in np.argpartition(-movegain, 1)[:2] if k > 2 else range(k):
            c = int(c)
            if c != f:
                d = st.delta(i, c)
                if d is not None and (best is None or d > best[0]):
                    best = (d, c, -1)
        for j in (*top.tolist(), int(rng.integers(n))):
            gj = int(g[j])
            if gj == f:
                continue
            d = st.delta(i, gj, j, float(wi[j]))
            if d is not None and (best is None or d > best[0]):
                best = (d, gj, j)
        wi[W.indices[lo_:hi_]] = 0.0
        if best is not None and best[0] > 1e-9:
            st.apply(i, best[1], best[2])
            stats["moves"] += 1
            no_gain = 0
        else:
            no_gain += 1
    stats["tries"] = float(tries)
    notes = []
    if stats["timed_out"] and not stats["stopped"]:
        notes.append(f"block {b.key}: stopped by the time limit before a local optimum")
    stats["seconds"] = time.perf_counter() - t0
    stats.update(violations=float(len(st.violations())), value=st.value())
    return st.lab, notes, stats


def solve_block_any_k(b: Block, tick: Tick | None = None) -> tuple[np.ndarray, list[str], dict[str, float]]:
    """Solve with ``b.k`` cohorts; when hard rules still fail, try the other counts of ``b.k_options``
    in order and keep the first valid plan (else the one with the fewest members in violation);
    blocks of at most ``exact_max`` members are then finished exactly. ``stats["cohorts"]`` is the
    count kept. Once ``tick`` returned False (stop), nothing more is tried."""
    t0 = time.perf_counter()
    p = b.params
    lab, notes, stats = solve_block(b, tick)
    bad = int(stats["violations"])
    best = (bad, lab, notes, stats, b.k)
    tried = [b.k]
    # a member alone in the block with their protected value stays alone whatever the count
    alone = sum(int((np.bincount(c[c >= 0]) == 1).sum()) for c in b.protect if (c >= 0).any())
    for k in b.k_options:
        if best[0] <= alone or best[3]["stopped"]:
            break
        if k == b.k or k < 1:
            continue
        alt = replace(b, k=int(k), time_limit=max(b.time_limit - (time.perf_counter() - t0), p.min_block_seconds))
        lab2, notes2, stats2 = solve_block(alt, tick)
        tried.append(int(k))
        bad2 = int(stats2["violations"])
        if bad2 < best[0]:
            best = (bad2, lab2, notes2, stats2, int(k))
        elif stats2["stopped"]:
            best[3]["stopped"] = 1.0
    bad, lab, notes, stats, k = best
    if k != b.k:
        notes = [*notes, f"block {b.key}: {k} cohorts instead of {b.k}, so that the hard rules hold"
                 if bad == 0 else f"block {b.key}: no cohort count in {sorted(tried)} meets every hard rule"]
    elif bad and len(tried) > 1:
        notes = [*notes, f"block {b.key}: no cohort count in {sorted(tried)} meets every hard rule"]
    if (len(b.members) <= p.exact_max and b.home is None and not b.balance and len(b.members) > 1
            and not stats["stopped"]):
        exact = exact_block(b, [k, *[c for c in (b.k, *b.k_options) if c != k]], lab if bad == 0 else None,
                             min(max(b.time_limit - (time.perf_counter() - t0), 0.2), p.exact_seconds))
        if exact is not None:
            lab, k = exact
            stats = {**stats, "exact": 1.0, "violations": 0.0, "value": block_score(replace(b, k=k), lab)}
            notes = [n for n in notes if "cohort count" not in n and "instead of" not in n]
            if k != b.k:
                notes.append(f"block {b.key}: {k} cohorts instead of {b.k} (exact search over the cohort counts)")
    stats = {**stats, "cohorts": float(k)}
    return lab, notes, stats
