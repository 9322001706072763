"""Zero-repeat schedules with an imposed automorphism, solved exactly on the orbit representatives (CP-SAT).

A permutation ``sigma`` of order ``k`` acts on the ``N = T s`` points (its cycle lengths
divide ``k``) and on the rounds: representative round ``j`` is developed into ``m_j`` rounds
``sigma^g(rep_j)``, ``g < m_j``, and must be invariant under ``tau_j = sigma^{m_j}`` (which
permutes its tables: ``fixed_tables`` of them stay, the rest go round in cycles of the order
of ``tau_j``). A pair orbit ``O`` of ``sigma`` is then met ``|rep_j ∩ O| m_j / |O|`` times by
the rounds of ``rep_j``; a schedule without repeats is one where, for every orbit,
``sum_j |rep_j ∩ O| m_j <= |O|``. CP-SAT decides that small model (a few rounds of
``N`` points instead of ``R``), often in seconds, and proves many structures impossible at
once; the schedule is developed and checked before it is returned.

:func:`symmetric_design` tries the structures of :func:`structures` in order.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

__all__ = ["Structure", "solve_structure", "structures", "symmetric_design"]


@dataclass(frozen=True)
class Structure:
    """``sigma``'s cycle lengths, the orbit size of each representative round and the tables ``tau`` fixes."""

    k: int
    cycles: tuple[int, ...]
    orbits: tuple[int, ...]
    fixed_tables: int


#: Structures :func:`symmetric_design` tries at most.
MAX_STRUCTURES = 40


