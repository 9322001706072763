"""The decomposition: members split into independent blocks (cities, mixed pool, goal sub-blocks)."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from matchmaking.errors import InfeasibleError
from matchmaking.scoring.affinity import Affinity
from matchmaking.solvers.cohorts.params import CohortParams

MIXED = "(mixed)"


@dataclass
class Block:
    """One independent sub-problem: plain arrays, so it can be shipped to another process."""

    key: str
    members: np.ndarray  # global positions
    W: sp.csr_matrix | None  # pair affinity within the block (built by the task from ``affinity``)
    offers: np.ndarray  # n x S uint8
    needs: np.ndarray  # n x S uint8
    needs_weight: float
    spread: list[tuple[np.ndarray, float]]  # codes (-1 missing), weight
    protect: list[np.ndarray]  # codes (-1 missing)
    lead: np.ndarray  # bool
    balance: list[tuple[np.ndarray, float]]  # standardised values (0 when missing), weight
    together: list[tuple[int, int]]
    apart: list[tuple[int, int]]
    k: int
    lo: int
    hi: int
    init: np.ndarray | None = None  # growth: starting labels (-1 = newcomer)
    home: np.ndarray | None = None  # growth: original labels of existing members (-1 newcomer)
    budget: int | None = None
    olds: np.ndarray | None = None  # growth: previous cohort number of each local old cohort
    time_limit: float = 10.0
    seed: int = 0
    k_options: tuple[int, ...] = ()  # other cohort counts to try when the rules cannot hold with k
    params: CohortParams = CohortParams()
    affinity: Affinity | None = None  # the block's members' rows and pairs (restricted affinity)
    bound_range: tuple[int, int] | None = None  # cohort counts the block's bound covers (None: the city's)
    wall_deadline: float | None = None  # time.time() after which the block keeps its start (the solve's limit)

    def matrix(self) -> sp.csr_matrix:
        """The block's pair affinity, built on first use (in the process that solves the block)."""
        if self.W is None:
            self.W = block_matrix(self.affinity)  # type: ignore[arg-type]
        return self.W


def block_matrix(aff: Affinity) -> sp.csr_matrix:
    """``aff.matrix()`` of a block, built in one sparse product of the flattened terms
    (:meth:`~matchmaking.Affinity.flat_terms`), diagonal dropped (indices not sorted).

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community, affinity
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abc"), "offers": ["x", "", ""],
    ...                                        "needs": ["", "x", "x"], "goals": ["g", "g", ""]}))
    >>> aff = affinity(c)
    >>> bool((block_matrix(aff) != aff.matrix()).nnz == 0)
    True
    """
    if aff.baseline:
        raise ValueError("a block matrix has no baseline (cohort affinities carry no spread terms)")
    left, right, explicit = aff.flat_terms()
    W = sp.csr_matrix(left @ right.T, dtype=np.float64)
    if explicit.nnz:
        W = sp.csr_matrix(W + explicit)
    rows = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
    W.data[W.indices == rows] = 0.0
    W.eliminate_zeros()
    return W


