"""Starting seatings: the constructive greedy, an exact seating of one round, and zero-repeat designs.

- :func:`greedy`: round by round, members (a together-group as one block) are placed, most
  constrained first, at the open table with the best marginal value, each table filled up to a
  balanced target size; a dead end seats the round with CP-SAT (:func:`seat_round_exactly`),
  which also names the requests that cannot hold together.
- :func:`design_start`: when the event has a social-golfer shape (``q`` tables, ``q`` a prime
  power, at most ``q`` per table), an affine resolvable design over GF(q)
  (:func:`galois_field`) seats everyone with zero repeats by construction.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from matchmaking.errors import InfeasibleError

if TYPE_CHECKING:
    from matchmaking.solvers.seating.problem import SeatingProblem
    from matchmaking.solvers.seating.state import SeatingState

__all__ = ["CYCLIC_SIZE", "cyclic_start", "design_start", "galois_field", "greedy", "seat_round_exactly"]

#: Largest event (tables x seats) for which :func:`design_start` searches a cyclic design.
CYCLIC_SIZE = 128
#: Largest event (tables x seats) for which it then tries CP-SAT on symmetric structures.
SYMMETRIC_SIZE = 48


def greedy(state: SeatingState, rng: np.random.Generator, rounds: Iterable[int], *, random_order: bool = False) -> None:
    """Seat every unseated attendee of ``rounds``, block by block, at the best table with room."""
    p = state.p
    T = p.n_tables
    big = 1e3 * (1.0 + float(np.abs(p.weights).max(initial=0.0)))
    for r in rounds:
        for i in np.flatnonzero(p.fixed[r] >= 0):
            if state.tab[r, i] < 0:
                state.add(int(i), r, int(p.fixed[r, i]))
        target = p.targets[r]
        sizes = np.bincount(state.tab[r][state.tab[r] >= 0], minlength=T)
        todo = []
        for blk in p.blocks:
            who = [i for i in blk if p.attend[r, i] and state.tab[r, i] < 0]
            if who:
                todo.append(who)
        keys = rng.random(len(todo))
        order = sorted(range(len(todo)), key=lambda b: (-len(todo[b]), -sum(len(p.apart[i]) for i in todo[b]), keys[b]))
        onehot = np.zeros((p.n, T))
        seated = np.flatnonzero(state.tab[r] >= 0)
        onehot[seated, state.tab[r, seated]] = 1.0
        for b in order:
            who = todo[b]
            s = len(who)
            room = target - sizes
            allowed = np.ones(T, dtype=bool)
            for i in who:
                for j in p.apart[i]:
                    if state.tab[r, j] >= 0:
                        allowed[state.tab[r, j]] = False
            ok = (room >= s) & allowed
            if not ok.any():  # beyond the balanced size, up to the capacity (after the apart filter)
                ok = (p.capacities - sizes >= s) & allowed
            if not ok.any():  # a dead end of the greedy order: seat the round exactly, or name the conflict
                seat_round_exactly(state, r)
                break
            if random_order:
                score = rng.random(T)
            else:
                score = np.zeros(T)
                for i in who:
                    gain = np.where(state.C[i] == 0, p.weights[i], 0.0)
                    gain = gain - big * (((state.C[i] >= 1) | p.met_before[i]) & ~p.together[i])
                    score += gain @ onehot
                    uncovered = [k for k in state.need_list[i] if state.NC[i][k] == 0]
                    if uncovered and state.needs_w:
                        score += state.needs_w * np.asarray(
                            [sum(1 for k in uncovered if offered.get(k)) for offered in state.TO[r]])
                    for a, codes in enumerate(state.codes):
                        v = codes[i]
                        if v >= 0:
                            fresh = np.asarray([bool(counts) and v not in counts for counts in state.SC[a][r]])
                            score += p.spread_weights[a] * fresh
                score -= 1e-6 * sizes  # ties: the emptier table
            score[~ok] = -np.inf
            t = int(np.argmax(score))
            for i in who:
                state.add(i, r, t)
                onehot[i, t] = 1.0
            sizes[t] += s
        if p.min_size > 1 and r not in p.locked_rounds:  # beyond-target seats may leave a table short
            sizes = np.bincount(state.tab[r][state.tab[r] >= 0], minlength=T)
            if ((sizes > 0) & (sizes < p.min_size)).any():
                seat_round_exactly(state, r)


def seat_round_exactly(state: SeatingState, r: int) -> None:
    """Seat round ``r`` afresh with a CP-SAT feasibility model, or raise naming the conflicting requests.

    Every request of the round is an assumption literal (together, apart, pins, hosts, the
    minimum per table; the seat count and capacities are hard), so that an infeasible round
    names a set of requests that cannot hold together.
    """
    from ortools.sat.python import cp_model

    p = state.p
    T = p.n_tables
    pos = {m: i for i, m in enumerate(p.members)}
    here = [int(i) for i in np.flatnonzero(p.attend[r])]
    model = cp_model.CpModel()
    x = {(i, t): model.NewBoolVar(f"x{i}_{t}") for i in here for t in range(T)}
    for i in here:
        model.AddExactlyOne(x[i, t] for t in range(T))
    named: list[tuple[object, str]] = []

    def request(name: str) -> object:
        lit = model.NewBoolVar(name)
        named.append((lit, name))
        return lit

    for t in range(T):
        load = sum(x[i, t] for i in here)
        model.Add(load <= int(p.capacities[t]))
    if p.min_size > 1:
        lit = request(f"min_table_size={p.min_size}")
        for t in range(T):
            open_ = model.NewBoolVar("")
            load = sum(x[i, t] for i in here)
            model.Add(load >= p.min_size).OnlyEnforceIf([open_, lit])
            model.Add(load == 0).OnlyEnforceIf(open_.Not())
    for a, b in p.requests.together:
        ia, ib = pos.get(a, -1), pos.get(b, -1)
        if ia >= 0 and ib >= 0 and p.attend[r, ia] and p.attend[r, ib]:
            lit = request(f"together {a}-{b}")
            for t in range(T):
                model.Add(x[ia, t] == x[ib, t]).OnlyEnforceIf(lit)
    for a, b in p.requests.apart:
        ia, ib = pos.get(a, -1), pos.get(b, -1)
        if ia >= 0 and ib >= 0 and p.attend[r, ia] and p.attend[r, ib]:
            lit = request(f"apart {a}-{b}")
            for t in range(T):
                model.AddBoolOr([x[ia, t].Not(), x[ib, t].Not()]).OnlyEnforceIf(lit)
    for m, t, rr in p.requests.pins:
        if m in pos and p.attend[r, pos[m]] and (rr is None or rr == r + 1):
            model.Add(x[pos[m], t - 1] == 1).OnlyEnforceIf(request(f"pin {m} -> table {t}" + ("" if rr is None else f", round {rr}")))
    for m, t in p.requests.hosts.items():
        if m in pos and p.attend[r, pos[m]]:
            model.Add(x[pos[m], t - 1] == 1).OnlyEnforceIf(request(f"host {m} at table {t}"))
    model.AddAssumptions([lit for lit, _ in named])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30.0
    status = solver.Solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for i in np.flatnonzero(state.tab[r] >= 0):
            state.remove(int(i), r)
        for i in here:
            state.add(i, r, next(t for t in range(T) if solver.Value(x[i, t])))
        return
    if status == cp_model.INFEASIBLE:
        core = set(solver.SufficientAssumptionsForInfeasibility())
        names = [name for lit, name in named if lit.Index() in core] or [f"{len(here)} attendees", f"{T} tables"]
        raise InfeasibleError(f"round {r + 1}: the requests cannot all hold (capacities {list(map(int, p.capacities))})",
                              names)
    raise InfeasibleError(f"round {r + 1}: no seating found for the requests in 30 s (capacities and requests)",
                          [name for _, name in named])


# ---------------------------------------------------------------------------------------------
# Design start: a resolvable transversal design (zero repeats by construction)
# ---------------------------------------------------------------------------------------------
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
                 deadline: float = math.inf, effort: int = 300_000,
                 keep_going: Callable[[], bool] | None = None, shares: bool = True) -> np.ndarray | None:
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
    (:func:`matchmaking.solvers.seating.golfer.cyclic_design`, at most ``effort`` tabu
    iterations, the ``deadline`` and ``keep_going``) is relabelled the same way (:func:`cyclic_start`).
    """
    n, T = prob.n, prob.n_tables
    if prob.locked_rounds or any(len(b) > 1 for b in prob.blocks) or prob.met_before.any():
        return None
    s = -(-n // T)
    if s < 2 or (prob.capacities < s).any() or s - 1 < prob.min_size and n % T:
        return None
    tab = _field_start(prob, rng, tries) if s <= T else None
    if tab is None and T * s <= CYCLIC_SIZE:
        tab = cyclic_start(prob, rng, s, tries, deadline=deadline, effort=effort, keep_going=keep_going,
                           shares=shares)
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
                 deadline: float = math.inf, effort: int = 300_000,
                 keep_going: Callable[[], bool] | None = None, shares: bool = True) -> np.ndarray | None:
    """A zero-repeat seating from a cyclic design of ``T`` tables of ``s`` (see :func:`design_start`).

    The design comes from the local search on pair orbits
    (:func:`~matchmaking.solvers.seating.golfer.cyclic_design`), else from CP-SAT on the
    representatives of other symmetric structures
    (:func:`~matchmaking.solvers.seating.symmetric.symmetric_design`, ``effort / 100,000``
    seconds of deterministic time per structure); they stop a quarter and half of the way to
    the ``deadline``.

    The fixed members (pins, hosts) take design points whose blocks agree with their tables in
    every round (a small backtracking: two members fixed in one round share a block exactly
    when they share a table), then :func:`_relabel` renumbers the tables of each round and
    drops the absent. Returns None when no design was found or no relabelling fits.
    """
    from matchmaking.solvers.seating.golfer import cyclic_design
    from matchmaking.solvers.seating.symmetric import symmetric_design

    T, R = prob.n_tables, prob.rounds
    seed = int(rng.integers(1 << 62))
    # a quarter of the time to the deadline for the local search, up to half for CP-SAT: the
    # repair that follows keeps the rest when no design exists (or none is found)
    # (``shares=False``, a fixed effort: the counts bound both and the deadline is only the hard stop)
    now = time.perf_counter()
    window = max(deadline - now, 0.0) if math.isfinite(deadline) and shares else math.inf
    group = cyclic_design(T, s, R, seed=seed, max_iter=effort, deadline=min(now + window / 4, deadline),
                          keep_going=keep_going)
    if group is None and T * s <= SYMMETRIC_SIZE and (keep_going is None or keep_going()):
        group = symmetric_design(T, s, R, seed=seed, effort=effort / 100_000, deadline=min(now + window / 2, deadline),
                                 max_structures=40 if shares else max(1, min(40, effort // 10_000)),
                                 keep_going=keep_going)
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
