"""Network metrics of a tie graph, computed with sparse matrices (fast on 100,000 ties).

One function, :func:`network_metrics`, gives every per-event metric of the growth model:
ties, mean degree, share of isolated members (fewer than ``k`` ties), giant component share,
average clustering, modularity of a given partition (the cohorts), share of ties bridging
the partition, and the mean shortest path (sampled from a few sources on large graphs).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph


def adjacency(n: int, i: np.ndarray, j: np.ndarray) -> sp.csr_matrix:
    """Symmetric 0/1 adjacency matrix of ``n`` nodes from edge end arrays."""
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    data = np.ones(2 * len(i))
    m = sp.coo_matrix((data, (np.r_[i, j], np.r_[j, i])), shape=(n, n)).tocsr()
    m.data[:] = 1.0
    return m


def network_metrics(
    n: int,
    i: np.ndarray,
    j: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    k: int = 2,
    path_samples: int = 64,
    rng: np.random.Generator | None = None,
) -> dict[str, float]:
    """Metrics of an undirected graph of ``n`` nodes with edges ``(i[e], j[e])``.

    Parameters
    ----------
    n : int
        Number of nodes (members), including those without ties.
    i, j : array of int
        Edge ends (each edge once, no self-loops).
    groups : array of int, optional
        A partition (e.g. cohort or city code of each node) for ``modularity`` and ``bridging``.
    k : int
        A node with fewer than ``k`` ties counts as isolated.
    path_samples : int
        Shortest paths are averaged from at most this many random sources in the giant
        component (all of them when it is smaller): exact on small graphs, sampled on large.
    rng : numpy.random.Generator, optional
        For the sampled sources (seeded: same rng, same value).

    Returns
    -------
    dict
        ``ties``, ``mean_degree``, ``isolated``, ``giant``, ``clustering``, ``modularity``,
        ``bridging``, ``mean_path``. Shares are in [0, 1]; NaN where undefined.

    Examples
    --------
    >>> import numpy as np
    >>> m = network_metrics(5, np.array([0, 0, 1]), np.array([1, 2, 2]), groups=np.array([0, 0, 0, 1, 1]))
    >>> m["ties"], m["giant"], m["clustering"], m["isolated"], round(m["mean_path"], 3)
    (3, 0.6, 0.6, 0.4, 1.0)
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    out: dict[str, float] = {"ties": int(len(i))}
    if n == 0:
        return out | dict.fromkeys(
            ["mean_degree", "isolated", "giant", "clustering", "modularity", "bridging", "mean_path"], float("nan")
        )
    a = adjacency(n, i, j)
    deg = np.asarray(a.sum(axis=1)).ravel()
    out["mean_degree"] = float(deg.mean())
    out["isolated"] = float((deg < k).mean())
    ncomp, labels = csgraph.connected_components(a, directed=False)
    sizes = np.bincount(labels, minlength=ncomp)
    giant = int(np.argmax(sizes))
    out["giant"] = float(sizes[giant] / n) if len(i) else 0.0
    tri = np.asarray(a.multiply(a @ a).sum(axis=1)).ravel() / 2.0
    pairs = deg * (deg - 1) / 2.0
    local = np.divide(tri, pairs, out=np.zeros(n), where=pairs > 0)
    out["clustering"] = float(local.mean())
    if groups is not None and len(i):
        groups = np.asarray(groups)
        m2 = 2.0 * len(i)
        same = groups[np.asarray(i)] == groups[np.asarray(j)]
        _, codes = np.unique(groups, return_inverse=True)
        deg_by_group = np.bincount(codes, weights=deg)
        out["modularity"] = float(same.sum() / len(i) - ((deg_by_group / m2) ** 2).sum())
        out["bridging"] = float(1.0 - same.mean())
    else:
        out["modularity"] = out["bridging"] = float("nan")
    members = np.flatnonzero(labels == giant)
    if len(members) > 1 and len(i):
        sources = members if len(members) <= path_samples else np.sort(rng.choice(members, path_samples, replace=False))
        dist = csgraph.shortest_path(a, method="D", unweighted=True, indices=sources)[:, members]
        finite = dist[np.isfinite(dist) & (dist > 0)]
        out["mean_path"] = float(finite.mean()) if finite.size else float("nan")
    else:
        out["mean_path"] = float("nan")
    return out
