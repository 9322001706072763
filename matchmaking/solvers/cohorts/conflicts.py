"""The organizer's requests in a cohort plan: pins, and the requests that cannot all hold."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np

from matchmaking.errors import InfeasibleError
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.cohorts.blocks import feasible_k


def pin_pairs(requests: Requests, pos: dict[str, int]) -> dict[str, list[tuple[int, int]]]:
    """Pins as pairs: members pinned to one cohort together, one member per pinned cohort apart."""
    by_cohort: dict[int, list[int]] = {}
    for m, t, _ in requests.pins:
        by_cohort.setdefault(int(t), []).append(pos[m])
    tog, apart = [], []
    for members in by_cohort.values():
        tog += [(members[0], x) for x in members[1:]]
    reps = [members[0] for _, members in sorted(by_cohort.items())]
    for a in range(len(reps)):
        for b in range(a + 1, len(reps)):
            apart.append((reps[a], reps[b]))
    return {"together": tog, "apart": apart}


def apply_pins(cohort_of: np.ndarray, requests: Requests, pos: dict[str, int]) -> np.ndarray:
    """Renumber the cohorts so that each pinned member is in the cohort number asked."""
    if not requests.pins:
        return cohort_of
    k = int(cohort_of.max())
    want: dict[int, int] = {}
    for m, t, r in requests.pins:
        if t > k:
            where = requests.origin.get(("pin", m, t, r))
            raise InfeasibleError(f"pin {m} -> cohort {t}" + (f" ({where})" if where else "")
                                  + f", but there are only {k} cohorts", [f"pin {m} -> {t}"])
        want.setdefault(int(cohort_of[pos[m]]), int(t))
    perm = {}
    free = iter(c for c in range(1, k + 1) if c not in set(want.values()))
    for c in range(1, k + 1):
        perm[c] = want[c] if c in want else next(free)
    return np.asarray([perm[int(c)] for c in cohort_of], dtype=np.int64)


def check_together(requests: Requests, keys: np.ndarray, blocks: list, pos: dict[str, int]) -> None:
    """Raise :class:`InfeasibleError` for together pairs or pins that span two blocks."""
    block_of = {}
    for key, members, _ in blocks:
        for m in members:
            block_of[int(m)] = key
    conflicts = [f"together {a}-{b}: {block_of[pos[a]]} vs {block_of[pos[b]]}"
                 for a, b in requests.together if block_of[pos[a]] != block_of[pos[b]]]
    pins: dict[int, set] = {}
    for m, t, _ in requests.pins:
        pins.setdefault(int(t), set()).add(block_of[pos[m]])
    conflicts += [f"pins to cohort {t} span {sorted(v)}" for t, v in pins.items() if len(v) > 1]
    if conflicts:
        raise InfeasibleError("requests ask for members of different blocks (similar attributes) to share a cohort",
                              conflicts)


def greedy_clique(graph: nx.Graph) -> list:
    """A large clique of ``graph`` (greedy from each vertex, highest degree first)."""
    best: list = []
    order = sorted(graph.nodes, key=lambda v: (-graph.degree(v), str(v)))
    for v in order:
        if graph.degree(v) + 1 <= len(best):
            break
        clique = [v]
        for u in sorted(graph[v], key=lambda u: (-graph.degree(u), str(u))):
            if all(graph.has_edge(u, w) for w in clique):
                clique.append(u)
        if len(clique) > len(best):
            best = clique
    return best


def named(requests: Requests, kind: str, a: str, b: str) -> str:
    """A together / apart request in words, with where it came from (``constraints.csv, row 3``)."""
    where = requests.origin.get((kind, a, b)) or requests.origin.get((kind, b, a))
    return f"{kind} {a}-{b}" + (f" ({where})" if where else "")


def check_request_conflicts(requests: Requests, blocks: list, pos: dict[str, int], lo: int, hi: int,
                            fixed_k: bool) -> dict[str, int]:
    """Raise :class:`InfeasibleError` naming requests that cannot all hold: a together group (chains
    included) above the largest cohort, a pair asked apart inside a together group, more members
    pairwise apart than cohorts in their block, a pin to a cohort number no plan has, and the pin
    conflicts of :meth:`Requests.conflicts` (one member pinned twice, a together pair pinned
    apart...). Each names where the request came from. Returns the size of the largest set of
    members found pairwise apart, per block."""

    def name(kind: str, a: str, b: str) -> str:
        return named(requests, kind, a, b)

    # apart pairs chained together are named below, with their chain
    conflicts: list[str] = [c for c in requests.conflicts() if " contradicts " not in c]
    most = sum(k if fixed_k else max(feasible_k(len(m), lo, hi)[1], k) for _, m, k in blocks)
    for m, t, r in requests.pins:
        if t > most:
            where = requests.origin.get(("pin", m, t, r))
            conflicts.append(f"pin {m} -> cohort {t}" + (f" ({where})" if where else "")
                             + f", but only up to {most} cohorts are possible")
    tg = nx.Graph(list(requests.together))
    comp_of = {}
    for number, comp in enumerate(nx.connected_components(tg)):
        for m in comp:
            comp_of[m] = number
        if len(comp) > hi:
            sub = tg.subgraph(comp)
            conflicts.append(f"{len(comp)} members kept together ({', '.join(sorted(comp))}) but cohorts hold "
                             f"at most {hi}: " + "; ".join(name("together", a, b) for a, b in sorted(
                                 tuple(sorted(e)) for e in sub.edges)))
    for a, b in requests.apart:
        if a in comp_of and comp_of[a] == comp_of.get(b):
            path = nx.shortest_path(tg, a, b)
            conflicts.append(f"{name('apart', a, b)}, but together by " + "; ".join(
                name("together", x, y) for x, y in itertools.pairwise(path)))
    block_of = {}
    max_k = {}
    for key, members, k in blocks:
        kmin, kmax = feasible_k(len(members), lo, hi)
        max_k[key] = k if fixed_k else max(kmax, k)
        for m in members:
            block_of[int(m)] = key
    ag = nx.Graph()
    cliques: dict[str, int] = {}
    for a, b in requests.apart:
        if block_of[pos[a]] == block_of[pos[b]]:
            ag.add_edge(a, b)
    for comp in nx.connected_components(ag):
        clique = greedy_clique(ag.subgraph(comp))
        key = block_of[pos[clique[0]]]
        if len(clique) > max_k[key]:
            pairs = sorted(tuple(sorted(p)) for p in itertools.combinations(clique, 2))
            conflicts.append(
                f"{len(clique)} members pairwise apart ({', '.join(sorted(clique))}) but {key} has at most "
                f"{max_k[key]} cohort(s): " + "; ".join(
                    name("apart", a, b) for a, b in pairs))
        cliques[key] = len(clique)
    if conflicts:
        raise InfeasibleError("requests that cannot all hold", conflicts)
    return cliques
