"""The roulette's data, heuristics and LP bound (:func:`matchmaking.solvers.pairing.roulette.roulette`).

Every round pairs everyone who attends (one trio when the count is odd). A pair never
meets twice, within the rounds or against the meeting history, while the round can still
be paired with unmet pairs only (each round is a maximum-cardinality matching of the
unmet pairs first). Among such plans the total affinity of the pairs is maximised.

Joint optimisation: the LP relaxation "each member meets at most as many people as the
rounds they attend" (a fractional b-matching, solved exactly as a min-cost flow on the
bipartite double cover) gives a proven upper bound and a target set of pairs; rounds are
then built by exact maximum-weight perfect matchings steered towards the target, the best
of a small portfolio (including plain round-by-round matching) is kept, and a
large-neighbourhood search re-solves freed members in all rounds at once (each round
against every other, earlier and later).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from matchmaking.errors import InputError
from matchmaking.scoring.objective import Objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.control import Monitor
from matchmaking.solvers.pairing._common import (
    forced_pairs,
    integer_weights,
    max_weight_matching,
)
from matchmaking.solvers.params import check_number, check_whole


@dataclass(frozen=True)
class RouletteParams:
    """Tuning of the roulette engine (validated).

    Attributes
    ----------
    max_members : int
        Roulette works on a dense member x member block: events up to this size.
    candidates : int
        Candidate partners per member and round before falling back to every unmet pair.
    steering : tuple of float
        Target bonus levels tried by the joint method (x the mean target pair weight); 0 is
        round by round.
    patience : int
        The large-neighbourhood search stops after this many moves without improvement (a
        plan that stops that way depends on the seed only, not on timing).
    exact_max_pairs : int
        The exact model (CP-SAT) is built when it has at most this many pair-round variables.
    exact_share : float
        Share of the time left given to the exact model.
    exact_effort : float
        CP-SAT's deterministic time limit (its own work units, about seconds on an idle machine):
        a search that stops there gives the same plan on any machine; the wall clock still caps it.
    """

    max_members: int = 4000
    candidates: int = 16
    steering: tuple[float, ...] = (0.0, 0.5, 2.0, 1000.0)
    patience: int = 200
    exact_max_pairs: int = 20_000
    exact_share: float = 0.9
    exact_effort: float = 10.0

    def __post_init__(self) -> None:
        check_whole(self, ["max_members", "candidates", "patience", "exact_max_pairs"], prefix="RouletteParams.")
        if not self.steering or any(not (isinstance(x, (int, float)) and x >= 0) for x in self.steering):
            raise InputError("RouletteParams.steering must be levels >= 0", column="steering")
        check_number(self, "exact_effort", low_open=True, prefix="RouletteParams.")
        check_number(self, "exact_share", high=1, low_open=True, prefix="RouletteParams.")


class RouletteProblem:
    """The dense data of one roulette problem (local member indices) and its heuristics.

    ``avail`` (rounds x members, bool): who attends each round; ``candidates``: best unmet
    partners per member tried first in each round's matching.
    """

    def __init__(
        self, objective: Objective, people: list[str], avail: np.ndarray, requests: Requests, *, candidates: int = 16
    ) -> None:
        self.candidates = candidates
        self.people = people
        self.n = len(people)
        self.avail = avail  # rounds x n, bool
        aff = objective.affinity.restrict(people)
        self.weight = aff.dense()
        self.history = aff.times_met().toarray() if len(aff.met) else np.zeros((self.n, self.n))
        pos = {m: k for k, m in enumerate(people)}
        self.allowed = np.ones((self.n, self.n), dtype=bool)
        np.fill_diagonal(self.allowed, False)
        for a, b in requests.apart:
            if a in pos and b in pos:
                self.allowed[pos[a], pos[b]] = self.allowed[pos[b], pos[a]] = False
        self.forced = [(pos[a], pos[b]) for a, b in forced_pairs(requests, people)]
        self.free_repeat = np.zeros((self.n, self.n), dtype=bool)
        for a, b in self.forced:
            self.free_repeat[a, b] = self.free_repeat[b, a] = True

    # ------------------------------------------------------------------ one round
    def solve_round(
        self, r: int, met: np.ndarray, bonus: np.ndarray | None, present: np.ndarray | None = None
    ) -> list[tuple[int, ...]]:
        """Groups of round ``r`` (of ``present``, default: who attends): a maximum-cardinality
        matching of unmet pairs, then maximum weight."""
        present = np.flatnonzero(self.avail[r]) if present is None else present
        groups: list[tuple[int, ...]] = []
        busy = set()
        here = set(present.tolist())
        for a, b in self.forced:
            if a in here and b in here:
                groups.append((a, b))
                busy.update((a, b))
        people = np.asarray([p for p in present if p not in busy], dtype=np.int64)
        if len(people) == 0:
            return groups
        if len(people) == 1:
            if not groups:
                return [(int(people[0]),)]
            return self._insert(groups, int(people[0]), (met == 0) & self.allowed, self.allowed, self.weight)
        w = self.weight[np.ix_(people, people)]
        if bonus is not None:
            w = w + bonus[np.ix_(people, people)]
        allowed = self.allowed[np.ix_(people, people)]
        new = (met[np.ix_(people, people)] == 0) & allowed
        m = len(people)
        odd = m % 2 == 1
        local = self._unmet_groups(w, new, allowed, odd)
        if local is not None and odd:
            trio = next(g for g in local if len(g) == 3)
            if not all(new[a, b] for a, b in itertools.combinations(trio, 2)):
                local = self._trio_search(w, new, allowed) or local
        if local is None:  # no grouping of unmet pairs exists: fewest repeats, then most weight
            i, j = np.nonzero(np.triu(allowed, 1))
            local = self._groups(self._match(w, i, j, odd=odd, tier=new), w, new, allowed)
        return groups + [tuple(int(people[u]) for u in g) for g in local]

    def _unmet_groups(
        self, w: np.ndarray, new: np.ndarray, allowed: np.ndarray, odd: bool
    ) -> list[tuple[int, ...]] | None:
        """Pairs (and a trio when odd) of unmet pairs with the most weight, or None if impossible."""
        m = len(w)
        k = min(self.candidates, m - 1)  # candidate graph first: each member's best unmet partners
        masked = np.where(new, w, -np.inf)
        top = np.argpartition(-masked, k - 1, axis=1)[:, :k] if k > 0 else np.zeros((m, 0), dtype=int)
        rows = np.repeat(np.arange(m), top.shape[1])
        cols = top.ravel()
        keep = np.isfinite(masked[rows, cols])
        matching = self._match(w, rows[keep], cols[keep], odd=odd)
        if not self._perfect(matching, m):
            i, j = np.nonzero(np.triu(new, 1))
            matching = self._match(w, i, j, odd=odd)
        if not self._perfect(matching, m):
            return None
        return self._groups(matching, w, new, allowed)

    def _groups(self, matching: list, w: np.ndarray, new: np.ndarray, allowed: np.ndarray) -> list[tuple[int, ...]]:
        m = len(w)
        real = [(u, v) for u, v in matching if v < m]
        matched = {u for p in real for u in p}
        groups: list[tuple[int, ...]] = [tuple(p) for p in real]
        for u in range(m):  # the odd one out (or members no allowed pair could take) joins a pair as a trio
            if u not in matched:
                groups = self._insert(groups, u, new, allowed, w)
        return groups

    def _trio_search(
        self, w: np.ndarray, new: np.ndarray, allowed: np.ndarray, limit: int = 40
    ) -> list[tuple[int, ...]] | None:
        """A trio of three unmet pairs plus unmet pairs for everyone else, if one exists."""
        m = len(w)
        for x in np.argsort(new.sum(axis=1), kind="stable")[:limit]:
            partners = np.flatnonzero(new[x])
            partners = partners[np.argsort(-w[x, partners], kind="stable")][:30]
            triangles = [(a, b) for a, b in itertools.combinations(partners.tolist(), 2) if new[a, b]]
            triangles.sort(key=lambda t: -(w[x, t[0]] + w[x, t[1]] + w[t[0], t[1]]))
            for a, b in triangles[:3]:
                rest = np.asarray([u for u in range(m) if u not in (x, a, b)], dtype=np.int64)
                sub = np.ix_(rest, rest)
                found = self._unmet_groups(w[sub], new[sub], allowed[sub], False) if len(rest) else []
                if found is not None:
                    return [(int(x), a, b)] + [tuple(int(rest[u]) for u in g) for g in found]
        return None

    def _match(self, w: np.ndarray, i: np.ndarray, j: np.ndarray, *, odd: bool, tier: np.ndarray | None = None) -> list:
        lo, hi = np.minimum(i, j), np.maximum(i, j)
        edges = np.unique(np.stack([lo, hi], axis=1), axis=0) if len(lo) else np.zeros((0, 2), dtype=np.int64)
        i, j = edges[:, 0], edges[:, 1]
        ints, _, _ = integer_weights(w[i, j])
        ints = ints - (ints.min() if len(ints) else 0) + 1  # same-size matchings: a shift changes nothing
        if tier is not None:
            t = tier[i, j] if tier.ndim == 2 else tier
            ints = ints + t.astype(np.int64) * (int(ints.max()) * (len(w) // 2 + 1) + 1)
        m = len(w)
        if odd:  # a dummy partner: whoever it takes becomes the third of a trio
            i = np.r_[i, np.arange(m)]
            j = np.r_[j, np.full(m, m)]
            ints = np.r_[ints, np.ones(m, dtype=np.int64)]
        return max_weight_matching(m + int(odd), i, j, ints, max_cardinality=True)

    @staticmethod
    def _perfect(matching: list, m: int) -> bool:
        covered = {u for p in matching for u in p if u < m}
        return len(covered) >= m - (m % 2)

    def _insert(
        self, groups: list[tuple[int, ...]], x: int, new: np.ndarray, allowed: np.ndarray, w: np.ndarray
    ) -> list[tuple[int, ...]]:
        """Put ``x`` in the pair where it makes the most new contacts, then the most affinity."""
        best, key = None, None
        for g, grp in enumerate(groups):
            if len(grp) != 2 or not all(allowed[x, y] for y in grp):
                continue
            k = (sum(bool(new[x, y]) for y in grp), sum(w[x, y] for y in grp))
            if key is None or k > key:
                best, key = g, k
        if best is None:
            return groups + [(x,)]
        return groups[:best] + [groups[best] + (x,)] + groups[best + 1 :]

    # ------------------------------------------------------------------ whole plans
    def build(self, bonus: np.ndarray | None) -> list[list[tuple[int, ...]]]:
        """Round after round, each a maximum-weight matching of the pairs not met yet."""
        met = self.history.copy()
        plan = []
        for r in range(len(self.avail)):
            groups = self.solve_round(r, met, bonus)
            for grp in groups:
                for a in grp:
                    for b in grp:
                        if a != b:
                            met[a, b] += 1
            plan.append(groups)
        return plan

    def improve(
        self, plan: list[list[tuple[int, ...]]], *, seed: int, patience: int, monitor: Monitor
    ) -> list[list[tuple[int, ...]]]:
        """Large-neighbourhood search over all rounds at once.

        Destroy: the pairs, in every round, among a cluster of members (a member, their
        partners in the plan, theirs...). Repair: the rounds in random order, each an exact
        maximum-weight matching of the freed members against every other round of the plan
        (earlier and later). Kept when the joint value (repeats, then weight) is no worse.
        """
        rng = np.random.default_rng(seed)
        rounds = len(plan)
        met = self.history.copy()
        for groups in plan:
            _count(met, groups, +1)
        best = self.value(plan)
        size = int(min(max(8, self.n // 5), 60))
        partners = _partners(plan, self.n)
        stale = 0
        moves = 0
        while stale < patience and monitor.report("lns", objective=best[1], repeats=best[0], iteration=moves):
            stale += 1
            moves += 1
            if rng.random() < 0.5:  # a cluster of members, in every round
                cluster = _cluster(partners, int(rng.integers(self.n)), size, rng)
                chosen = set(range(rounds))
            else:  # most members, in a few rounds
                cluster = set(rng.permutation(self.n)[: max(4, self.n // 2)].tolist())
                chosen = set(rng.permutation(rounds)[: min(rounds, 3)].tolist())
            trial, freed = [], []
            trial_met = met.copy()
            for r, groups in enumerate(plan):
                inside = [r in chosen and len(g) == 2 and g[0] in cluster and g[1] in cluster for g in groups]
                keep = [g for g, x in zip(groups, inside, strict=True) if not x]
                gone = [g for g, x in zip(groups, inside, strict=True) if x]
                _count(trial_met, gone, -1)
                trial.append(keep)
                freed.append(np.asarray(sorted(u for g in gone for u in g), dtype=np.int64))
            if not any(len(f) for f in freed):
                continue
            for r in rng.permutation(rounds):
                if not len(freed[r]):
                    continue
                new = self.solve_round(int(r), trial_met, None, present=freed[r])
                _count(trial_met, new, +1)
                trial[r] = trial[r] + new
            value = self.value(trial)
            if (value[0], -value[1]) <= (best[0], -best[1]):
                if (value[0], -value[1]) < (best[0], -best[1]):
                    stale = 0
                plan, met, best = trial, trial_met, value
                partners = _partners(plan, self.n)
        return plan

    def value(self, plan: list[list[tuple[int, ...]]]) -> tuple[int, float]:
        """(repeats, total weight of distinct pairs) of a plan, as the shared objective counts them."""
        count = np.zeros((self.n, self.n), dtype=np.int32)
        for groups in plan:
            for grp in groups:
                for a in grp:
                    for b in grp:
                        if a < b:
                            count[a, b] += 1
        met = count > 0
        repeats = np.where(self.free_repeat, 0, np.clip(count - 1, 0, None) + (met & (self.history > 0)) * count)
        return int(repeats.sum()), float(self.weight[met].sum())

    def relaxation(self, *, repeat_free: bool = False) -> tuple[float, np.ndarray]:
        """Upper bound on the total weight, and the LP's pairs (fractional b-matching, exact).

        ``repeat_free``: pairs that met before (history) are left out, so the bound holds for
        plans without repeats only (tighter when the history is long).
        """
        n = self.n
        degree = self.avail.sum(axis=0).astype(np.int64)
        counts = self.avail.sum(axis=1)
        odd_rounds = self.avail[counts % 2 == 1]
        trio = odd_rounds.sum(axis=0).astype(np.int64)  # extra partners a member may get in trios
        pool = 3 * len(odd_rounds)
        usable = self.allowed & (self.weight > 0)
        if repeat_free:
            usable &= (self.history <= 0) | self.free_repeat
        i, j = np.nonzero(np.triu(usable, 1))
        ints, scale, exact = integer_weights(self.weight[i, j])
        src, sink, pool_l, pool_r = 2 * n, 2 * n + 1, 2 * n + 2, 2 * n + 3
        total = int(degree.sum() + pool)
        tails = np.r_[i, j, np.full(n, src), np.arange(n) + n, [src], [src, pool_r],
                      np.full(n, pool_l), np.arange(n) + n]
        heads = np.r_[j + n, i + n, np.arange(n), np.full(n, sink), [sink], [pool_l, sink],
                      np.arange(n), np.full(n, pool_r)]
        caps = np.r_[np.ones(2 * len(i), dtype=np.int64), degree, degree, [total], [pool, pool], trio, trio]
        costs = np.r_[-ints, -ints, np.zeros(2 * n + 1 + 2 + 2 * n, dtype=np.int64)]
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32), caps, costs)
        supplies = np.zeros(2 * n + 4, dtype=np.int64)
        supplies[src], supplies[sink] = total, -total
        flow.set_nodes_supplies(np.arange(2 * n + 4, dtype=np.int32), supplies)
        status = flow.solve()
        if status != flow.OPTIMAL:  # pragma: no cover - the network is always feasible (bypass arc)
            raise RuntimeError(f"min-cost flow failed: {status}")
        x = flow.flows(np.arange(2 * len(i), dtype=np.int32)).astype(float)
        y = (x[: len(i)] + x[len(i) :]) / 2
        slack = 0.0 if exact else (degree.sum() + pool) * 0.25 / scale
        bound = -flow.optimal_cost() / (2 * scale) + slack
        target = np.zeros((n, n))
        target[i, j] = target[j, i] = y
        return float(bound), target


def _count(met: np.ndarray, groups: Iterable[tuple[int, ...]], sign: int) -> None:
    for grp in groups:
        for a in grp:
            for b in grp:
                if a != b:
                    met[a, b] += sign


def _partners(plan: list[list[tuple[int, ...]]], n: int) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(n)]
    for groups in plan:
        for grp in groups:
            for a in grp:
                out[a] += [b for b in grp if b != a]
    return out


def _cluster(partners: list[list[int]], start: int, size: int, rng: np.random.Generator) -> set[int]:
    """A connected cluster of members through the plan's pairs (breadth first, shuffled)."""
    cluster, frontier = {start}, [start]
    while frontier and len(cluster) < size:
        nxt = []
        for u in frontier:
            for v in rng.permutation(partners[u]).tolist():
                if v not in cluster and len(cluster) < size:
                    cluster.add(v)
                    nxt.append(v)
        frontier = nxt
    return cluster


