"""Exact golfer schedules under an imposed group, decided by CP-SAT on pair orbits (a research tool).

Where :mod:`.symmetric` imposes one permutation and assigns the points of representative
rounds to tables, this model works on *pairs*: ``y[r, a, b]`` is true when ``a`` and ``b``
share a table in round ``r``. A round is then an equivalence relation with classes of ``s``
(each point has ``s - 1`` partners; transitivity clauses), so tables carry no labels and no
table permutation has to be guessed. A group is given by generators, each a permutation of
the points together with the permutation it induces on the rounds; ``y[r, a, b] =
y[rho(r), g(a), g(b)]`` for every generator, and the variables are merged into their orbits
(connected components of the generators' images) before the model is built, so a large group leaves a small model.

For the tight instances where every member misses exactly one other (such as 8-4-10 or
6-3-8, resolvable group divisible designs with groups of two), the missed partner (``mates``)
can be imposed: mates never meet and every other pair meets *exactly* once, which lets
CP-SAT refute a structure outright (status ``INFEASIBLE``) instead of merely failing to find
one (``UNKNOWN``). Without mates, every pair meets at most once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["OrbitalResult", "cyclic_generator", "solve_orbital"]


@dataclass(frozen=True)
class OrbitalResult:
    """What :func:`solve_orbital` decided.

    Attributes
    ----------
    status : str
        CP-SAT's status name: ``OPTIMAL`` (found), ``INFEASIBLE`` (no schedule has this
        symmetry), ``UNKNOWN`` (undecided in the effort) or ``MODEL_INVALID``.
    schedule : ndarray or None
        Rounds x points of tables (0..T-1) when found, checked: no pair meets twice.
    seconds : float
        Wall-clock seconds of the solve (the model build excluded).
    variables : int
        Pair-orbit variables of the model.
    """

    status: str
    schedule: np.ndarray | None
    seconds: float
    variables: int


def cyclic_generator(cycles: Sequence[int], orbits: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """One generator: each cycle of the points (lengths ``cycles``, consecutive points) shifted by
    one, and the rounds in consecutive orbits of the sizes ``orbits``, each shifted by one.

    Examples
    --------
    >>> pts, rds = cyclic_generator([3, 1], [2, 1])
    >>> pts.tolist(), rds.tolist()
    ([1, 2, 0, 3], [1, 0, 2])
    """
    def shifted(lengths: Sequence[int]) -> np.ndarray:
        out, o = [], 0
        for d in lengths:
            out += [o + (i + 1) % d for i in range(d)]
            o += d
        return np.asarray(out, dtype=np.int64)

    return shifted(cycles), shifted(orbits)


class _Orbits:
    """The orbits of ``(round, a, b)``, ``a < b``, under the generators: connected components of their images."""

    def __init__(self, n: int, rounds: int, generators: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        self.n = n
        r, a, b = (x.ravel() for x in np.meshgrid(np.arange(rounds), np.arange(n), np.arange(n), indexing="ij"))
        keep = a < b
        r, a, b = r[keep], a[keep], b[keep]
        src, dst = [], []
        for pts, rds in generators:
            pts, rds = np.asarray(pts, dtype=np.int64), np.asarray(rds, dtype=np.int64)
            if sorted(pts.tolist()) != list(range(n)) or sorted(rds.tolist()) != list(range(rounds)):
                raise ValueError("each generator must permute the points and the rounds")
            src.append(self.key(r, a, b))
            dst.append(self.key(rds[r], pts[a], pts[b]))
        size = rounds * n * n
        src_all = np.concatenate(src) if src else np.zeros(0, dtype=np.int64)
        dst_all = np.concatenate(dst) if dst else np.zeros(0, dtype=np.int64)
        graph = coo_matrix((np.ones(len(src_all)), (src_all, dst_all)), shape=(size, size))
        self.label = connected_components(graph, directed=False)[1]

    def key(self, r: np.ndarray | int, a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray | int:
        return (r * self.n + np.minimum(a, b)) * self.n + np.maximum(a, b)

    def table(self, rounds: int) -> np.ndarray:
        """``rounds x n x n``: the orbit of each ``(r, a, b)`` (symmetric in ``a, b``)."""
        r, a, b = np.meshgrid(np.arange(rounds), np.arange(self.n), np.arange(self.n), indexing="ij")
        return self.label[self.key(r, a, b)].astype(np.int64)


def solve_orbital(n_points: int, size: int, rounds: int, generators: Sequence[tuple[np.ndarray, np.ndarray]],
                  mates: Sequence[int] | None = None, *, seed: int = 0, effort: float = 10.0,
                  time_limit: float = 60.0) -> OrbitalResult:
    """Decide whether a schedule of tables of ``size`` with the symmetry of ``generators`` exists.

    Parameters
    ----------
    n_points, size, rounds : int
        Points (members), table size (``size`` divides ``n_points``) and rounds.
    generators : sequence of (ndarray, ndarray)
        Each a point permutation and the round permutation it induces (see the module docstring).
    mates : sequence of int, optional
        ``mates[a]``: the one partner ``a`` never meets (an involution without fixed points,
        invariant under the generators). With it every other pair meets exactly once.
    seed, effort, time_limit : int, float, float
        CP-SAT's seed, deterministic time (reproducible) and wall-clock limit; one worker.

    Examples
    --------
    >>> import numpy as np  # 16 points, 4 tables of 4, 5 rounds: AG(2, 4), every round translation-invariant
    >>> gens = [(np.arange(16) ^ t, np.arange(5)) for t in (1, 2, 4, 8)]
    >>> res = solve_orbital(16, 4, 5, gens)
    >>> res.status, res.schedule.shape
    ('OPTIMAL', (5, 16))
    """
    from ortools.sat.python import cp_model

    N, s, R = int(n_points), int(size), int(rounds)
    if s < 2 or N % s:
        raise ValueError("size must be at least 2 and divide n_points")
    mate = None if mates is None else np.asarray(mates, dtype=np.int64)
    if mate is not None and (len(mate) != N or (mate[mate] != np.arange(N)).any() or (mate == np.arange(N)).any()):
        raise ValueError("mates must be a fixed-point-free involution of the points")
    if mate is not None:
        for pts, _ in generators:
            pts = np.asarray(pts, dtype=np.int64)
            if len(pts) == N and (mate[pts] != pts[mate]).any():
                raise ValueError("mates must be invariant under the generators (mate(g a) = g mate(a))")
    orb = _Orbits(N, R, generators)
    lab = orb.table(R)  # lab[r, a, b]: the orbit variable of "a and b share a table in round r"
    zero = set(np.unique(lab[:, np.arange(N), mate]).tolist()) if mate is not None else set()
    model = cp_model.CpModel()
    off = ~np.eye(N, dtype=bool)
    used = np.unique(lab[:, off])
    var = {int(c): model.NewConstant(0) if int(c) in zero else model.NewBoolVar(f"y{c}") for c in used}
    # each point has s - 1 partners in each round (one constraint per distinct set of orbits)
    rows = np.sort(lab[:, off].reshape(R, N, N - 1), axis=2).reshape(R * N, N - 1)
    for row in _unique_rows(rows):
        model.Add(sum(var[int(c)] for c in row) == s - 1)
    # every pair meets once (exactly once but mates, with mates given), one constraint per orbit set
    a, b = np.triu_indices(N, 1)
    if mate is not None:
        keep = mate[a] != b
        a, b = a[keep], b[keep]
    for col in _unique_rows(np.sort(lab[:, a, b].T, axis=1)):
        total = sum(var[int(c)] for c in col)
        model.Add(total == 1 if mate is not None else total <= 1)
    # transitivity in each round: two of a triple's pairs at one table put the third there too (a mate
    # pair is the constant 0: its clauses keep a and b's tablemates apart)
    a, b, c = (x.ravel() for x in np.meshgrid(np.arange(N), np.arange(N), np.arange(N), indexing="ij"))
    keep = (a < b) & (b < c)
    a, b, c = a[keep], b[keep], c[keep]
    ab, ac, bc = lab[:, a, b].ravel(), lab[:, a, c].ravel(), lab[:, b, c].ravel()
    L = int(lab.max()) + 1  # a clause (u, v, w) as one integer key, deduplicated by a 1-d unique
    keys = np.unique(np.concatenate([(np.minimum(u, v) * L + np.maximum(u, v)) * L + w
                                     for u, v, w in ((ab, bc, ac), (ab, ac, bc), (ac, bc, ab))]))
    for u, v, w in zip((keys // (L * L)).tolist(), (keys // L % L).tolist(), (keys % L).tolist(), strict=True):
        model.AddBoolOr([var[u].Not(), var[v].Not(), var[w]])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed) % (1 << 31)
    solver.parameters.max_deterministic_time = float(effort)
    solver.parameters.max_time_in_seconds = max(float(time_limit), 0.01)
    start = time.perf_counter()
    status = solver.Solve(model)
    seconds = time.perf_counter() - start
    name = solver.StatusName(status)
    schedule = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        schedule = np.full((R, N), -1, dtype=np.int64)
        for r in range(R):
            t = 0
            for a in range(N):
                if schedule[r, a] < 0:
                    partners = [b for b in range(a + 1, N) if solver.Value(var[int(lab[r, a, b])])]
                    schedule[r, [a, *partners]] = t
                    t += 1
        if not _valid(schedule, s):
            schedule, name = None, "MODEL_INVALID"
    return OrbitalResult(name, schedule, seconds, len(var))


def _unique_rows(rows: np.ndarray) -> np.ndarray:
    """The distinct rows of an integer matrix (by their bytes: faster than ``np.unique(axis=0)``)."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    view = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first = np.unique(view, return_index=True)
    return rows[np.sort(first)]


def _valid(tab: np.ndarray, s: int) -> bool:
    """Tables of ``s`` in every round and no pair meeting twice."""
    N = tab.shape[1]
    same = np.zeros((N, N), dtype=np.int64)
    for row in tab:
        if row.min() < 0 or (np.bincount(row) != s).any():
            return False
        same += row[:, None] == row[None, :]
    np.fill_diagonal(same, 0)
    return int(same.max(initial=0)) <= 1
