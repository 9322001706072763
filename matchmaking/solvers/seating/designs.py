"""Zero-repeat starting seatings from designs: the field design over GF(q) and cyclic designs.

- :func:`design_start`: when the event has a social-golfer shape (``q`` tables, ``q`` a prime
  power, at most ``q`` per table), an affine resolvable design over GF(q)
  (:func:`galois_field`) seats everyone with zero repeats by construction; otherwise, for small
  events, a cyclic design (:func:`cyclic_start`) found by the golfer search.
- The design is then relabelled to keep what is fixed (pins, hosts, absences) and the apart
  requests (:func:`_relabel`).

Examples
--------
>>> import numpy as np
>>> import matchmaking as mm
>>> from matchmaking.solvers.seating import build_problem
>>> prob = build_problem(mm.datasets.synthetic_community(16, seed=0), tables=4, table_size=4, rounds=5)
>>> tab = design_start(prob, np.random.default_rng(0))
>>> met = [(i, j) for r in range(5) for i in range(16) for j in range(i + 1, 16) if tab[r, i] == tab[r, j]]
>>> len(met) == len(set(met)) == 5 * 4 * 6  # every pair at most once
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matchmaking.solvers.seating.problem import SeatingProblem

__all__ = ["CYCLIC_SIZE", "DESIGN_EFFORT", "SYMMETRIC_SIZE", "cyclic_start", "design_start", "galois_field"]

#: Largest event (tables x seats) for which :func:`design_start` searches a cyclic design.
CYCLIC_SIZE = 128
#: Largest event (tables x seats) for which it then tries CP-SAT on symmetric structures.
SYMMETRIC_SIZE = 48
#: Tabu iterations of the design search of a timed solve (a fixed effort gives its own).
DESIGN_EFFORT = 300_000
#: CP-SAT deterministic seconds per layered structure (:mod:`.layered`; most are decided sooner).
LAYERED_EFFORT = 0.3


def galois_field(q: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Addition and multiplication tables of GF(q), or None when ``q`` is not a prime power.

    Elements are ``0..q-1``, read as polynomials over GF(p) (base-``p`` digits), multiplied
    modulo the first irreducible monic polynomial of degree ``k`` (``q = p**k``).

    Examples
    --------
    >>> add, mul = galois_field(8)
    >>> sorted(set(mul[3, 1:].tolist())) == list(range(1, 8))  # no zero divisors
    True
    >>> galois_field(6) is None
    True
    """
    if q < 2:
        return None
    p = next(d for d in range(2, q + 1) if q % d == 0)
    k, rest = 0, q
    while rest % p == 0:
        rest //= p
        k += 1
    if rest != 1:
        return None

    def digits(x: int) -> list[int]:
        return [(x // p**i) % p for i in range(k)]

    def polymod(coeffs: list[int], mod: list[int]) -> list[int]:
        coeffs = coeffs[:]
        for deg in range(len(coeffs) - 1, len(mod) - 2, -1):
            c = coeffs[deg] % p
            if c:
                for i, m in enumerate(mod):
                    coeffs[deg - len(mod) + 1 + i] = (coeffs[deg - len(mod) + 1 + i] - c * m) % p
        return [c % p for c in coeffs[: len(mod) - 1]]

    def is_irreducible(poly: list[int]) -> bool:  # monic, degree k: no monic factor of degree 1..k/2
        for d in range(1, k // 2 + 1):
            for low in range(p**d):
                f = [(low // p**i) % p for i in range(d)] + [1]
                if not any(polymod(poly, f)):
                    return False
        return True

    mod = [1, 1] if k == 1 else next(
        poly for low in range(p**k) for poly in [[(low // p**i) % p for i in range(k)] + [1]] if is_irreducible(poly)
    )
    add = np.zeros((q, q), dtype=np.int64)
    mul = np.zeros((q, q), dtype=np.int64)
    for a in range(q):
        da = digits(a)
        for b in range(q):
            db = digits(b)
            add[a, b] = sum(((da[i] + db[i]) % p) * p**i for i in range(k))
            prod = [0] * (2 * k - 1)
            for i in range(k):
                for j in range(k):
                    prod[i + j] += da[i] * db[j]
            red = polymod(prod, mod) if k > 1 else [prod[0] % p]
            mul[a, b] = sum(c * p**i for i, c in enumerate(red))
    return add, mul


def design_start(prob: SeatingProblem, rng: np.random.Generator, tries: int = 20, *,
                 deadline: float = math.inf, effort: int | None = None,
                 keep_going: Callable[[], bool] | None = None) -> np.ndarray | None:
    """A zero-repeat seating from the affine resolvable design over GF(q), when the event fits.

    With ``q`` tables (a prime power) and at most ``s <= q`` per table, members become points
    ``(x, y)`` of GF(q) x {0..s-1}; in the round of slope ``m`` point ``(x, y)`` sits at group
    ``x - m y``: two points of different columns share a group in exactly one slope, points of
    one column never. When ``s`` divides ``q`` one more round seats each column in blocks of
    ``s`` (those pairs never met).

    The design is relabelled to honour what is fixed: members pinned or hosting (their table
    fixed in some round) take points of column ``y = 0``, which never meet, and in each round
    the groups are renumbered so that each fixed member's group is their table; absent members
    are dropped from their rounds. Returns None when the event does not fit (locked rounds,
    together groups, earlier meetings, tables below the minimum size, too many fixed members),
    or when no relabelling in ``tries`` draws keeps the fixed tables and the apart requests.

    Where the field design does not apply, a cyclic design found by the golfer search
    (:func:`matchmaking.solvers.seating.golfer.cyclic_design`) is relabelled the same way
    (:func:`cyclic_start`). ``effort``: a fixed effort of that many tabu iterations, bounded by
    the count alone (the ``deadline`` is then only the hard stop); None: at most
    :data:`DESIGN_EFFORT` within shares of the time to the ``deadline``. ``keep_going()`` is
    asked between chunks (False ends the search).
    """
    n, T = prob.n, prob.n_tables
    if prob.locked_rounds or any(len(b) > 1 for b in prob.blocks) or prob.met_before.any():
        return None
    s = -(-n // T)
    if s < 2 or (prob.capacities < s).any() or s - 1 < prob.min_size and n % T:
        return None
    tab = _field_start(prob, rng, tries) if s <= T else None
    if tab is None and T * s <= CYCLIC_SIZE:
        tab = cyclic_start(prob, rng, s, tries, deadline=deadline, effort=effort, keep_going=keep_going)
    return tab


def _field_start(prob: SeatingProblem, rng: np.random.Generator, tries: int) -> np.ndarray | None:
    """The field design of :func:`design_start` (``s <= q`` checked there), or None."""
    n, T, R = prob.n, prob.n_tables, prob.rounds
    s = -(-n // T)
    column_round = T % s == 0 and n == T * s
    if T + int(column_round) < R:
        return None
    field_ = galois_field(T)
    if field_ is None:
        return None
    add, mul = field_
    neg = np.asarray([int(np.flatnonzero(add[a] == 0)[0]) for a in range(T)])
    fixed = np.flatnonzero((prob.fixed >= 0).any(axis=0))
    # members fixed in the column round need points in distinct blocks of s there
    in_column = prob.fixed[T] >= 0 if R > T else np.zeros(n, dtype=bool)
    if len(fixed) > T or int(in_column.sum()) > T // s:
        return None
    points = [(x, y) for y in range(s) for x in range(T)][:n]
    group = np.empty((R, len(points)), dtype=np.int64)  # design group of each point in each round
    for r in range(R):
        for k, (x, y) in enumerate(points):
            group[r, k] = add[x, neg[mul[r, y]]] if r < T else y * (T // s) + x // s
    # fixed members on column 0 (points 0..T-1), which never share a group in the slope rounds
    first = fixed[in_column[fixed]]
    later = fixed[~in_column[fixed]]
    for _ in range(max(1, tries)):
        blocks = rng.permutation(T // s)[: len(first)] * s
        others = rng.permutation(np.setdiff1d(np.arange(T), blocks))[: len(later)]
        host_points = {**dict(zip(first.tolist(), blocks.tolist(), strict=True)),
                       **dict(zip(later.tolist(), others.tolist(), strict=True))}
        tab = _relabel(prob, rng, group, host_points)
        if tab is not None:
            return tab
    return None


def _relabel(prob: SeatingProblem, rng: np.random.Generator, group: np.ndarray,
             host_points: dict[int, int]) -> np.ndarray | None:
    """One random relabelling of the design (see :func:`design_start`), or None if it breaks a rule.

    ``host_points``: member -> design point of each fixed member; the others get the rest at random.
    """
    n, T, R = prob.n, prob.n_tables, prob.rounds
    fixed = np.asarray(list(host_points), dtype=np.int64)
    point = np.full(n, -1, dtype=np.int64)
    point[fixed] = list(host_points.values())
    rest = np.setdiff1d(np.arange(n), fixed)
    pool = np.setdiff1d(np.arange(group.shape[1]), point[fixed])[: len(rest)]  # the first points left
    point[rest] = rng.permutation(pool)
    tab = np.full((R, n), -1, dtype=np.int64)
    for r in range(R):
        label = np.full(T, -1, dtype=np.int64)  # design group -> table
        for i in fixed:
            t = int(prob.fixed[r, i])
            if t < 0:
                continue
            g = group[r, point[i]]
            if label[g] not in (-1, t) or (label == t).any() and label[g] != t:
                return None
            label[g] = t
        unused = rng.permutation(np.setdiff1d(np.arange(T), label[label >= 0]))
        label[label < 0] = unused
        here = prob.attend[r]
        tab[r, here] = label[group[r, point[here]]]
        counts = np.bincount(tab[r, here], minlength=T)
        if (counts > prob.capacities).any() or ((counts > 0) & (counts < max(prob.min_size, 1))).any():
            return None
    for i, others in enumerate(prob.apart):
        for j in others:
            if ((tab[:, i] == tab[:, j]) & (tab[:, i] >= 0)).any():
                return None
    return tab


def cyclic_start(prob: SeatingProblem, rng: np.random.Generator, s: int, tries: int = 20, *,
                 deadline: float = math.inf, effort: int | None = None,
                 keep_going: Callable[[], bool] | None = None) -> np.ndarray | None:
    """A zero-repeat seating from a cyclic design of ``T`` tables of ``s`` (see :func:`design_start`).

    For the tight sizes, where every member misses exactly one other (such as 8-4-10), a short
    cyclic search comes first, then CP-SAT decides the structures of
    :mod:`~matchmaking.solvers.seating.layered` (an abelian group translating two layers; up to
    the ``deadline``, or one structure per 10,000 iterations of a fixed ``effort``): when no
    structure solves, the searches below and the repair get little or no time. Otherwise, or
    when none solved, the design comes from the local search on pair orbits
    (:func:`~matchmaking.solvers.seating.golfer.cyclic_design`), else from CP-SAT on the
    representatives of other symmetric structures
    (:func:`~matchmaking.solvers.seating.symmetric.symmetric_design`, ``effort / 100,000``
    seconds of deterministic time per structure). Without a fixed ``effort`` (None) they get
    :data:`DESIGN_EFFORT` and stop a quarter and half of the way to the ``deadline``; with one,
    the counts alone bound them (CP-SAT tries one structure per 10,000 iterations).

    The fixed members (pins, hosts) take design points whose blocks agree with their tables in
    every round (a small backtracking: two members fixed in one round share a block exactly
    when they share a table), then :func:`_relabel` renumbers the tables of each round and
    drops the absent. Returns None when no design was found or no relabelling fits.
    """
    from matchmaking.solvers.seating.golfer import cyclic_design
    from matchmaking.solvers.seating.layered import is_tight, layered_design
    from matchmaking.solvers.seating.symmetric import MAX_STRUCTURES, symmetric_design

    T, R = prob.n_tables, prob.rounds
    seed = int(rng.integers(1 << 62))
    iters = DESIGN_EFFORT if effort is None else effort
    timed = effort is None and math.isfinite(deadline)
    group = None
    if is_tight(T, s, R) and T * s <= SYMMETRIC_SIZE:
        # every member misses exactly one other. A short look for a cyclic design first (a thirtieth of
        # the iterations, at most a twentieth of the time: it finds 8-3-11, 12-3-17 and 16-3-23 in well
        # under a second), then the layered structures up to the deadline (the golfer searches do not
        # reach zero on 8-4-10: about 20 repeats); with a fixed effort one structure per 10,000 iterations
        now = time.perf_counter()
        soon = min(now + max(deadline - now, 0.0) / 20, deadline) if timed else deadline
        group = cyclic_design(T, s, R, seed=seed, max_iter=max(iters // 30, 1), deadline=soon, keep_going=keep_going)
        if group is None:
            group = layered_design(T, s, R, seed=seed, effort=LAYERED_EFFORT, deadline=deadline,
                                   max_structures=None if effort is None else max(1, effort // 10_000),
                                   keep_going=keep_going)
    # timed: a quarter of the time to the deadline for the local search, up to half for CP-SAT
    # (the repair that follows keeps the rest when no design exists, or none is found)
    now = time.perf_counter()
    window = max(deadline - now, 0.0) if timed else math.inf
    structures = MAX_STRUCTURES if effort is None else max(1, min(MAX_STRUCTURES, effort // 10_000))
    if group is None:
        group = cyclic_design(T, s, R, seed=seed, max_iter=iters, deadline=min(now + window / 4, deadline),
                              keep_going=keep_going)
    if group is None and T * s <= SYMMETRIC_SIZE and (keep_going is None or keep_going()):
        group = symmetric_design(T, s, R, seed=seed, effort=iters / 100_000, deadline=min(now + window / 2, deadline),
                                 max_structures=structures, keep_going=keep_going)
    if group is None:
        return None
    fixed = [int(i) for i in np.flatnonzero((prob.fixed >= 0).any(axis=0))]
    for _ in range(max(1, tries)):
        points = _fixed_points(prob, group, fixed, rng)
        if points is None:
            return None
        tab = _relabel(prob, rng, group, points)
        if tab is not None:
            return tab
    return None


def _fixed_points(prob: SeatingProblem, group: np.ndarray, fixed: list[int], rng: np.random.Generator,
                  max_nodes: int = 20_000) -> dict[int, int] | None:
    """Design points for the ``fixed`` members consistent with their tables in every round, or None."""
    N = group.shape[1]
    chosen: dict[int, int] = {}
    nodes = 0

    def fits(i: int, pt: int) -> bool:
        for j, q in chosen.items():
            if q == pt:
                return False
            for r in range(prob.rounds):
                ti, tj = prob.fixed[r, i], prob.fixed[r, j]
                if ti >= 0 and tj >= 0 and (ti == tj) != (group[r, pt] == group[r, q]):
                    return False
        return True

    def place(k: int) -> bool:
        nonlocal nodes
        if k == len(fixed):
            return True
        for pt in rng.permutation(N).tolist():
            nodes += 1
            if nodes > max_nodes:
                return False
            if fits(fixed[k], pt):
                chosen[fixed[k]] = pt
                if place(k + 1):
                    return True
                del chosen[fixed[k]]
        return False

    return dict(chosen) if place(0) else None
