"""Sub-community cohorts: partition a community into groups of 8-12 that fit together.

The model
---------
Members are split into **blocks** by the ``similar`` attributes (same city: every cohort
lives in one block, so its members can meet in person). Blocks too small to be cut into
cohorts of the allowed sizes are pooled into one ``mixed`` block (said in the notes);
blocks above ``max_block`` members are cut into sub-blocks by first goal (leads and
protected minorities dealt evenly), so memory and time grow linearly with the community.
Inside a block the solver maximises the shared :class:`~matchmaking.Objective` of kind
``cohorts`` (pair affinity: complementarity and shared goals; needs covered by a
cohort-mate; ``spread`` attributes: distinct values beyond the first) plus a ``balance``
term per numeric attribute (minus the distance of each cohort's mean to the block mean,
in standard deviations), under hard rules:

* sizes within ``size`` (min-max);
* ``protect``: nobody is the only one of their value in a cohort (0 or at least 2);
* ``leaders``: leads are spread evenly, so every cohort of a block gets ``floor`` or
  ``ceil`` of (leads / cohorts), i.e. exactly one lead each when there are as many leads
  as cohorts (the number of cohorts follows the number of leads within the size bounds);
* keep-together, keep-apart and pins from a constraints file.

The algorithm
-------------
Each block is an independent task (see :func:`form_cohorts`, ``workers``): a constructive
start deals together-units, leads, then the values of the first protected attribute
(rarest first, in twos), then the rest sorted by spread attributes; a repair phase removes
the hard-rule violations left; then a local search of moves and swaps, screened with a
member x cohort affinity matrix and evaluated exactly, climbs until no improving move is
found. Everything is seeded, and the stopping rule counts tries, not seconds, so the same
seed gives the same plan; only when the time limit stops a block first (said in the notes)
does the plan depend on the machine's speed.

Growth (``previous``): existing members start in their cohort and may move only within
``move_budget`` (shared over blocks by their number of newcomers); newcomers go to the
cohort where their affinity is highest, new cohorts open when they do not fit; the search
then improves the plan under the budget.

The bound
---------
Over all plans whose cohorts stay inside the (sub-)blocks (any number of cohorts with sizes
in bounds): a member has at most ``max - 1`` cohort-mates, so the pair term is at most half
the sum over members of their ``max - 1`` best positive affinities inside their block; a
need can only be covered if someone else in the block offers it; a cohort of ``s``
members has at most ``min(s, V)`` distinct values of an attribute with ``V`` values in the
block, so the spread term is at most ``max over k of min(k V, n) - k``; balance is at most
0; the hard rules only remove plans. The sum is a proven upper bound.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from matchmaking.errors import InfeasibleError
from matchmaking.model.community import Community
from matchmaking.plans.check import check_plan
from matchmaking.plans.plan import Plan
from matchmaking.scoring.affinity import Affinity
from matchmaking.scoring.objective import default_objective
from matchmaking.scoring.requests import Requests

__all__ = ["form_cohorts", "check_cohorts", "parse_size", "parse_leaders", "cohort_bound"]

PENALTY = 1000.0  # weight of one hard-rule violation inside the search (never accepted when avoidable)
MIXED = "(mixed)"
EXACT_MAX = 14  # blocks of at most this many members are finished exactly with CP-SAT (no balance, no growth)
EXACT_SECONDS = 3.0  # at most this long per block (within its time limit); the best valid plan found is kept


# ---------------------------------------------------------------------------- parsing
def parse_size(size: object) -> tuple[int, int]:
    """``"8-12"``, ``(8, 12)`` or ``10`` -> ``(min, max)``.

    Examples
    --------
    >>> parse_size("8-12"), parse_size(10), parse_size((3, 4))
    ((8, 12), (10, 10), (3, 4))
    """
    if isinstance(size, str):
        parts = size.replace(" ", "").split("-")
        try:
            lo, hi = (int(parts[0]), int(parts[-1])) if len(parts) in (1, 2) else (None, None)
        except ValueError:
            lo = hi = None
        if lo is None:
            raise ValueError(f"size {size!r} is not MIN-MAX (e.g. 8-12)")
    elif isinstance(size, (int, np.integer)):
        lo = hi = int(size)
    else:
        lo, hi = (int(x) for x in size)  # type: ignore[union-attr]
    if not 1 <= lo <= hi:
        raise ValueError(f"size bounds must satisfy 1 <= min <= max, got {lo}-{hi}")
    return lo, hi


def parse_leaders(leaders: str | tuple[str, object] | None, community: Community) -> np.ndarray:
    """Boolean mask of the leads from ``"role=lead"`` (or ``("role", "lead")``).

    Examples
    --------
    >>> import pandas as pd
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "role": ["lead", "member"]}))
    >>> parse_leaders("role=lead", c).tolist()
    [True, False]
    """
    if leaders is None:
        return np.zeros(len(community), dtype=bool)
    if isinstance(leaders, str):
        if "=" not in leaders:
            raise ValueError(f"leaders {leaders!r} is not COLUMN=VALUE (e.g. role=lead)")
        col, value = (x.strip() for x in leaders.split("=", 1))
    else:
        col, value = leaders
    if col not in community.attributes:
        raise ValueError(f"leaders names no attribute {col!r}; attributes are {community.attributes}")
    values = community.members[col]
    return np.asarray([(not pd.isna(v)) and str(v) == str(value) for v in values], dtype=bool)


def _check_attrs(names: Sequence[str], community: Community, what: str, numeric: bool = False) -> list[str]:
    out = [names] if isinstance(names, str) else list(names)
    for a in out:
        if a not in community.attributes:
            raise ValueError(f"{what} names no attribute {a!r}; attributes are {community.attributes}")
        if numeric and not pd.api.types.is_numeric_dtype(community.members[a]):
            raise ValueError(f"balance attribute {a!r} is not numeric")
    return out


def _weights(spec: Sequence[str] | Mapping[str, float], community: Community, what: str, default: float,
             numeric: bool = False) -> dict[str, float]:
    if isinstance(spec, Mapping):
        _check_attrs(list(spec), community, what, numeric)
        return {a: float(w) for a, w in spec.items()}
    return {a: default for a in _check_attrs(spec, community, what, numeric)}


# ---------------------------------------------------------------------------- block problem
@dataclass
class _Block:
    """One independent sub-problem: plain arrays, so it can be shipped to another process."""

    key: str
    members: np.ndarray  # global positions
    W: sp.csr_matrix  # pair affinity within the block
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
    log: list[tuple[float, float]] = field(default_factory=list)
    k_options: tuple[int, ...] = ()  # other cohort counts to try when the rules cannot hold with k


class _State:
    """Labels plus every count the exact move evaluation needs."""

    def __init__(self, b: _Block, labels: np.ndarray) -> None:
        self.b = b
        n, k = len(b.members), b.k
        self.lab = labels.astype(np.int64).copy()
        Z = sp.csr_matrix((np.ones(n), (np.arange(n), self.lab)), shape=(n, k))
        self.S = np.asarray((b.W @ Z).todense(), dtype=np.float64)
        self.size = np.bincount(self.lab, minlength=k).astype(np.int64)
        both = b.offers & b.needs
        offered = np.zeros((k, b.offers.shape[1]), dtype=np.int64)
        needed = np.zeros_like(offered)
        needed_offered = np.zeros_like(offered)
        np.add.at(offered, self.lab, b.offers)
        np.add.at(needed, self.lab, b.needs)
        np.add.at(needed_offered, self.lab, both)
        # python lists: fast scalar access in the move evaluation
        self.O, self.N, self.NO = offered.tolist(), needed.tolist(), needed_offered.tolist()
        self.off_list = [np.flatnonzero(r).tolist() for r in b.offers]
        self.need_list = [np.flatnonzero(r).tolist() for r in b.needs]
        self.both_list = [np.flatnonzero(r).tolist() for r in both]
        self.profd = [
            {int(sk): (int(b.offers[m, sk]), int(b.needs[m, sk]), int(both[m, sk]))
             for sk in np.flatnonzero(b.offers[m] | b.needs[m])}
            for m in range(n)
        ]
        self.prof = [[(sk, *v) for sk, v in p.items()] for p in self.profd]
        b.W.sort_indices()
        self.cat: list[tuple[np.ndarray, np.ndarray, float, str]] = []  # codes, counts (k x V), weight, kind
        for codes, w in b.spread:
            self.cat.append((codes, _counts(codes, self.lab, k), w, "spread"))
        for codes in b.protect:
            self.cat.append((codes, _counts(codes, self.lab, k), PENALTY, "protect"))
        self.leads = np.bincount(self.lab, weights=b.lead.astype(float), minlength=k).astype(np.int64)
        total = int(b.lead.sum())
        self.lead_lo, self.lead_hi = total // k, -(-total // k)
        self.bal = [(x, w, np.bincount(self.lab, weights=x, minlength=k)) for x, w in b.balance]
        self.partners: dict[int, list[tuple[int, int]]] = {}
        for sign, pairs in ((1, b.together), (-1, b.apart)):
            for x, y in pairs:
                self.partners.setdefault(x, []).append((y, sign))
                self.partners.setdefault(y, []).append((x, sign))
        self.moved = 0
        if b.home is not None:
            self.moved = int(((b.home >= 0) & (self.lab != b.home)).sum())

    # -------------------------------------------------------------- evaluation
    def delta(self, i: int, t: int, j: int = -1, wij: float = 0.0) -> float | None:
        """Exact change of the search score when ``i`` moves to cohort ``t`` (and ``j``, if given,
        moves from ``t`` to ``i``'s cohort: a swap, ``wij`` their affinity); None if not allowed."""
        b = self.b
        f = int(self.lab[i])
        swap = j >= 0
        S = self.S
        d = S[i, t] - S[i, f]
        if swap:
            d += S[j, f] - S[j, t] - 2.0 * wij
        else:
            if self.size[f] - 1 < b.lo or self.size[t] + 1 > b.hi:
                return None
        if b.home is not None and b.budget is not None:
            home = b.home
            moved = self.moved
            hi_, hj = int(home[i]), (int(home[j]) if swap else -1)
            if hi_ >= 0:
                moved += int(t != hi_) - int(f != hi_)
            if hj >= 0:
                moved += int(f != hj) - int(t != hj)
            if moved > b.budget:
                return None
        # needs covered: only the skills of the moving members change
        if b.needs_weight:
            d += b.needs_weight * self._needs_delta(i, f, t, j)
        # categorical: spread (distinct values) and protect (singletons)
        for codes, counts, w, kind in self.cat:
            v = codes[i]
            u = codes[j] if swap else -1
            if v == u:
                continue
            ch = []
            if v >= 0:
                ch += [(f, v, -1), (t, v, 1)]
            if u >= 0:
                ch += [(t, u, -1), (f, u, 1)]
            for c, val, dc in ch:
                x = int(counts[c, val])
                if kind == "spread":
                    d += w * ((x + dc > 0) - (x > 0))
                else:
                    d -= w * ((x + dc == 1) - (x == 1))
        # leads
        dlead = int(b.lead[i]) - (int(b.lead[j]) if swap else 0)
        if dlead:
            lf, lt = int(self.leads[f]), int(self.leads[t])
            d -= PENALTY * (self._lead_pen(lf - dlead) + self._lead_pen(lt + dlead)
                            - self._lead_pen(lf) - self._lead_pen(lt))
        # balance: |mean| of standardised values per cohort
        if self.bal:
            nf, nt = int(self.size[f]), int(self.size[t])
            nf1, nt1 = (nf, nt) if swap else (nf - 1, nt + 1)
            for x, w, sums in self.bal:
                dx = x[i] - (x[j] if swap else 0.0)
                sf, st_ = sums[f], sums[t]
                d -= w * (abs(sf - dx) / max(nf1, 1) + abs(st_ + dx) / max(nt1, 1)
                          - abs(sf) / max(nf, 1) - abs(st_) / max(nt, 1))
        # together / apart
        if self.partners:
            new = {i: t, j: f} if swap else {i: t}
            for m, src, dst in ((i, f, t), (j, t, f)) if swap else ((i, f, t),):
                for p, sign in self.partners.get(m, ()):
                    if p in new and p < m:
                        continue  # counted once
                    lp_old, lp_new = int(self.lab[p]), new.get(p, int(self.lab[p]))
                    same_old, same_new = src == lp_old, dst == lp_new
                    bad_old = (not same_old) if sign > 0 else same_old
                    bad_new = (not same_new) if sign > 0 else same_new
                    d -= PENALTY * (bad_new - bad_old)
        return float(d)

    def _needs_delta(self, i: int, f: int, t: int, j: int) -> int:
        """Change in (member, need) couples covered inside cohorts ``f`` and ``t``."""
        if j < 0:
            items = self.prof[i]
        else:
            acc = dict(self.profd[i])
            for sk, (o, n, no) in self.profd[j].items():
                o0, n0, no0 = acc.get(sk, (0, 0, 0))
                acc[sk] = (o0 - o, n0 - n, no0 - no)
            items = [(sk, o, n, no) for sk, (o, n, no) in acc.items() if o or n or no]
        Of, Nf, NOf, Ot, Nt, NOt = self.O[f], self.N[f], self.NO[f], self.O[t], self.N[t], self.NO[t]
        out = 0
        for sk, o, n, no in items:
            a, b, c = Of[sk], Nf[sk], NOf[sk]
            out -= b if a >= 2 else (b - c if a == 1 else 0)
            a, b, c = a - o, b - n, c - no
            out += b if a >= 2 else (b - c if a == 1 else 0)
            a, b, c = Ot[sk], Nt[sk], NOt[sk]
            out -= b if a >= 2 else (b - c if a == 1 else 0)
            a, b, c = a + o, b + n, c + no
            out += b if a >= 2 else (b - c if a == 1 else 0)
        return out

    def w(self, i: int, j: int) -> float:
        """Affinity of ``i`` and ``j`` (sorted sparse row look-up)."""
        W = self.b.W
        lo, hi = W.indptr[i], W.indptr[i + 1]
        k = lo + np.searchsorted(W.indices[lo:hi], j)
        return float(W.data[k]) if k < hi and W.indices[k] == j else 0.0

    def _lead_pen(self, x: int) -> int:
        return max(0, x - self.lead_hi) + max(0, self.lead_lo - x)

    def apply(self, i: int, t: int, j: int = -1) -> None:
        """Move ``i`` to cohort ``t`` (swapping with ``j`` when given)."""
        f = int(self.lab[i])
        self._move(i, f, t)
        if j >= 0:
            self._move(j, t, f)

    def _move(self, i: int, f: int, t: int) -> None:
        b = self.b
        W = b.W
        lo, hi = W.indptr[i], W.indptr[i + 1]
        cols, vals = W.indices[lo:hi], W.data[lo:hi]
        self.S[cols, f] -= vals
        self.S[cols, t] += vals
        self.size[f] -= 1
        self.size[t] += 1
        for M, lst in ((self.O, self.off_list), (self.N, self.need_list), (self.NO, self.both_list)):
            for sk in lst[i]:
                M[f][sk] -= 1
                M[t][sk] += 1
        for codes, counts, _, _ in self.cat:
            if codes[i] >= 0:
                counts[f, codes[i]] -= 1
                counts[t, codes[i]] += 1
        if b.lead[i]:
            self.leads[f] -= 1
            self.leads[t] += 1
        for x, _, sums in self.bal:
            sums[f] -= x[i]
            sums[t] += x[i]
        if b.home is not None and b.home[i] >= 0:
            h = int(b.home[i])
            self.moved += int(t != h) - int(f != h)
        self.lab[i] = t

    def violations(self) -> np.ndarray:
        """Members involved in a hard-rule violation."""
        b = self.b
        bad = np.zeros(len(self.lab), dtype=bool)
        for codes, counts, _, kind in self.cat:
            if kind == "protect":
                ok = codes >= 0
                bad[ok] |= counts[self.lab[ok], codes[ok]] == 1
        pen = np.asarray([self._lead_pen(x) for x in self.leads]) > 0
        bad |= pen[self.lab] & (b.lead | (self.leads[self.lab] < self.lead_lo))
        for x, y in b.together:
            if self.lab[x] != self.lab[y]:
                bad[[x, y]] = True
        for x, y in b.apart:
            if self.lab[x] == self.lab[y]:
                bad[[x, y]] = True
        return np.flatnonzero(bad)


def _counts(codes: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    v = int(codes.max()) + 1 if len(codes) and codes.max() >= 0 else 1
    out = np.zeros((k, v), dtype=np.int64)
    ok = codes >= 0
    np.add.at(out, (labels[ok], codes[ok]), 1)
    return out


# ---------------------------------------------------------------------------- construction
def _sizes(n: int, k: int) -> np.ndarray:
    return np.full(k, n // k) + (np.arange(k) < n % k)


def _construct(b: _Block, rng: np.random.Generator) -> np.ndarray:
    n, k = len(b.members), b.k
    cap = _sizes(n, k)
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
            c, step = _snake(c, step, k)
            guard += 1
        put(int(i), c)
        c, step = _snake(c, step, k)
    return lab


def _snake(c: int, step: int, k: int) -> tuple[int, int]:
    nxt = c + step
    if 0 <= nxt < k:
        return nxt, step
    return c, -step


def _grow(b: _Block, rng: np.random.Generator) -> np.ndarray:
    """Growth start: existing members where they were, newcomers into the cohorts that fit them best.

    Cohorts ``0..n_old-1`` are the previous ones; any further cohorts (opened when the
    newcomers do not fit) take the newcomers with the weakest ties to the existing cohorts.
    """
    lab = b.init.copy()  # type: ignore[union-attr]
    k = b.k
    n_old = int(lab.max()) + 1 if (lab >= 0).any() else 0
    size = np.bincount(lab[lab >= 0], minlength=k)
    new = np.flatnonzero(lab < 0)
    if not len(new):
        return lab
    old = np.flatnonzero(lab >= 0)
    Z = sp.csr_matrix((np.ones(len(old)), (old, lab[old])), shape=(len(lab), k))
    S = np.asarray((b.W[new] @ Z).todense())
    room = int(np.clip(b.hi - size[:n_old], 0, None).sum())
    to_new = len(new) - room if k > n_old else 0
    if k > n_old:
        to_new = min(len(new), max(to_new, b.lo * (k - n_old)))
    tie = rng.random(len(new))
    order = np.lexsort((tie, -(S[:, :n_old].max(axis=1) if n_old else np.zeros(len(new)))))
    keep_old, go_new = order[: len(new) - to_new], order[len(new) - to_new:]
    for r in keep_old:
        i = new[r]
        free = size[:n_old] < b.hi
        if not free.any():
            free = size[:n_old] == size[:n_old].min()
        score = np.where(free, S[r, :n_old] - 1e-3 * size[:n_old], -np.inf)
        c = int(np.argmax(score))
        lab[i] = c
        size[c] += 1
    for q, r in enumerate(go_new):
        c = n_old + q % (k - n_old)
        lab[new[r]] = c
        size[c] += 1
    return lab


# ---------------------------------------------------------------------------- search
def _solve_block(b: _Block) -> tuple[np.ndarray, list[str], dict[str, float]]:
    """Construct, repair, improve one block; returns labels, notes and stats."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(b.seed)
    n, k = len(b.members), b.k
    lab = _grow(b, rng) if b.init is not None else _construct(b, rng)
    st = _State(b, lab)
    deadline = t0 + b.time_limit
    stats = {"moves": 0.0, "repairs": 0.0, "timed_out": 0.0}
    if k <= 1:
        return st.lab, [], stats

    def best_for(i: int, candidates: np.ndarray) -> tuple[float, int, int] | None:
        f = int(st.lab[i])
        best: tuple[float, int, int] | None = None
        for c in range(k):
            if c != f:
                d = st.delta(i, c)
                if d is not None and (best is None or d > best[0]):
                    best = (d, c, -1)
        for j in candidates:
            j = int(j)
            g = int(st.lab[j])
            if g == f:
                continue
            d = st.delta(i, g, j, st.w(i, j))
            if d is not None and (best is None or d > best[0]):
                best = (d, g, j)
        return best

    # repair: remove hard violations where possible
    for _ in range(3):
        bad = st.violations()
        if not len(bad) or time.perf_counter() > deadline:
            break
        for i in rng.permutation(bad):
            if time.perf_counter() > deadline:
                break
            cand = [rng.choice(n, size=min(n, 300), replace=False)]
            for codes, counts, _, kind in st.cat:
                v = codes[i]
                if kind == "protect" and v >= 0 and counts[st.lab[i], v] == 1:
                    cand.append(np.flatnonzero(counts[st.lab, v] >= 1))  # cohorts holding the same value
            res = best_for(int(i), np.unique(np.concatenate(cand)))
            if res is not None and res[0] > 1e-9:
                st.apply(int(i), res[1], res[2])
                stats["repairs"] += 1
    # improvement: screened moves and swaps, exact evaluation; stops at a local optimum
    no_gain, tries, max_tries = 0, 0, 20 * n + 1000
    patience = max(n, 300)
    ar = np.arange(n)
    wi = np.zeros(n)
    W = b.W
    while no_gain < patience and tries < max_tries:
        if time.perf_counter() > deadline:
            stats["timed_out"] = 1.0
            break
        tries += 1
        i = int(rng.integers(n))
        f = int(st.lab[i])
        lo_, hi_ = W.indptr[i], W.indptr[i + 1]
        wi[W.indices[lo_:hi_]] = W.data[lo_:hi_]
        g = st.lab
        # pair-part screening of every swap and move of this member
        gain = st.S[i, g] - st.S[i, f] + st.S[ar, f] - st.S[ar, g] - 2 * wi
        gain[g == f] = -np.inf
        top = np.argpartition(-gain, 3)[:4] if n > 4 else ar
        movegain = st.S[i] - st.S[i, f]
        movegain[f] = -np.inf
        best: tuple[float, int, int] | None = None
        for c in np.argpartition(-movegain, 1)[:2] if k > 2 else range(k):
            c = int(c)
            if c != f:
                d = st.delta(i, c)
                if d is not None and (best is None or d > best[0]):
                    best = (d, c, -1)
        for j in (*top.tolist(), int(rng.integers(n))):
            gj = int(g[j])
            if gj == f:
                continue
            d = st.delta(i, gj, j, float(wi[j]))
            if d is not None and (best is None or d > best[0]):
                best = (d, gj, j)
        wi[W.indices[lo_:hi_]] = 0.0
        if best is not None and best[0] > 1e-9:
            st.apply(i, best[1], best[2])
            stats["moves"] += 1
            no_gain = 0
        else:
            no_gain += 1
    stats["tries"] = float(tries)
    notes = []
    if stats["timed_out"]:
        notes.append(f"block {b.key}: stopped by the time limit before a local optimum")
    stats["seconds"] = time.perf_counter() - t0
    return st.lab, notes, stats


def _solve_block_any_k(b: _Block) -> tuple[np.ndarray, list[str], dict[str, float]]:
    """Solve with ``b.k`` cohorts; when hard rules still fail, try the other counts of ``b.k_options``
    in order and keep the first valid plan (else the one with the fewest members in violation).
    ``stats["cohorts"]`` is the count kept."""
    t0 = time.perf_counter()
    lab, notes, stats = _solve_block(b)
    bad = len(_State(b, lab).violations())
    best = (bad, lab, notes, stats, b.k)
    tried = [b.k]
    # a member alone in the block with their protected value stays alone whatever the count
    alone = sum(int((np.bincount(c[c >= 0]) == 1).sum()) for c in b.protect if (c >= 0).any())
    for k in b.k_options:
        if best[0] <= alone:
            break
        if k == b.k or k < 1:
            continue
        alt = replace(b, k=int(k), time_limit=max(b.time_limit - (time.perf_counter() - t0), 0.1))
        lab2, notes2, stats2 = _solve_block(alt)
        tried.append(int(k))
        bad2 = len(_State(alt, lab2).violations())
        if bad2 < best[0]:
            best = (bad2, lab2, notes2, stats2, int(k))
    bad, lab, notes, stats, k = best
    if k != b.k:
        notes = [*notes, f"block {b.key}: {k} cohorts instead of {b.k}, so that the hard rules hold"
                 if bad == 0 else f"block {b.key}: no cohort count in {sorted(tried)} meets every hard rule"]
    elif bad and len(tried) > 1:
        notes = [*notes, f"block {b.key}: no cohort count in {sorted(tried)} meets every hard rule"]
    if len(b.members) <= EXACT_MAX and b.home is None and not b.balance and len(b.members) > 1:
        exact = _exact_block(b, [k, *[c for c in (b.k, *b.k_options) if c != k]], lab if bad == 0 else None,
                             min(max(b.time_limit - (time.perf_counter() - t0), 0.2), EXACT_SECONDS))
        if exact is not None:
            lab, k = exact
            stats = {**stats, "exact": 1.0}
            notes = [n for n in notes if "cohort count" not in n and "instead of" not in n]
            if k != b.k:
                notes.append(f"block {b.key}: {k} cohorts instead of {b.k} (exact search over the cohort counts)")
    stats = {**stats, "cohorts": float(k)}
    return lab, notes, stats


def _block_score(b: _Block, lab: np.ndarray) -> float:
    """The shared objective of one block's labels (pairs, needs covered, spread; no balance)."""
    W = b.W.tocoo()
    same = lab[W.row] == lab[W.col]
    out = float(W.data[same].sum()) / 2.0
    for c in np.unique(lab):
        idx = np.flatnonzero(lab == c)
        if b.needs_weight and b.offers.shape[1]:
            others = b.offers[idx].sum(axis=0)[None, :] - b.offers[idx]
            out += b.needs_weight * float((b.needs[idx].astype(bool) & (others > 0)).sum())
        for codes, w in b.spread:
            v = codes[idx]
            out += w * max(len(np.unique(v[v >= 0])) - 1, 0)
    return out


def _exact_block(b: _Block, ks: Sequence[int], incumbent: np.ndarray | None,
                 time_limit: float) -> tuple[np.ndarray, int] | None:
    """Best valid labels of a small block over the cohort counts ``ks`` (CP-SAT, one model per
    count), if better than ``incumbent`` (or valid when there is none); else None."""
    from ortools.sat.python import cp_model

    n = len(b.members)
    scale = 1000.0
    W = b.W.toarray()
    best_val = _block_score(b, incumbent) if incumbent is not None else -np.inf
    best: tuple[np.ndarray, int] | None = None
    deadline = time.perf_counter() + time_limit
    ks = [k for k in ks if k >= 1 and k * b.lo <= n <= k * b.hi]
    for r, k in enumerate(ks):
        left = (deadline - time.perf_counter()) / (len(ks) - r)  # the time left, shared by the counts left
        if left <= 0.02:
            break
        lo, hi = b.lo, b.hi
        m = cp_model.CpModel()
        x = [[m.NewBoolVar("") for _ in range(k)] for _ in range(n)]
        for i in range(n):
            m.AddExactlyOne(x[i])
            for c in range(i + 1, k):
                m.Add(x[i][c] == 0)  # symmetry: member i opens at most cohort i
        for c in range(k):
            m.AddLinearConstraint(sum(x[i][c] for i in range(n)), lo, hi)
        same = {}
        for i in range(n):
            for j in range(i + 1, n):
                ys = []
                for c in range(k):
                    y = m.NewBoolVar("")
                    m.AddImplication(y, x[i][c])
                    m.AddImplication(y, x[j][c])
                    m.AddBoolOr([x[i][c].Not(), x[j][c].Not(), y])
                    ys.append(y)
                s_ = m.NewBoolVar("")
                m.Add(s_ == sum(ys))
                same[i, j] = same[j, i] = s_
        terms = []
        for i in range(n):
            for j in range(i + 1, n):
                w = int(round((W[i, j] + W[j, i]) / 2.0 * scale))
                if w:
                    terms.append(w * same[i, j])
        if b.needs_weight and b.offers.shape[1]:
            nw = int(round(b.needs_weight * scale))
            for i in range(n):
                for sk in np.flatnonzero(b.needs[i]):
                    givers = [same[i, j] for j in np.flatnonzero(b.offers[:, sk]) if j != i]
                    if givers:
                        cov = m.NewBoolVar("")
                        m.Add(cov <= sum(givers))
                        terms.append(nw * cov)
        for codes, w in b.spread:
            ww = int(round(w * scale))
            values = np.unique(codes[codes >= 0])
            for c in range(k):
                has = []
                for v in values:
                    h = m.NewBoolVar("")
                    m.Add(h <= sum(x[i][c] for i in np.flatnonzero(codes == v)))
                    has.append(h)
                anyv = m.NewBoolVar("")
                for h in has:
                    m.AddImplication(h, anyv)
                terms.append(ww * (sum(has) - anyv))
        for codes in b.protect:
            for v in np.unique(codes[codes >= 0]):
                who = np.flatnonzero(codes == v)
                for c in range(k):
                    z = m.NewBoolVar("")
                    cnt = sum(x[i][c] for i in who)
                    m.Add(cnt >= 2 * z)
                    m.Add(cnt <= len(who) * z)
        total = int(b.lead.sum())
        if total:
            for c in range(k):
                m.AddLinearConstraint(sum(x[i][c] for i in np.flatnonzero(b.lead)), total // k, -(-total // k))
        for i, j in b.together:
            m.Add(same[min(i, j), max(i, j)] == 1)
        for i, j in b.apart:
            m.Add(same[min(i, j), max(i, j)] == 0)
        m.Maximize(sum(terms))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = left
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = int(b.seed % (2**31))
        if solver.Solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        lab = np.asarray([next(c for c in range(k) if solver.Value(x[i][c])) for i in range(n)], dtype=np.int64)
        val = _block_score(b, lab)
        if val > best_val + 1e-9 and not len(_State(replace(b, k=k), lab).violations()):
            best_val, best = val, (lab, k)
    return best


# ---------------------------------------------------------------------------- bound
def cohort_bound(W: sp.csr_matrix, offers: np.ndarray, needs: np.ndarray, needs_weight: float,
                 spread: Sequence[tuple[np.ndarray, float]], hi: int, k_range: tuple[int, int]) -> float:
    """Upper bound on one block's objective over every partition with cohorts of at most ``hi``.

    Pair term: half the sum over members of their ``hi - 1`` best positive affinities.
    Needs: a need counts only if someone else in the block offers it. Spread: at most
    ``max over k in k_range of min(k V, n) - k`` per attribute with ``V`` values.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> W = sp.csr_matrix(np.array([[0, 2, 1], [2, 0, 0], [1, 0, 0]], dtype=float))
    >>> z = np.zeros((3, 0), dtype=np.uint8)
    >>> cohort_bound(W, z, z, 1.0, [], hi=2, k_range=(2, 2))  # best plan: pair (0, 1), value 2
    2.5
    """
    out = _best_row_sum(W.tocsr(), max(hi - 1, 0)) / 2.0
    if needs_weight and offers.shape[1]:
        total = offers.sum(axis=0)
        others = total[None, :] - offers
        out += needs_weight * float((needs.astype(bool) & (others > 0)).sum())
    for codes, w in spread:
        v = len(np.unique(codes[codes >= 0]))
        nn = int((codes >= 0).sum())
        best = max((min(k * v, nn) - k for k in range(k_range[0], k_range[1] + 1)), default=0)
        out += w * max(best, 0)
    return out


def _city_bound(aff: Affinity, community: Community, members: np.ndarray, offers_all: sp.csr_matrix,
                needs_all: sp.csr_matrix, needs_weight: float, spread: Sequence[tuple[np.ndarray, float]],
                lo: int, hi: int, chunk: int = 512) -> float:
    """:func:`cohort_bound` of a whole city (every feasible cohort count), with the pair term
    computed in row chunks: memory stays linear in the city size."""
    block = _block_affinity(aff, community, members)
    n = len(members)
    m = max(hi - 1, 0)
    pair = sum(_best_row_sum(block._rows(np.arange(start, min(start + chunk, n))).tocsr(), m)
               for start in range(0, n, chunk))
    ob, nb = _block_skills(offers_all, needs_all, members)
    kmin, kmax = _feasible_k(n, lo, hi)
    empty = sp.csr_matrix((n, n))
    return pair / 2.0 + cohort_bound(empty, ob, nb, needs_weight, spread, hi, (max(kmin, 1), max(kmax, 1)))


# ---------------------------------------------------------------------------- checker
def check_cohorts(
    assignments: pd.DataFrame,
    community: Community,
    *,
    size: object = None,
    protect: Sequence[str] = (),
    leaders: str | None = None,
    similar: Sequence[str] = (),
    requests: Requests | None = None,
    previous: pd.DataFrame | Plan | None = None,
    move_budget: int | None = None,
) -> list[str]:
    """Every hard rule a cohort plan breaks, in words, from the assignments alone.

    Independent of the solver: it re-reads ``cohort,member`` and checks sizes and that every
    member is placed once (:func:`~matchmaking.check_plan`), requests, ``protect`` (nobody
    alone with their value), ``leaders`` (in each block of cohorts sharing their ``similar``
    values, lead counts differ by at most one) and the move budget against ``previous``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abcd"), "g": ["x", "y", "x", "x"]}))
    >>> plan = pd.DataFrame({"cohort": [1, 1, 2, 2], "member": list("abcd")})
    >>> check_cohorts(plan, c, size="2-3", protect=["g"])
    ["cohort 1: a is the only g='x'", "cohort 1: b is the only g='y'"]
    """
    lo, hi = parse_size(size) if size is not None else (None, None)
    out = check_plan(assignments, requests=requests, min_size=lo, max_size=hi, members=community.ids, kind="cohorts")
    frame = assignments[["cohort", "member"]].astype({"member": str})
    known = frame["member"].isin(community.members.index)
    for m in frame.loc[~known, "member"]:
        out.append(f"unknown member {m!r}")
    frame = frame[known]
    attrs = community.members.loc[frame["member"].to_numpy()]
    for a in _check_attrs(protect, community, "protect"):
        tab = pd.DataFrame({"cohort": frame["cohort"].to_numpy(), "member": frame["member"].to_numpy(),
                            "v": attrs[a].to_numpy()}).dropna()
        counts = tab.groupby(["cohort", "v"])["member"].transform("size")
        for rec in tab[counts == 1].sort_values(["cohort", "member"]).itertuples(index=False):
            out.append(f"cohort {rec.cohort}: {rec.member} is the only {a}={rec.v!r}")
    if leaders is not None:
        lead = pd.Series(parse_leaders(leaders, community), index=community.members.index)
        per = pd.DataFrame({"cohort": frame["cohort"].to_numpy(), "lead": lead.loc[frame["member"]].to_numpy()})
        block = _cohort_blocks(frame, community, similar)
        per["block"] = frame["cohort"].map(block).to_numpy()
        counts = per.groupby(["block", "cohort"])["lead"].sum()
        for blk, grp in counts.groupby(level=0):
            if grp.max() - grp.min() > 1:
                c_hi = grp.idxmax()[1]
                c_lo = grp.idxmin()[1]
                out.append(
                    f"leads unevenly spread in {blk}: cohort {c_hi} has {int(grp.max())}, "
                    f"cohort {c_lo} has {int(grp.min())}"
                )
    if previous is not None and move_budget is not None:
        prev = previous.assignments if isinstance(previous, Plan) else previous
        moved = _moved(prev, frame)
        if moved > move_budget:
            out.append(f"{moved} existing members moved, more than the budget of {move_budget}")
    return out


def _cohort_blocks(frame: pd.DataFrame, community: Community, similar: Sequence[str]) -> dict:
    """Block of each cohort: its members' shared similar values, or ``(mixed)``."""
    if not similar:
        return dict.fromkeys(frame["cohort"].unique(), "the community")
    keys = pd.Series(_block_keys(community, similar), index=community.members.index)
    tab = pd.DataFrame({"cohort": frame["cohort"].to_numpy(), "key": keys.loc[frame["member"]].to_numpy()})
    grouped = tab.groupby("cohort")["key"]
    first, distinct = grouped.first(), grouped.nunique()
    return first.where(distinct == 1, MIXED).to_dict()


def _block_affinity(aff: Affinity, community: Community, members: np.ndarray) -> Affinity:
    """The affinity of one block (the shared affinity terms on the block's members only)."""
    from matchmaking.solvers.pairing._common import restrict

    return restrict(aff, [community.ids[m] for m in members])


def _best_row_sum(W: sp.csr_matrix, m: int) -> float:
    """Sum over the rows of ``W`` of each row's ``m`` largest positive entries."""
    pair = 0.0
    for r in range(W.shape[0]):
        vals = W.data[W.indptr[r]:W.indptr[r + 1]]
        vals = vals[vals > 0]
        if len(vals) > m:
            vals = np.partition(vals, len(vals) - m)[len(vals) - m:] if m else vals[:0]
        pair += float(vals.sum())
    return pair


def _block_skills(offers_all: sp.csr_matrix, needs_all: sp.csr_matrix, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense 0/1 offers and needs of a block's members, on the skills any of them offers or needs."""
    ob, nb = offers_all[members], needs_all[members]
    used = np.flatnonzero(np.asarray(ob.sum(axis=0) + nb.sum(axis=0)).ravel() > 0)
    return (ob[:, used].toarray() > 0).astype(np.int64), (nb[:, used].toarray() > 0).astype(np.int64)


def _moved(prev: pd.DataFrame, frame: pd.DataFrame) -> int:
    before = dict(zip(prev["member"].astype(str), prev["cohort"].astype(int), strict=True))
    return int(sum(1 for m, c in zip(frame["member"], frame["cohort"], strict=True)
                   if m in before and before[m] != int(c)))


# ---------------------------------------------------------------------------- the solver
def form_cohorts(
    community: Community,
    *,
    size: object = "8-12",
    n_cohorts: int | None = None,
    similar: Sequence[str] = (),
    spread: Sequence[str] | Mapping[str, float] = (),
    balance: Sequence[str] | Mapping[str, float] = (),
    protect: Sequence[str] = (),
    leaders: str | None = None,
    constraints: object = None,
    pairs: object = None,
    history: object = None,
    complementarity: float = 1.0,
    goals: float = 0.5,
    needs: float = 1.0,
    previous: Plan | pd.DataFrame | None = None,
    move_budget: int | None = None,
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 1,
    max_block: int | None = 5000,
    callback: Callable[[str, dict[str, float]], None] | None = None,
) -> Plan:
    """Partition a community into cohorts that fit, with a proven bound and explanations.

    Parameters
    ----------
    community : Community
        The members.
    size : str or (int, int) or int
        Cohort sizes, ``"8-12"`` (min-max).
    n_cohorts : int, optional
        Target number of cohorts instead of the fewest possible (shared across blocks in
        proportion to their size, within the size bounds).
    similar : list of str
        Attributes every cohort shares (same city): the blocks of the decomposition.
    spread : list of str or dict
        Attributes to mix inside a cohort (weight per distinct value beyond the first).
    balance : list of str or dict
        Numeric attributes whose cohort means should stay close to the block mean.
    protect : list of str
        Attributes where nobody may be the only one of their value in a cohort.
    leaders : str, optional
        ``"role=lead"``: leads spread evenly, one per cohort when there are enough.
    constraints : path, DataFrame or Requests, optional
        ``constraints.csv``: together / apart / pin (pin member to cohort number).
    pairs : path or DataFrame, optional
        Pair weights that are the whole affinity (the ``--pairs`` contract).
    history : DataFrame or MeetingHistory, optional
        Earlier meetings: the novelty term penalises pairs who already met.
    complementarity, goals, needs : float
        Weights of the affinity terms and of needs covered inside the cohort.
    previous : Plan or DataFrame ``cohort,member``, optional
        Existing cohorts (growth): members keep their cohort except at most
        ``move_budget`` moves; newcomers join the cohorts that fit them.
    move_budget : int, optional
        Moves of existing members allowed (default 0 with ``previous``).
    time_limit : float
        Seconds for the whole solve (a safety net: the search stops at a local optimum).
    seed : int
        Random seed: the same seed gives the same plan.
    workers : int
        Processes solving blocks in parallel (blocks are independent tasks).
    max_block : int or None
        Blocks above this many members are cut into sub-blocks by first goal (memory and
        time stay linear in the community size; the bound is still taken on the whole block,
        so it holds for any plan keeping cities together). None: never cut.
    callback : callable, optional
        ``callback(block, stats)`` after each block.

    Returns
    -------
    Plan
        Kind ``cohorts``; ``breakdown`` has the shared objective's terms plus ``balance:*``
        (:func:`balance_terms`);
        ``extras`` has ``violations`` (from :func:`check_cohorts`), ``blocks`` and ``moved``.

    Raises
    ------
    InfeasibleError
        When requests conflict (together across blocks, pins beyond the cohort count) or
        the members cannot be cut into cohorts of the sizes asked.

    Examples
    --------
    >>> import matchmaking as mm
    >>> c = mm.datasets.synthetic_community(200, seed=1, lead_share=0.1, cities=["Lyon", "Nice"])
    >>> plan = mm.form_cohorts(c, size="8-12", similar=["city"], spread=["sector"],
    ...                        protect=["gender"], leaders="role=lead", seed=0)
    >>> plan.status, plan.extras["violations"], plan.bound >= plan.objective
    ('feasible', [], True)
    >>> len(plan.groups()), bool(plan.assignments.groupby("cohort").size().between(8, 12).all())
    (20, True)
    >>> print(plan.explain("m0000"))  # doctest: +ELLIPSIS
    m0000 in cohort ... members): same city (...); ...
    """
    t_start = time.perf_counter()
    lo, hi = parse_size(size) if size is not None else (1, max(len(community), 1))
    similar = _check_attrs(similar, community, "similar")
    spread_w = _weights(spread, community, "spread", 1.0)
    balance_w = _weights(balance, community, "balance", 1.0, numeric=True)
    protect = _check_attrs(protect, community, "protect")
    lead = parse_leaders(leaders, community)
    if len(community) == 0:
        raise ValueError("the community has no members")
    if leaders is not None and not lead.any():
        notes_first = [f"no member has {leaders}: cohorts are formed without leads"]
    else:
        notes_first = []
    requests = Requests.coerce(constraints, community)
    objective = default_objective(
        community, "cohorts", pairs=pairs, history=history, together=requests.together_pairs(),
        spread=spread_w, needs=needs, complementarity=complementarity, goals=goals,
    )
    aff = objective.affinity
    if aff.baseline:
        raise ValueError("cohort affinity must not carry spread terms; pass spread= to form_cohorts")
    ids = community.ids
    pos = {m: i for i, m in enumerate(ids)}
    notes: list[str] = notes_first

    # growth: the previous plan
    prev_lab = np.full(len(ids), -1, dtype=np.int64)
    if previous is not None:
        prev = previous.assignments if isinstance(previous, Plan) else previous
        if not {"cohort", "member"} <= set(prev.columns):
            raise ValueError("previous must be a plan or a table cohort,member")
        gone = 0
        for m, c in zip(prev["member"].astype(str), prev["cohort"], strict=True):
            if m in pos:
                prev_lab[pos[m]] = int(c)
            else:
                gone += 1
        if gone:
            notes.append(f"{gone} member(s) of the previous cohorts are no longer in the community")
        move_budget = 0 if move_budget is None else int(move_budget)

    # blocks
    keys = _block_keys(community, similar)
    if previous is not None:
        keys = _growth_keys(keys, prev_lab)
    together_idx = [(pos[a], pos[b]) for a, b in requests.together]
    apart_idx = [(pos[a], pos[b]) for a, b in requests.apart]
    pinned = _pins(requests, pos)
    together_idx += pinned["together"]
    apart_idx += pinned["apart"]
    blocks = _make_blocks(keys, lo, hi, n_cohorts, lead, prev_lab, notes)
    missing = [key for key, _, _ in blocks if "(missing)" in key]
    if missing:
        notes.append(f"members with no {'/'.join(similar)} form their own block(s): {', '.join(missing)}")
    _check_together(requests, keys, blocks, pos)
    cliques = _check_request_conflicts(requests, blocks, pos, lo, hi, n_cohorts is not None or size is None,
                             _request_rows(constraints))
    if max_block is not None and previous is None:
        goal = np.asarray([g[0] if g else "" for g in community.members["goals"]], dtype=object)
        first = community.attribute_codes(protect[0]) if protect else None
        cities = blocks
        blocks = _split_blocks(blocks, int(max_block), goal, together_idx, lo, hi, lead, n_cohorts, notes, first)
        kept = {key for key, _, _ in blocks}
        split_cities = [(key, members) for key, members, _ in cities if key not in kept]
    else:
        split_cities = []

    # per-block arrays
    offers_all = community.incidence("offers").tocsr()
    needs_all = community.incidence("needs").tocsr()
    spread_codes = {a: community.attribute_codes(a) for a in spread_w}
    protect_codes = {a: community.attribute_codes(a) for a in protect}
    balance_x = {}
    for a in balance_w:
        x = community.members[a].astype(float).to_numpy()
        sd = float(np.nanstd(x)) or 1.0
        balance_x[a] = (x, sd)

    setup = time.perf_counter() - t_start
    # keep time for the evaluation and the checks after the search (half a millisecond per member)
    budget_left = max(time_limit - setup - max(0.1 * time_limit, 5e-4 * len(ids)), 0.5)
    n_total = len(ids)
    problems: list[_Block] = []
    bound = 0.0
    for bi, (key, members, k) in enumerate(blocks):
        local = {g: r for r, g in enumerate(members)}
        Wb = _block_affinity(aff, community, members).matrix().tocsr()
        ob, nb = _block_skills(offers_all, needs_all, members)
        sp_list = [(_recode(spread_codes[a][members]), w) for a, w in spread_w.items()]
        pr_list = [_recode(protect_codes[a][members]) for a in protect]
        bal_list = []
        for a, w in balance_w.items():
            x, sd = balance_x[a]
            xb = x[members]
            mu = np.nanmean(xb) if np.isfinite(xb).any() else 0.0
            bal_list.append((np.nan_to_num((xb - mu) / sd), w))
        tog = [(local[x], local[y]) for x, y in together_idx if x in local and y in local]
        apa = [(local[x], local[y]) for x, y in apart_idx if x in local and y in local]
        lab_lo, lab_hi, kr = _block_bounds(len(members), k, lo, hi, n_cohorts is not None or size is None)
        init = home = olds = None
        k_options: tuple[int, ...] = ()
        if previous is not None:
            home, olds = _growth_labels(prev_lab[members])
            init, k = home.copy(), max(len(olds), 1)
        elif n_cohorts is None and size is not None:
            # other feasible counts, closest to the lead count (or to k) first: tried when the
            # rules (protect, leads, requests) cannot hold with k cohorts
            apart_k = cliques.get(key.split("#")[0], 0)
            if k < apart_k <= kr[1]:
                k = apart_k  # members pairwise apart need as many cohorts
            target = int(lead[members].sum()) if lead.any() else k
            k_options = tuple(sorted((c for c in range(max(kr[0], 1), kr[1] + 1) if c != k),
                                     key=lambda c: (abs(c - target), c))[:8])
        problems.append(_Block(
            key=key, members=members, W=Wb, offers=ob, needs=nb, needs_weight=objective.needs,
            spread=sp_list, protect=pr_list, lead=lead[members], balance=bal_list, together=tog, apart=apa,
            k=k, lo=lab_lo, hi=lab_hi, init=init, home=home, olds=olds,
            budget=move_budget if previous is not None else None, k_options=k_options,
            time_limit=budget_left * len(members) / n_total * max(1, workers),
            seed=int(np.random.SeedSequence([seed, bi]).generate_state(1)[0]),
        ))
        if not any(key.startswith(f"{city}#") for city, _ in split_cities):
            bound += cohort_bound(Wb, ob, nb, objective.needs, sp_list, hi, kr)
    # a city cut into sub-blocks: the bound is taken on the whole city, so that it holds for any
    # partition keeping cities together (not only for plans inside the sub-blocks)
    for _, members in split_cities:
        bound += _city_bound(aff, community, members, offers_all, needs_all, objective.needs,
                             [(_recode(spread_codes[a][members]), w) for a, w in spread_w.items()], lo, hi)

    # growth: the move budget is shared; give it to blocks in proportion to newcomers
    if previous is not None:
        _share_budget(problems, move_budget or 0, lo, hi)

    results = _run_blocks(problems, workers, callback)
    labels = np.full(len(ids), -1, dtype=np.int64)
    offset = 0
    block_rows = []
    stats_total: dict[str, float] = {}
    for b, (lab, bnotes, stats) in zip(problems, results, strict=True):
        notes += bnotes
        b.k = int(stats.pop("cohorts", b.k))
        for key_, v in stats.items():
            stats_total[key_] = stats_total.get(key_, 0.0) + v
        if b.home is not None:
            labels[b.members] = lab  # local labels, numbered by _growth_numbers
        else:
            labels[b.members] = lab + offset
            offset += b.k
        block_rows.append({"block": b.key, "members": len(b.members), "cohorts": b.k,
                           "leads": int(b.lead.sum())})
        if leaders is not None and lead.any() and b.lead.sum() < b.k:
            notes.append(
                f"{b.key}: {int(b.lead.sum())} lead(s) for {b.k} cohorts; "
                f"{b.k - int(b.lead.sum())} cohort(s) have no lead"
            )
    if previous is not None:
        cohort_of = _growth_numbers(problems, labels, int(prev_lab.max()))
    else:
        cohort_of = labels + 1
    if leaders is not None and lead.any():
        per = np.bincount(cohort_of[lead])
        if (per >= 2).any():
            notes.append(
                f"{int((per >= 2).sum())} cohort(s) have 2+ leads: more leads than cohorts "
                + ("that the sizes allow" if previous is None else
                   "that the newcomers can fill (growth keeps the existing cohorts; a new cohort needs "
                   f"at least {lo} newcomers)")
            )
    cohort_of = _apply_pins(cohort_of, requests, pos)
    assignments = pd.DataFrame({"cohort": cohort_of.astype(int), "member": ids})
    assignments = assignments.sort_values(["cohort", "member"], kind="stable").reset_index(drop=True)

    breakdown = objective.evaluate(assignments, "cohorts")
    total = breakdown.pop("total")
    for name, term in balance_terms(assignments, community, balance_w, similar).items():
        breakdown[name] = term
        total += term
    breakdown["total"] = total
    violations = check_cohorts(assignments, community, size=(lo, hi) if size is not None else None,
                               protect=protect, leaders=leaders, similar=similar, requests=requests,
                               previous=previous, move_budget=move_budget)
    if violations:
        notes.append(f"{len(violations)} hard rule(s) broken; see extras['violations'] (first: {violations[0]})")
        notes += _explain_unavoidable(problems, protect, community)
    status = "infeasible" if violations else "feasible"
    if not violations and bound - total <= 1e-9 * max(1.0, abs(bound)):
        status = "optimal"
    moved = _moved(prev, assignments) if previous is not None else 0
    elapsed = time.perf_counter() - t_start
    plan = Plan(
        "cohorts", assignments, objective=total, bound=max(bound, total), status=status, objective_fn=objective,
        time=elapsed, method="blocks+greedy+local search", breakdown=breakdown, notes=notes,
        progress=[(elapsed, total, bound)],
        extras={"violations": violations, "blocks": pd.DataFrame(block_rows), "moved": moved,
                "search": stats_total, "size": (lo, hi), "similar": similar, "protect": protect,
                "leaders": leaders, "spread": list(spread_w), "previous": prev_lab},
        explainer=_explain,
    )
    if bound < total - 1e-6:  # pragma: no cover - would be a bug in the bound
        raise AssertionError(f"bound {bound} below objective {total}")
    return plan


# ---------------------------------------------------------------------------- helpers
def _block_keys(community: Community, similar: Sequence[str]) -> np.ndarray:
    if not similar:
        return np.asarray(["the community"] * len(community), dtype=object)
    out = None
    for col in similar:
        values = community.members[col]
        text = values.astype(object).where(values.notna(), "(missing)").astype(str)
        out = text if out is None else out + "/" + text
    return out.to_numpy(dtype=object)  # type: ignore[union-attr]


def _growth_keys(keys: np.ndarray, prev_lab: np.ndarray) -> np.ndarray:
    """In growth, a previous cohort stays whole: its members take the cohort's majority block."""
    keys = keys.copy()
    frame = pd.DataFrame({"c": prev_lab, "k": keys})
    old = frame[frame["c"] >= 0]
    if len(old):
        major = old.groupby("c")["k"].agg(lambda s: s.value_counts().index[0])
        keys[prev_lab >= 0] = major.loc[prev_lab[prev_lab >= 0]].to_numpy()
    return keys


def _feasible_k(n: int, lo: int, hi: int) -> tuple[int, int]:
    return -(-n // hi), n // lo


def _make_blocks(keys: np.ndarray, lo: int, hi: int, n_cohorts: int | None, lead: np.ndarray,
                 prev_lab: np.ndarray, notes: list[str]) -> list[tuple[str, np.ndarray, int]]:
    values, inverse = np.unique(keys.astype(str), return_inverse=True)
    groups = {str(v): np.flatnonzero(inverse == j) for j, v in enumerate(values)}
    growth = (prev_lab >= 0).any()

    def ok(n: int) -> bool:
        kmin, kmax = _feasible_k(n, lo, hi)
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
        kmin, kmax = _feasible_k(n, lo, hi)
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


def _split_blocks(blocks: list[tuple[str, np.ndarray, int]], max_block: int, goal: np.ndarray,
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
            kmin, kmax = _feasible_k(len(sub), lo, hi)
            if n_cohorts is not None:
                ks = min(max(round(k * len(sub) / n), kmin), kmax)
            else:
                ks = min(max(int(lead[sub].sum()), kmin), kmax) if lead.any() else kmin
            out.append((f"{key}#{r + 1}", sub, max(ks, 1)))
        notes.append(f"{key}: {n} members, cut into {parts} sub-blocks by goal (max_block={max_block})")
    return out


def _block_bounds(n: int, k: int, lo: int, hi: int, balanced: bool) -> tuple[int, int, tuple[int, int]]:
    kmin, kmax = _feasible_k(n, lo, hi)
    if balanced:
        return n // k, -(-n // k), (k, k)
    return lo, hi, (max(kmin, 1), max(kmax, 1))


def _growth_labels(prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local labels for a growth block: previous cohorts keep a local index; -1 for newcomers."""
    olds = np.unique(prev[prev >= 0])
    local = {int(c): r for r, c in enumerate(olds)}
    home = np.asarray([local[int(c)] if c >= 0 else -1 for c in prev], dtype=np.int64)
    return home, olds


def _share_budget(problems: list[_Block], budget: int, lo: int, hi: int) -> None:
    """Share the move budget by newcomers; open cohorts where newcomers do not fit."""
    weights = np.asarray([float((b.home < 0).sum()) + 1e-9 for b in problems])  # type: ignore[operator]
    shares = np.floor(budget * weights / weights.sum()).astype(int)
    shares[np.argsort(-weights, kind="stable")[: budget - shares.sum()]] += 1
    for b, share in zip(problems, shares, strict=True):
        home = b.home  # type: ignore[assignment]
        b.budget = int(share)
        n_old = len(b.olds)  # type: ignore[arg-type]
        size = np.bincount(home[home >= 0], minlength=n_old)
        new = int((home < 0).sum())
        room = int(np.clip(hi - size, 0, None).sum())
        extra = -(-(new - room) // hi) if new > room else 0
        # more leads than cohorts: open cohorts for the extra leads when the newcomers left after
        # filling shrunken cohorts can make them up (at least lo each); fall back to fewer if the
        # rules then fail (see _solve_block_any_k)
        spare = new - int(np.clip(lo - size, 0, None).sum())
        for_leads = min(int(b.lead.sum()) - n_old, max(spare, 0) // max(lo, 1))
        b.k = max(n_old + extra, 1)
        if for_leads > extra:
            b.k_options = (b.k,)
            b.k = n_old + for_leads
        b.init = home.copy()


def _growth_numbers(problems: list[_Block], labels: np.ndarray, prev_max: int) -> np.ndarray:
    """Cohort numbers after growth: previous cohorts keep theirs, new ones come after."""
    out = np.zeros(len(labels), dtype=np.int64)
    nxt = prev_max + 1
    for b in problems:
        olds = b.olds  # type: ignore[assignment]
        number = {r: int(c) for r, c in enumerate(olds)}
        for r in range(len(olds), b.k):
            number[r] = nxt
            nxt += 1
        out[b.members] = [number[int(x)] for x in labels[b.members]]
    return out


def _pins(requests: Requests, pos: dict[str, int]) -> dict[str, list[tuple[int, int]]]:
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


def _apply_pins(cohort_of: np.ndarray, requests: Requests, pos: dict[str, int]) -> np.ndarray:
    if not requests.pins:
        return cohort_of
    k = int(cohort_of.max())
    want: dict[int, int] = {}
    for m, t, _ in requests.pins:
        if t > k:
            raise InfeasibleError(f"pin {m} -> cohort {t}, but there are only {k} cohorts", [f"pin {m} -> {t}"])
        want.setdefault(int(cohort_of[pos[m]]), int(t))
    perm = {}
    free = iter(c for c in range(1, k + 1) if c not in set(want.values()))
    for c in range(1, k + 1):
        perm[c] = want[c] if c in want else next(free)
    return np.asarray([perm[int(c)] for c in cohort_of], dtype=np.int64)


def _check_together(requests: Requests, keys: np.ndarray, blocks: list, pos: dict[str, int]) -> None:
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


def _request_rows(source: object) -> tuple[str, dict[tuple[str, frozenset], int]]:
    """``(file name, {(kind, {a, b}): row})`` when the requests come from a file or a table."""
    if not isinstance(source, (str, os.PathLike, pd.DataFrame)):
        return "", {}
    from matchmaking.model.io import ROW, read_table, source_name

    name = source_name(source)
    try:
        table = read_table(source, name=name)
    except Exception:  # noqa: BLE001 - rows are only a courtesy in the message
        return "", {}
    rows = {}
    for _, rec in table.iterrows():
        kind = str(rec.get("kind", "")).strip().lower()
        if kind in ("together", "apart"):
            key = (kind, frozenset((rec["a"], rec["b"])))  # read_table unescaped the cells
            rows.setdefault(key, int(rec[ROW]))
    return name, rows


def _greedy_clique(graph: nx.Graph) -> list:
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


def _check_request_conflicts(requests: Requests, blocks: list, pos: dict[str, int], lo: int, hi: int,
                             fixed_k: bool, rows: tuple[str, dict]) -> dict[str, int]:
    """Raise :class:`InfeasibleError` naming together / apart requests that cannot all hold: a
    together group (chains included) above the largest cohort, a pair asked apart inside a
    together group, more members pairwise apart than cohorts in their block. Returns the size
    of the largest set of members found pairwise apart, per block."""
    fname, where = rows

    def name(kind: str, a: str, b: str) -> str:
        row = where.get((kind, frozenset((a, b))))
        return f"{kind} {a}-{b}" + (f" ({fname}, row {row})" if row is not None else "")

    conflicts: list[str] = []
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
        kmin, kmax = _feasible_k(len(members), lo, hi)
        max_k[key] = k if fixed_k else max(kmax, k)
        for m in members:
            block_of[int(m)] = key
    ag = nx.Graph()
    cliques: dict[str, int] = {}
    for a, b in requests.apart:
        if block_of[pos[a]] == block_of[pos[b]]:
            ag.add_edge(a, b)
    for comp in nx.connected_components(ag):
        clique = _greedy_clique(ag.subgraph(comp))
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


def _recode(codes: np.ndarray) -> np.ndarray:
    out = np.full(len(codes), -1, dtype=np.int64)
    ok = codes >= 0
    if ok.any():
        _, inv = np.unique(codes[ok], return_inverse=True)
        out[ok] = inv
    return out


def balance_terms(assignments: pd.DataFrame, community: Community, balance: Sequence[str] | Mapping[str, float],
                  similar: Sequence[str] = ()) -> dict[str, float]:
    """The balance terms of a cohort plan's objective: ``balance:<attr>`` = ``-weight`` times the sum
    over cohorts of ``|cohort mean - block mean|`` in standard deviations of the attribute (block:
    members sharing the ``similar`` values; missing values count as the block mean).

    :func:`form_cohorts` adds exactly these terms to the shared objective, and ``matchmaking score
    --balance COLS --balance-by SIMILAR`` recomputes them, so the two totals agree.

    Examples
    --------
    >>> import pandas as pd
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abcd"), "age": [1.0, 2.0, 3.0, 4.0]}))
    >>> plan = pd.DataFrame({"cohort": [1, 1, 2, 2], "member": list("abcd")})
    >>> {k: round(v, 3) for k, v in balance_terms(plan, c, ["age"]).items()}  # means 1.5, 3.5 vs 2.5; sd 1.118
    {'balance:age': -1.789}
    """
    weights = _weights(balance, community, "balance", 1.0, numeric=True)
    similar = _check_attrs(similar, community, "similar")
    return {f"balance:{a}": -w * _balance_value(assignments, community, a, similar) for a, w in weights.items()}


def _balance_value(assignments: pd.DataFrame, community: Community, attr: str, similar: Sequence[str]) -> float:
    """Sum over cohorts of |cohort mean - block mean| in standard deviations (block: similar values)."""
    x = community.members[attr].astype(float)
    sd = float(np.nanstd(x.to_numpy())) or 1.0
    keys = pd.Series(_block_keys(community, similar), index=community.members.index)
    frame = pd.DataFrame({"cohort": assignments["cohort"].to_numpy(),
                          "x": x.reindex(assignments["member"]).to_numpy(),
                          "key": keys.reindex(assignments["member"]).to_numpy()})
    frame["mu"] = frame.groupby("key")["x"].transform("mean")
    frame["z"] = ((frame["x"] - frame["mu"]) / sd).fillna(0.0)
    return float(frame.groupby("cohort")["z"].mean().abs().sum())


def _explain_unavoidable(problems: list[_Block], protect: Sequence[str], community: Community) -> list[str]:
    out = []
    for a, idx in zip(protect, range(len(protect)), strict=False):
        for b in problems:
            codes = b.protect[idx]
            vals, cnt = np.unique(codes[codes >= 0], return_counts=True)
            for v, c in zip(vals, cnt, strict=True):
                if c == 1:
                    m = b.members[np.flatnonzero(codes == v)[0]]
                    out.append(f"{b.key}: {community.ids[m]} is the only {a}={community.members[a].iloc[m]!r} "
                               "in the block, so cannot be protected (pool blocks, or drop similar)")
    return out


def _run_blocks(problems: list[_Block], workers: int, callback: Callable | None) -> list:
    order = sorted(range(len(problems)), key=lambda r: -len(problems[r].members))
    results: list = [None] * len(problems)
    if workers > 1 and len(problems) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, os.cpu_count() or 1)) as pool:
            futures = {r: pool.submit(_solve_block_any_k, problems[r]) for r in order}
            for r in order:
                results[r] = futures[r].result()
                if callback:
                    callback(problems[r].key, results[r][2])
    else:
        # one process: a block that stops early leaves its time to the next ones
        deadline = time.perf_counter() + sum(b.time_limit for b in problems)
        left = sum(len(b.members) for b in problems)
        for r in order:
            b = problems[r]
            b.time_limit = max((deadline - time.perf_counter()) * len(b.members) / max(left, 1), 0.1)
            left -= len(b.members)
            results[r] = _solve_block_any_k(b)
            if callback:
                callback(problems[r].key, results[r][2])
    return results


# ---------------------------------------------------------------------------- explanations
def _explain(plan: Plan, member: str) -> str:
    """Why ``member`` is in their cohort, in words."""
    a = plan.assignments
    row = a[a["member"] == member]
    if row.empty:
        return f"{member} is not in this plan"
    c = int(row["cohort"].iloc[0])
    mates = [m for m in a.loc[a["cohort"] == c, "member"] if m != member]
    community = plan.objective_fn.affinity.community  # type: ignore[union-attr]
    people = community.members
    me = people.loc[member]
    parts = []
    ex = plan.extras
    for s in ex.get("similar", []):
        values = people.loc[mates + [member], s].dropna().astype(str).unique()
        if len(values) <= 1:
            parts.append(f"same {s} ({me[s]})")
        else:
            parts.append(f"mixed {s} ({', '.join(sorted(values))}): too few members in some {s} for a cohort")
    goals = _tally(me["goals"], mates, people, "goals")
    if goals:
        g, n = max(goals.items(), key=lambda kv: kv[1])
        parts.append(f"same goal {g!r} as {n} member(s)")
    gives = _tally(me["offers"], mates, people, "needs")
    if gives:
        parts.append("you bring " + ", ".join(f"{s} ({_count(n)} it)" for s, n in gives.items()))
    gets = {}
    for s in me["needs"]:
        who = [people.loc[m, "name"] for m in mates if s in people.loc[m, "offers"]]
        if who:
            gets[s] = who
    if gets:
        parts.append("you get " + "; ".join(f"{s} from {', '.join(map(str, w[:3]))}" for s, w in gets.items()))
    missing = [s for s in me["needs"] if s not in gets]
    if missing:
        parts.append("nobody here offers " + ", ".join(missing))
    for s in ex.get("spread", []):
        vals = people.loc[mates + [member], s].dropna().nunique()
        parts.append(f"{vals} different {s} values")
    for p in ex.get("protect", []):
        if not pd.isna(me[p]):
            n = sum(people.loc[m, p] == me[p] for m in mates)
            parts.append(f"{n} other(s) with {p} {me[p]}")
    if ex.get("leaders"):
        lead = pd.Series(parse_leaders(ex["leaders"], community), index=people.index)
        leads = [m for m in mates + [member] if lead[m]]
        parts.append("you are the cohort's lead" if lead[member] else
                     (f"lead: {people.loc[leads[0], 'name']}" if leads else "no lead in this cohort"))
    prev = ex.get("previous")
    if prev is not None and (prev >= 0).any():
        old = int(prev[community.index_of([member])[0]])
        if old < 0:
            parts.append("new member: joined the cohort that fits best")
        elif old != c:
            parts.append(f"moved from cohort {old} (within the move budget)")
        else:
            parts.append("kept in your cohort")
    if not parts:
        parts.append("no shared goal or skill to trade with this cohort; placed to keep the sizes")
    return f"{member} in cohort {c} ({len(mates) + 1} members): " + "; ".join(parts)


def _tally(labels: Sequence[str], mates: list[str], people: pd.DataFrame, column: str) -> dict[str, int]:
    """For each label, how many mates have it in ``column`` (labels nobody has are left out)."""
    out = {}
    for label in labels:
        n = sum(label in people.at[m, column] for m in mates)
        if n:
            out[label] = n
    return out


def _count(n: int) -> str:
    words = {1: "one member needs", 2: "two members need", 3: "three members need"}
    return words.get(n, f"{n} members need")



# ---------------------------------------------------------------------------- demo
def demo_section(community: Community, report: object, outdir: object, seed: int) -> None:
    """Demo report section: cohorts by city with sectors spread, and a help squad (writes cohorts.csv)."""
    from pathlib import Path

    from matchmaking.model.io import write_table
    from matchmaking.solvers.squads import help_squad

    attrs = community.attributes
    rules: dict[str, object] = {"size": "8-12"}
    if "city" in attrs:
        rules["similar"] = ["city"]
    if "sector" in attrs:
        rules["spread"] = ["sector"]
    if "role" in attrs:
        rules["leaders"] = "role=lead"
    report.heading("Cohorts")  # type: ignore[attr-defined]
    report.text(  # type: ignore[attr-defined]
        f"Rules: {rules}. Each city is an independent block; the bound is proven. (Gender is not protected "
        "here: several demo cities have a single man or nonbinary member, which the solver would report.)"
    )
    plan = form_cohorts(community, seed=seed, time_limit=15.0, **rules)  # type: ignore[arg-type]
    report.pre(plan.summary())  # type: ignore[attr-defined]
    table = plan.assignments.merge(community.members, left_on="member", right_index=True)
    agg: dict[str, tuple[str, object]] = {"members": ("member", "size")}
    for col, how in (("city", "first"), ("sector", "nunique"), ("seniority", "mean")):
        if col in table:
            agg[col if col != "sector" else "sectors"] = (col, how)
    overview = table.groupby("cohort").agg(**agg).reset_index()
    if "seniority" in overview:
        overview["seniority"] = overview["seniority"].round(1)
    report.table(overview, max_rows=30)  # type: ignore[attr-defined]
    member = plan.assignments["member"].iloc[0]
    report.text("Why " + plan.explain(member))  # type: ignore[attr-defined]
    write_table(plan.assignments, Path(str(outdir)) / "cohorts.csv")
    asker = next((m for m, needs in zip(community.ids, community.members["needs"], strict=True) if needs), None)
    if asker is not None:
        squad = help_squad(community, asker, k=5, seed=seed)
        report.heading("Help squad")  # type: ignore[attr-defined]
        report.pre(squad.explain(asker))  # type: ignore[attr-defined]
        write_table(squad.extras["squads"], Path(str(outdir)) / "squad.csv")
