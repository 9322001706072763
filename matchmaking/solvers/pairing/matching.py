"""Maximum-weight matchings of a general graph: the LP relaxation, its rounding, the exact blossom.

The intro engine works on a candidate graph (nodes ``0..n-1``, edges ``i[k] - j[k]`` of integer
weight ``w[k] > 0``):

- :func:`two_matching` solves the matching LP relaxation on the bipartite double cover (each
  member has a "left" and a "right" copy; edge ``u - v`` joins left ``u`` to right ``v`` and left
  ``v`` to right ``u``) as a sparse assignment problem (scipy's LAPJVsp, exact on integers). Its
  value is an upper bound on every matching; its solution is a permutation whose 2-cycles are
  pairs and whose longer cycles are half-edges;
- :func:`round_cycles` turns that solution into a matching: pairs kept, each longer cycle
  replaced by its best matching (a small dynamic programme), leftovers matched greedily. When
  the LP solution is already integral, the matching is optimal;
- :func:`blossom` is the exact maximum-weight matching (rustworkx), for when it is not and the
  graph is small enough for the time left (it cannot be interrupted: see :func:`blossom_seconds`).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import rustworkx as rx
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching


def two_matching(
    n: int, i: np.ndarray, j: np.ndarray, w: np.ndarray, diagonal: np.ndarray | None = None
) -> tuple[np.ndarray, int]:
    """The matching LP on the double cover: ``(sigma, value)``, ``value`` = twice the LP optimum.

    ``sigma[u]`` is the right copy given to left copy ``u`` (``sigma[u] == u``: unmatched, worth
    ``diagonal[u]``, default 0). ``w`` and ``diagonal`` are integers >= 0; the value is exact.

    Examples
    --------
    >>> sigma, value = two_matching(3, np.array([0, 1, 0]), np.array([1, 2, 2]), np.array([2, 2, 2]))
    >>> value  # a triangle: every edge half used, 3 x 2 = 6 = twice the LP optimum 3
    6
    """
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    w = np.asarray(w, dtype=np.int64)
    diag = np.zeros(n, dtype=np.int64) if diagonal is None else np.asarray(diagonal, dtype=np.int64)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    top = int(max(w.max(initial=0), diag.max(initial=0))) + 1
    rows = np.r_[i, j, np.arange(n)]
    cols = np.r_[j, i, np.arange(n)]
    cost = np.r_[top - w, top - w, top - diag].astype(float)  # > 0: explicit zeros would be dropped
    matrix = sp.csr_matrix((cost, (rows, cols)), shape=(n, n))
    left, right = min_weight_full_bipartite_matching(matrix)
    sigma = np.empty(n, dtype=np.int64)
    sigma[left] = right
    value = int(round(n * top - float(matrix[np.arange(n), sigma].sum())))
    return sigma, value


def cycles(sigma: np.ndarray) -> Iterator[list[int]]:
    """The cycles of the permutation ``sigma``, each from its smallest node (fixed points included).

    Examples
    --------
    >>> list(cycles(np.array([1, 2, 0, 3, 5, 4])))
    [[0, 1, 2], [3], [4, 5]]
    """
    seen = np.zeros(len(sigma), dtype=bool)
    for start in range(len(sigma)):
        if seen[start]:
            continue
        cycle = [start]
        seen[start] = True
        u = int(sigma[start])
        while u != start:
            cycle.append(u)
            seen[u] = True
            u = int(sigma[u])
        yield cycle


def round_cycles(sigma: np.ndarray, weight: dict[tuple[int, int], int]) -> np.ndarray:
    """A matching from a double-cover solution: ``mate[u]`` (-1 = unmatched).

    2-cycles of ``sigma`` are pairs; each longer cycle gives its best set of non-adjacent edges
    (dynamic programme); ``weight[(min(u, v), max(u, v))]`` is the weight of an edge.

    Examples
    --------
    >>> w = {(0, 1): 2, (1, 2): 3, (0, 2): 1}
    >>> round_cycles(np.array([1, 2, 0]), w).tolist()  # the triangle 0 -> 1 -> 2 -> 0: keep 1-2
    [-1, 2, 1]
    """
    mate = np.full(len(sigma), -1, dtype=np.int64)
    for cycle in cycles(sigma):
        if len(cycle) == 2:
            a, b = cycle
            mate[a], mate[b] = b, a
        elif len(cycle) > 2:
            for a, b in _best_on_cycle(cycle, weight):
                mate[a], mate[b] = b, a
    return mate


def _best_on_cycle(cycle: list[int], weight: dict[tuple[int, int], int]) -> list[tuple[int, int]]:
    """The heaviest set of non-adjacent edges of a cycle ``c0 - c1 - ... - c0``."""
    m = len(cycle)
    edges = [(cycle[k], cycle[(k + 1) % m]) for k in range(m)]
    ws = [weight.get((min(a, b), max(a, b)), 0) for a, b in edges]

    def path(lo: int, hi: int) -> tuple[int, list[int]]:  # best on edges lo..hi (a path)
        take, skip = (0, []), (0, [])  # best with the previous edge taken / not taken
        for k in range(lo, hi + 1):
            new_take = (skip[0] + ws[k], skip[1] + [k])
            skip = max(take, skip, key=lambda t: t[0])
            take = new_take
        return max(take, skip, key=lambda t: t[0])

    without_first = path(1, m - 1)
    with_first = path(2, m - 2) if m > 3 else (0, [])
    with_first = (with_first[0] + ws[0], [0] + with_first[1])
    best = max(with_first, without_first, key=lambda t: t[0])
    return [edges[k] for k in best[1]]


def greedy_fill(mate: np.ndarray, i: np.ndarray, j: np.ndarray, w: np.ndarray) -> None:
    """Match unmatched members along their heaviest free edges, heaviest first (in place)."""
    free = (mate[i] < 0) & (mate[j] < 0)
    for k in np.flatnonzero(free)[np.argsort(-w[free], kind="stable")]:
        a, b = int(i[k]), int(j[k])
        if mate[a] < 0 and mate[b] < 0:
            mate[a], mate[b] = b, a


def blossom(n: int, i: np.ndarray, j: np.ndarray, w: np.ndarray, *, max_cardinality: bool = False) -> np.ndarray:
    """Exact maximum-weight matching (rustworkx's blossom), integer weights: ``mate[u]`` (-1 = none).

    Examples
    --------
    >>> blossom(4, np.array([0, 1, 2]), np.array([1, 2, 3]), np.array([2, 3, 2])).tolist()
    [1, 0, 3, 2]
    """
    g = rx.PyGraph(multigraph=False)
    g.add_nodes_from(range(n))
    g.add_edges_from(list(zip(np.asarray(i).tolist(), np.asarray(j).tolist(), np.asarray(w, dtype=np.int64).tolist(),
                              strict=True)))
    mate = np.full(n, -1, dtype=np.int64)
    for u, v in rx.max_weight_matching(g, max_cardinality=max_cardinality, weight_fn=lambda x: x):
        mate[u], mate[v] = v, u
    return mate


def odd_cycle_nodes(sigma: np.ndarray) -> np.ndarray:
    """Nodes on odd cycles (length >= 3) of a double-cover solution: where the rounding loses."""
    out: list[int] = []
    for cycle in cycles(sigma):
        if len(cycle) % 2 == 1 and len(cycle) > 1:
            out += cycle
    return np.asarray(out, dtype=np.int64)


def neighbourhood(n: int, i: np.ndarray, j: np.ndarray, seeds: np.ndarray, mate: np.ndarray, *, radius: int,
                  limit: int) -> np.ndarray:
    """Nodes within ``radius`` edges of ``seeds`` (breadth first, at most about ``limit``), with their mates."""
    adj = sp.coo_matrix((np.ones(2 * len(i)), (np.r_[i, j], np.r_[j, i])), shape=(n, n)).tocsr()
    inside = np.zeros(n, dtype=bool)
    inside[seeds] = True
    frontier = seeds
    for _ in range(radius):
        if inside.sum() >= limit or not len(frontier):
            break
        reached = np.unique(adj[frontier].indices)
        new = reached[~inside[reached]][: max(limit - int(inside.sum()), 0)]
        inside[new] = True
        frontier = new
    has = inside & (mate >= 0)
    inside[mate[has]] = True
    return np.flatnonzero(inside)


def repair(mate: np.ndarray, nodes: np.ndarray, i: np.ndarray, j: np.ndarray, w: np.ndarray) -> None:
    """Re-match ``nodes`` (closed under ``mate``) exactly by the blossom, the rest fixed (in place).

    The pairs already among ``nodes`` are a feasible answer, so the matching never loses weight.
    """
    n = len(mate)
    where = np.full(n, -1, dtype=np.int64)
    where[nodes] = np.arange(len(nodes))
    inner = (where[i] >= 0) & (where[j] >= 0)
    found = blossom(len(nodes), where[i[inner]], where[j[inner]], w[inner])
    before = int(w[inner & (mate[i] == j)].sum())
    after = int(w[inner][found[where[i[inner]]] == where[j[inner]]].sum())
    if after >= before:
        mate[nodes] = np.where(found >= 0, nodes[np.maximum(found, 0)], -1)


def blossom_seconds(n: int, rate: float) -> float:
    """A pessimistic forecast of :func:`blossom`'s time on ``n`` nodes: ``n**3 / rate`` seconds.

    rustworkx's blossom grew like ``n**3`` on candidate graphs measured here (5,000 to 20,000
    members, 10 candidates each: 2 s, 9 s, 88 s on a loaded machine; 10,000 took 100 s when the
    machine was shared by many jobs, which the default rate of :class:`IntroParams` assumes).
    """
    return float(n) ** 3 / rate


def safe_int_limit(n: int) -> int:
    """Largest integer weight for :func:`two_matching` on ``n`` nodes: its sums stay exact in floats."""
    return max(2**52 // (2 * max(n, 1) + 1), 2)


def matching_weight(mate: np.ndarray, i: np.ndarray, j: np.ndarray, w: np.ndarray) -> int:
    """Total weight of the edges ``i[k] - j[k]`` that ``mate`` uses."""
    return int(w[mate[i] == j].sum())
