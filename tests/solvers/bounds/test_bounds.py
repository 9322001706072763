"""Proven bounds (matchmaking.solvers.bounds): at least the brute-force optimum, certificates that
recompute independently, deterministic with a fixed effort."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from matchmaking.datasets.mdgplib import ranreal, read_mdgplib
from matchmaking.solvers.bounds import (
    build,
    certify,
    lambda_max_upper,
    pairing_bound,
    partition_bound,
    rounds_bound,
)
from matchmaking.solvers.bounds.relax import make_round


# ------------------------------------------------------------------------------------------- helpers
def seatings(n: int, caps: list[int], table_of: np.ndarray | None = None):
    """Every assignment of n people to tables (a table per person) within the capacities."""
    for tab in itertools.product(range(len(caps)), repeat=n):
        tab = np.asarray(tab)
        if (np.bincount(tab, minlength=len(caps)) > np.asarray(caps)).any():
            continue
        if table_of is not None and ((table_of >= 0) & (tab != table_of)).any():
            continue
        yield tab


def pair_value(W: np.ndarray, tabs: list[np.ndarray], penalty: float = 0.0, met: np.ndarray | None = None,
               together: np.ndarray | None = None) -> float:
    """The shared objective's pair and repeat terms for one table array per round."""
    n = len(W)
    M = sum((t[:, None] == t[None, :]).astype(int) for t in tabs)
    np.fill_diagonal(M, 0)
    met = np.zeros((n, n), dtype=bool) if met is None else met
    together = np.zeros((n, n), dtype=bool) if together is None else together
    iu = np.triu_indices(n, 1)
    m, w, mb, tg = M[iu], W[iu], met[iu], together[iu]
    repeats = np.where(tg, 0, np.maximum(m - 1, 0) + np.where(mb, m, 0))
    return float((w * (m > 0)).sum() - penalty * repeats.sum())


