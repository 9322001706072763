"""The constructive start of a block: a deal that respects the hard rules where it can."""

from __future__ import annotations

import networkx as nx
import numpy as np

from matchmaking.solvers.cohorts.blocks import Block


def sizes(n: int, k: int) -> np.ndarray:
    """``k`` cohort sizes as equal as possible for ``n`` members."""
    return np.full(k, n // k) + (np.arange(k) < n % k)


def construct(b: Block, rng: np.random.Generator) -> np.ndarray:
    """A start: together-units, leads, the first protected attribute in twos, then the rest (snake)."""
    n, k = len(b.members), b.k
    cap = sizes(n, k)
    lab = np.full(n, -1, dtype=np.int64)
    fill = np.zeros(k, dtype=np.int64)

    def put(i: int, c: int) -> None:
        lab[i] = c
        fill[c] += 1

    # together-units first (connected components of the together pairs), each to the emptiest cohort
    units = {min(comp): sorted(comp) for comp in nx.connected_components(nx.Graph(list(b.together)))}
    for unit in sorted(units.values(), key=len, reverse=True):
        c = int(np.argmax(cap - fill))
        for z in unit:
            put(z, c)
    # leads, round robin over the cohorts with the fewest leads
    leads = np.zeros(k, dtype=np.int64)
    for i in rng.permutation(np.flatnonzero(b.lead & (lab < 0))):
        room = np.flatnonzero(fill < cap)
        c = int(room[np.lexsort((-(cap - fill)[room], leads[room]))[0]])
        put(int(i), c)
        leads[c] += 1
    # first protected attribute: deal values in twos, rarest first (the commonest fills)
    if b.protect:
        codes = b.protect[0]
        vals, cnt = np.unique(codes[codes >= 0], return_counts=True)
        order = vals[np.argsort(cnt, kind="stable")][:-1]
        for v in order:
            have = np.bincount(lab[(lab >= 0) & (codes == v)], minlength=k)
            pool = list(rng.permutation(np.flatnonzero((codes == v) & (lab < 0))))
            # cohorts holding a single one need a second
            for c in np.flatnonzero(have == 1):
                if pool and fill[c] < cap[c]:
                    put(int(pool.pop()), int(c))
                    have[c] += 1
            while len(pool) >= 2:
                room = np.flatnonzero((have == 0) & (cap - fill >= 2))
                if not len(room):
                    break
                c = int(room[np.argmax((cap - fill)[room])])
                put(int(pool.pop()), c)
                put(int(pool.pop()), c)
                have[c] += 2
            while pool:
                room = np.flatnonzero((have >= 2) & (fill < cap))
                if not len(room):
                    room = np.flatnonzero(fill < cap)
                c = int(room[np.argmax((cap - fill)[room])])
                put(int(pool.pop()), c)
                have[c] += 1
    # the rest, sorted by spread attributes then balance, dealt round robin (snake)
    rest = np.flatnonzero(lab < 0)
    keys: list[np.ndarray] = [rng.random(len(rest))]
    keys += [x[rest] for x, _ in b.balance]
    keys += [codes[rest] for codes, _ in b.spread]
    rest = rest[np.lexsort(keys)] if len(rest) else rest
    c, step = 0, 1
    for i in rest:
        guard = 0
        while fill[c] >= cap[c] and guard < 2 * k + 2:
            c, step = snake(c, step, k)
            guard += 1
        put(int(i), c)
        c, step = snake(c, step, k)
    return lab


def snake(c: int, step: int, k: int) -> tuple[int, int]:
    """The next cohort of a snake (0, 1, ..., k-1, k-1, ..., 0, 0, ...) deal."""
    nxt = c + step
    if 0 <= nxt < k:
        return nxt, step
    return c, -step