def feasible_k(n: int, lo: int, hi: int) -> tuple[int, int]:
    """Fewest and most cohorts of ``lo``-``hi`` members that ``n`` members make."""
    return -(-n // hi), n // lo


def make_blocks(keys: np.ndarray, lo: int, hi: int, n_cohorts: int | None, lead: np.ndarray,
                prev_lab: np.ndarray, notes: list[str]) -> list[tuple[str, np.ndarray, int]]:
    """``(key, member positions, cohorts)`` per block; blocks too small are pooled into ``(mixed)``."""
    values, inverse = np.unique(keys.astype(str), return_inverse=True)
    groups = {str(v): np.flatnonzero(inverse == j) for j, v in enumerate(values)}
    growth = (prev_lab >= 0).any()

    def ok(n: int) -> bool:
        kmin, kmax = feasible_k(n, lo, hi)
        return kmin <= kmax and n > 0

    bad = [k for k, m in groups.items() if not ok(len(m)) and not growth]
    if bad and len(groups) > 1:
        pool = np.sort(np.concatenate([groups.pop(k) for k in bad]))
        notes.append(
            f"{', '.join(bad)}: too few members for cohorts of {lo}-{hi}; pooled into mixed cohorts ({len(pool)} members)"
        )
        while not ok(len(pool)) and groups:
            smallest = min(groups, key=lambda k: (len(groups[k]), k))
            pool = np.sort(np.concatenate([pool, groups.pop(smallest)]))
            notes.append(f"{smallest} joined the mixed pool so that it can be cut into cohorts")
        groups[MIXED] = pool
    out = []
    total = sum(len(m) for m in groups.values())
    for key in sorted(groups, key=lambda k: (k == MIXED, k)):
        m = groups[key]
        n = len(m)
        kmin, kmax = feasible_k(n, lo, hi)
        if growth:
            k = max(int(prev_lab[m].max()) + 1 if (prev_lab[m] >= 0).any() else 0, 1)
        elif kmin > kmax and not growth:
            raise InfeasibleError(
                f"{n} members ({key}) cannot be cut into cohorts of {lo}-{hi}",
                [f"size {lo}-{hi}", f"{n} members in {key}"],
            )
        elif n_cohorts is not None:
            k = min(max(round(n_cohorts * n / total), kmin), kmax)
        else:
            k = min(max(int(lead[m].sum()), kmin), kmax) if lead.any() else kmin
        out.append((key, m, max(k, 1)))
    return out


def split_blocks(blocks: list[tuple[str, np.ndarray, int]], max_block: int, goal: np.ndarray,
                 together: list[tuple[int, int]], lo: int, hi: int, lead: np.ndarray, n_cohorts: int | None,
                 notes: list[str], protect_codes: np.ndarray | None = None) -> list[tuple[str, np.ndarray, int]]:
    """Cut blocks above ``max_block`` members into sub-blocks of members with the same first goal
    (sorted by goal, then cut in balanced parts; together-units stay in one part)."""
    out = []
    comps = list(nx.connected_components(nx.Graph(together))) if together else []
    for key, members, k in blocks:
        n = len(members)
        parts = -(-n // max_block)
        if parts <= 1 or n // parts < lo:
            out.append((key, members, k))
            continue
        # protected minorities are dealt in twos and leads one by one over the parts (each part
        # gets its share, nobody is left alone in a part), the rest is cut by goal
        chunk = np.full(len(lead), -1, dtype=np.int64)
        dealt = 0
        if protect_codes is not None:
            codes = protect_codes[members]
            values, counts = np.unique(codes[codes >= 0], return_counts=True)
            for v in values[np.argsort(counts, kind="stable")][:-1]:
                group = members[codes == v]
                for q, m in enumerate(group):
                    chunk[m] = (dealt + min(q, len(group) - 1 - len(group) % 2) // 2) % parts
                dealt += len(group) // 2
        leads = [m for m in members[lead[members]] if chunk[m] < 0]
        for q, m in enumerate(leads):
            chunk[m] = q % parts
        rest = members[chunk[members] < 0]
        order = rest[np.lexsort((rest, goal[rest].astype(str)))]
        room = [len(p) for p in np.array_split(np.arange(n), parts)]
        start = 0
        for r in range(parts):
            take = max(room[r] - int((chunk[members] == r).sum()), 0)
            chunk[order[start:start + take]] = r
            start += take
        chunk[order[start:]] = parts - 1
        for comp in comps:
            comp = sorted(comp)
            if comp[0] in set(members.tolist()):
                chunk[comp] = chunk[comp[0]]
        for r in range(parts):
            sub = members[chunk[members] == r]
            kmin, kmax = feasible_k(len(sub), lo, hi)
            if n_cohorts is not None:
                ks = min(max(round(k * len(sub) / n), kmin), kmax)
            else:
                ks = min(max(int(lead[sub].sum()), kmin), kmax) if lead.any() else kmin
            out.append((f"{key}#{r + 1}", sub, max(ks, 1)))
        notes.append(f"{key}: {n} members, cut into {parts} sub-blocks by goal (max_block={max_block})")
    return out


def block_bounds(n: int, k: int, lo: int, hi: int, balanced: bool) -> tuple[int, int, tuple[int, int]]:
    """Size bounds of a block's cohorts and the range of cohort counts its bound covers."""
    kmin, kmax = feasible_k(n, lo, hi)
    if balanced:
        return n // k, -(-n // k), (k, k)
    return lo, hi, (max(kmin, 1), max(kmax, 1))


def recode(codes: np.ndarray) -> np.ndarray:
    """Codes renumbered ``0..V-1`` over the values present (-1 stays missing)."""
    out = np.full(len(codes), -1, dtype=np.int64)
    ok = codes >= 0
    if ok.any():
        _, inv = np.unique(codes[ok], return_inverse=True)
        out[ok] = inv
    return out


def block_skills(offers_all: sp.csr_matrix, needs_all: sp.csr_matrix, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense 0/1 offers and needs of a block's members, on the skills any of them offers or needs."""
    ob, nb = offers_all[members], needs_all[members]
    used = np.flatnonzero(np.asarray(ob.sum(axis=0) + nb.sum(axis=0)).ravel() > 0)
    return (ob[:, used].toarray() > 0).astype(np.int64), (nb[:, used].toarray() > 0).astype(np.int64)