def random_weights(n: int, seed: int, low: float = -2.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    W = np.triu(np.round(rng.uniform(low, 5.0, (n, n)), 2), 1)
    return W + W.T


def dual_value(rr, C, y, Z) -> float:
    """The weak-duality formula, recomputed plainly (floating-point eigenvalue, no margins)."""
    Z = (Z + Z.T) / 2
    v, t = y[:-1], y[-1]
    K = C - ((v[:, None] + v[None, :]) / 2 + t / rr.size) - Z
    return (rr.size * np.linalg.eigvalsh(K)[-1] + np.maximum(y * rr.row_lo, y * rr.row_hi).sum()
            + np.maximum(Z * rr.lower, Z * rr.upper).sum())


# ------------------------------------------------------------------------------------------- eigenvalues
def test_lambda_max_upper_is_above_and_close():
    rng = np.random.default_rng(3)
    for n in (2, 5, 40, 120):
        A = rng.standard_normal((n, n)) * 10
        A = A + A.T
        lam = float(np.linalg.eigvalsh(A)[-1])
        up = lambda_max_upper(A)
        assert lam <= up <= lam + 1e-6 * max(1.0, abs(lam))
        # a wrong (too low) estimate is corrected, never trusted
        assert lambda_max_upper(A, estimate=lam - 5.0) >= lam


# ------------------------------------------------------------------------------------------- one round
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_partition_bound_at_least_brute_force_equal_tables(seed):
    W = random_weights(8, seed)
    caps = [4, 4]
    best = max(pair_value(W, [t]) for t in seatings(8, caps))
    b = partition_bound(W, np.asarray(caps), max_iter=400)
    assert b.value >= best - 1e-9
    assert b.value <= best + 0.5 * np.abs(W).sum()  # finite and informative, not a blank cheque


def test_partition_bound_empty_seats_pins_together_apart():
    W = random_weights(7, 11)
    caps = [3, 3, 2]  # 8 seats for 7 people, unequal tables
    table_of = np.array([0, -1, 1, -1, -1, -1, -1])
    together = np.zeros((7, 7), dtype=bool)
    together[2, 3] = together[3, 2] = True
    apart = np.zeros((7, 7), dtype=bool)
    apart[4, 5] = apart[5, 4] = True
    feasible = [t for t in seatings(7, caps, table_of) if t[2] == t[3] and t[4] != t[5]]
    best = max(pair_value(W, [t]) for t in feasible)
    b = partition_bound(W, np.asarray(caps), table_of=table_of, together=together, apart=apart, max_iter=400)
    assert b.value >= best - 1e-9
    # the same people without the requests can only do better, and the bound sees it
    free = partition_bound(W, np.asarray(caps), max_iter=400)
    assert free.value >= max(pair_value(W, [t]) for t in seatings(7, caps)) - 1e-9


def test_certificate_recomputes_and_zero_dual_is_still_valid():
    W = random_weights(9, 5)
    b = partition_bound(W, np.array([3, 3, 3]), max_iter=300)
    data = build(W, np.array([3, 3, 3]), np.ones((1, 9), dtype=bool))
    assert certify(data, b.certificate) == pytest.approx(b.value, rel=1e-12)
    rr = data.rounds[0]
    plain = dual_value(rr, rr.embed(b.certificate.slopes), b.certificate.ys[0], b.certificate.Zs[0])
    assert plain <= b.value <= plain + 1e-6  # the proof only adds safety margins
    # any dual point is a valid bound, however poor (here y = 0, Z = 0)
    cert = type(b.certificate)(W.copy(), [np.zeros(rr.size + 1)], [np.zeros((rr.size, rr.size))])
    best = max(pair_value(W, [t]) for t in seatings(9, [3, 3, 3]))
    assert certify(data, cert) >= best


def test_fixed_effort_is_deterministic_and_beats_best_partners_on_random_instances():
    inst = ranreal(60, 6, seed=7)
    a = partition_bound(inst.weights, inst.upper, max_iter=120)
    b = partition_bound(inst.weights, inst.upper, max_iter=120)
    assert a.value == b.value and a.iterations == b.iterations == 120
    # each person's best n/m - 1 partners: the classic bound the relaxation must beat
    k = inst.upper[0] - 1
    partners = np.sort(inst.weights, axis=1)[:, -k:].sum() / 2
    assert a.value < 0.9 * partners
    # and stays above a good grouping (a few sweeps of swaps from a round-robin start)
    groups = np.arange(60) % 6
    W = inst.weights
    for _ in range(4):
        for i, j in itertools.combinations(range(60), 2):
            gi, gj = groups[i], groups[j]
            if gi == gj:
                continue
            gain = (W[i, groups == gj].sum() - W[i, j] - W[i, groups == gi].sum()
                    + W[j, groups == gi].sum() - W[i, j] - W[j, groups == gj].sum())
            if gain > 1e-9:
                groups[i], groups[j] = gj, gi
    assert a.value >= inst.value(groups)


def test_no_useful_bound_in_the_time_says_so():
    inst = ranreal(90, 3, seed=1)
    b = partition_bound(inst.weights, inst.upper, time_limit=1e-6)
    assert b.value == np.inf and b.certificate is None and "no semidefinite bound" in b.notes[0]


# ------------------------------------------------------------------------------------------- rounds
def test_rounds_bound_at_least_brute_force_with_repeats_history_and_requests():
    n, caps = 6, [3, 3]
    W = random_weights(n, 21, low=0.0)
    met = np.zeros((n, n), dtype=bool)
    met[0, 1] = met[1, 0] = True
    together = np.zeros((n, n), dtype=bool)
    together[2, 3] = together[3, 2] = True
    fixed = np.full((2, n), -1)
    fixed[:, 5] = 1  # a host at table 2 both rounds
    options = [t for t in seatings(n, caps, fixed[0]) if t[2] == t[3]]
    for penalty in (0.0, 1.5, 10.0):
        best = max(pair_value(W, [a, b], penalty, met, together) for a in options for b in options)
        data = build(W, np.asarray(caps), np.ones((2, n), dtype=bool), fixed=fixed, together=together,
                     met_before=met, repeat_penalty=penalty)
        bound = rounds_bound(data, max_iter=300)
        assert bound.value >= best - 1e-9
        assert certify(data, bound.certificate) == pytest.approx(bound.value, rel=1e-12)


def test_rounds_bound_absences_and_coupling_helps():
    n, caps = 6, [3, 3]
    W = random_weights(n, 4, low=0.0)
    attend = np.ones((3, n), dtype=bool)
    attend[1, 0] = False  # one absence in round 2 (an empty seat)
    per = [list(seatings(int(a.sum()), caps)) for a in attend]

    def full(r, t):
        out = np.full(n, -1)
        out[np.flatnonzero(attend[r])] = t
        return out

    def value(tabs):
        M = sum(((t[:, None] == t[None, :]) & (t[:, None] >= 0)).astype(int) for t in tabs)
        np.fill_diagonal(M, 0)
        iu = np.triu_indices(n, 1)
        return float((W[iu] * (M[iu] > 0)).sum() - 10.0 * np.maximum(M[iu] - 1, 0).sum())

    best = max(value([full(0, a), full(1, b), full(2, c)]) for a in per[0][::3] for b in per[1][::3] for c in per[2])
    data = build(W, np.asarray(caps), attend, repeat_penalty=10.0)
    joint = rounds_bound(data, max_iter=300)
    apart = rounds_bound(data, max_iter=300, couple=False)
    assert joint.value >= best - 1e-9
    assert joint.value < apart.value  # pricing repeated pairs is what makes several rounds tight


# ------------------------------------------------------------------------------------------- pairings
def pairings(people: list[int]):
    """Every split of ``people`` into pairs (and one trio when odd)."""
    if not people:
        yield []
        return
    if len(people) == 3:
        yield [tuple(people)]
    a, rest = people[0], people[1:]
    for k, b in enumerate(rest):
        for tail in pairings(rest[:k] + rest[k + 1:]):
            yield [(a, b), *tail]


@pytest.mark.parametrize("n", [6, 5])
def test_pairing_bound_at_least_brute_force(n):
    W = random_weights(n, 30 + n, low=0.0)
    rounds = list(pairings(list(range(n))))
    rounds = [r for r in rounds if sum(len(g) == 3 for g in r) == n % 2]

    def value(plan):
        tabs = []
        for groups in plan:
            t = np.zeros(n, dtype=int)
            for k, g in enumerate(groups):
                t[list(g)] = k
            tabs.append(t)
        return pair_value(W, tabs, penalty=3.0)

    best = max(value(p) for p in itertools.product(rounds, repeat=3))
    b = pairing_bound(W, np.ones((3, n), dtype=bool), repeat_penalty=3.0, max_iter=200, time_limit=30)
    assert b.value >= best - 1e-9
    assert b.value <= best + 0.2 * W.sum()


def test_pairing_bound_forced_and_apart_pairs():
    n = 6
    W = random_weights(n, 8, low=0.0)
    allowed = ~np.eye(n, dtype=bool)
    allowed[0, 1] = allowed[1, 0] = False
    plans = [r for r in pairings(list(range(n))) if (2, 3) in r and (0, 1) not in r]
    best = -np.inf
    for a, b in itertools.product(plans, repeat=2):
        tabs = []
        for groups in (a, b):
            t = np.zeros(n, dtype=int)
            for k, g in enumerate(groups):
                t[list(g)] = k
            tabs.append(t)
        tg = np.zeros((n, n), dtype=bool)
        tg[2, 3] = tg[3, 2] = True
        best = max(best, pair_value(W, tabs, penalty=10.0, together=tg))
    bound = pairing_bound(W, np.ones((2, n), dtype=bool), allowed=allowed, forced=[(2, 3)], repeat_penalty=10.0,
                          max_iter=100, time_limit=30)
    assert bound.value >= best - 1e-9


# ------------------------------------------------------------------------------------------- instances
def test_mdgplib_round_trip(tmp_path):
    inst = ranreal(6, 2, seed=9)
    path = tmp_path / "tiny.txt"
    lines = ["6 2 ss 3 3 3 3"] + [f"{i} {j} {inst.weights[i, j]:.3f}" for i, j in itertools.combinations(range(6), 2)]
    path.write_text("\n".join(lines) + "\n")
    back = read_mdgplib(path)
    assert np.array_equal(back.weights, inst.weights) and back.upper.tolist() == [3, 3]
    assert make_round(np.arange(6), back.upper).rows_exact