def structures(T: int, s: int, R: int, max_k: int | None = None) -> Iterator[Structure]:
    """Candidate structures for ``T`` tables of ``s`` over ``R`` rounds, fewest representative rounds first.

    ``sigma`` has ``c`` cycles of length ``k`` and ``f`` fixed points (or, for even ``k``, one
    2-cycle for two of them); the rounds form orbits of one size ``m`` dividing ``k`` and ``R``
    (``tau = sigma^m``, of prime order ``k / m`` or the identity).

    Examples
    --------
    >>> next(structures(6, 3, 8))
    Structure(k=16, cycles=(16, 1, 1), orbits=(8,), fixed_tables=0)
    """
    N = T * s
    found = []
    for k in range(2, (max_k or 2 * R) + 1):
        for m in range(k, 1, -1):
            d = k // m
            if k % m or R % m or (d > 1 and any(d % p == 0 for p in range(2, d))):
                continue
            for f in range(0, min(T, N) + 1):
                if (N - f) % k or f == N:
                    continue
                for two in ((False, True) if k % 2 == 0 and f >= 2 else (False,)):
                    cycles = (k,) * ((N - f) // k) + ((2,) if two else ()) + (1,) * (f - 2 * two)
                    for ft in range(0 if d == 1 else T % d, T + 1, d) if d > 1 else (0,):
                        found.append(Structure(k, cycles, (m,) * (R // m), ft))
    found.sort(key=lambda st: (len(st.orbits), -st.k, st.fixed_tables))
    yield from found


def _powers(cycles: tuple[int, ...], k: int) -> list[np.ndarray]:
    """``sigma^g`` for ``g < k``: each cycle shifted by one."""
    sigma = np.empty(sum(cycles), dtype=np.int64)
    o = 0
    for d in cycles:
        sigma[o:o + d] = o + (np.arange(d) + 1) % d
        o += d
    out = [np.arange(len(sigma))]
    for _ in range(1, k):
        out.append(sigma[out[-1]])
    return out


def solve_structure(T: int, s: int, R: int, st: Structure, *, seed: int = 0, effort: float = 5.0,
                    time_limit: float = 30.0) -> np.ndarray | None:
    """The developed schedule (``R`` x ``T s`` tables) of structure ``st``, or None (infeasible or not found).

    ``effort`` is CP-SAT's deterministic time limit (reproducible), ``time_limit`` its wall clock.

    Examples
    --------
    >>> tab = solve_structure(6, 3, 8, Structure(4, (4, 4, 4, 4, 1, 1), (4, 4), 0))
    >>> tab.shape
    (8, 18)
    """
    from ortools.sat.python import cp_model

    N = T * s
    powers = _powers(st.cycles, st.k)
    iu, ju = np.triu_indices(N, 1)
    orbit = {}
    size: list[int] = []
    for a, b in zip(iu.tolist(), ju.tolist(), strict=True):
        if (a, b) in orbit:
            continue
        members = {tuple(sorted((int(g[a]), int(g[b])))) for g in powers}
        for pair in members:
            orbit[pair] = len(size)
        size.append(len(members))
    model = cp_model.CpModel()
    x = {}
    load: list[list] = [[] for _ in size]
    for j, m in enumerate(st.orbits):
        d = st.k // m
        tau = powers[m % st.k]
        pi = np.arange(T)
        for c0 in range(st.fixed_tables, T, d):
            pi[c0:c0 + d] = c0 + (np.arange(d) + 1) % d
        for p in range(N):
            for t in range(T):
                x[j, p, t] = model.NewBoolVar("")
            model.AddExactlyOne(x[j, p, t] for t in range(T))
        for t in range(T):
            model.Add(sum(x[j, p, t] for p in range(N)) == s)
        if d > 1:
            for p in range(N):
                for t in range(T):
                    model.Add(x[j, int(tau[p]), int(pi[t])] == x[j, p, t])
        for a, b in zip(iu.tolist(), ju.tolist(), strict=True):
            for t in range(T):
                y = model.NewBoolVar("")
                model.AddBoolOr([x[j, a, t].Not(), x[j, b, t].Not(), y])
                model.AddImplication(y, x[j, a, t])
                model.AddImplication(y, x[j, b, t])
                load[orbit[a, b]].append((y, m))
    model.Add(x[0, N - 1, 0] == 1)  # one point's table in the first round (tables are interchangeable)
    for o, terms in enumerate(load):
        model.Add(sum(m * y for y, m in terms) <= size[o])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed) % (1 << 31)
    solver.parameters.max_deterministic_time = float(effort)
    solver.parameters.max_time_in_seconds = max(float(time_limit), 0.01)
    if solver.Solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    rounds = []
    for j, m in enumerate(st.orbits):
        rep = np.asarray([next(t for t in range(T) if solver.Value(x[j, p, t])) for p in range(N)], dtype=np.int64)
        for g in range(m):
            row = np.empty(N, dtype=np.int64)
            row[powers[g]] = rep
            rounds.append(row)
    tab = np.asarray(rounds)
    same = np.zeros((N, N), dtype=np.int64)
    for row in tab:
        same += row[:, None] == row[None, :]
    np.fill_diagonal(same, 1)
    return tab if same.max() <= 1 else None


def symmetric_design(T: int, s: int, R: int, *, seed: int = 0, effort: float = 5.0, deadline: float = math.inf,
                     max_structures: int = MAX_STRUCTURES, keep_going: Callable[[], bool] | None = None) -> np.ndarray | None:
    """A zero-repeat schedule of ``T`` tables of ``s`` for ``R`` rounds from the first structure that solves.

    Each of at most ``max_structures`` structures gets ``effort`` of CP-SAT deterministic time
    (and what is left of the wall-clock ``deadline``; ``keep_going()`` is asked between
    structures, False ends the search). None when none solved.
    """
    if s < 2 or R * (s - 1) > T * s - 1 or (R > 1 and s > T):
        return None
    for i, st in enumerate(structures(T, s, R)):
        left = deadline - time.perf_counter()
        if i >= max_structures or left <= 0 or (keep_going is not None and not keep_going()):
            break
        tab = solve_structure(T, s, R, st, seed=seed, effort=effort, time_limit=min(left, 60.0))
        if tab is not None:
            return tab
    return None
