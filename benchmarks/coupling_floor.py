"""How low can a bound go that relaxes each round and couples the rounds by prices? (issue 14)

The multi-round bounds of :mod:`matchmaking.solvers.bounds` (and any Lagrangian bound that dualizes
"a pair's value counts once, a repeat pays, a need is covered once") relax each round on its own
and couple the rounds only through pair and need counts. The best such bound, even with every
round solved *exactly* at every price, is at least the value of the linear program

    max  sum_ij w_ij min(1, m_ij) - penalty * sum_ij max(m_ij - 1, 0)
         + needs * sum_(i,k) min(1, c_ik) + sum_r spread(x_r)
    over x_r in the convex hull of the seatings of round r,

where ``m_ij = sum_r x_r[i, j]`` (how often ``i`` and ``j`` meet) and ``c_ik`` how often ``i``'s need
``k`` is covered: dualizing exactly these linking constraints leaves each round's own maximum, and
any relaxation of a round is a set that contains the convex hull of its seatings, so every such
bound is at least this program's value at any of its feasible points. This script builds such
points, so their value is a floor under every bound of that kind: the same mixture
``x_r = sum_k lambda_k P_k`` of one-round seatings in every round (the benchmark events have the
same attendees and hosts in every round). The seatings are the plan's own rounds (so the floor is
at least the plan), ``K`` seatings found by ``seat`` with the pairs already met ``K / R`` times
given as history, then column generation: the weights ``lambda`` come from the restricted linear
program (HiGHS), and each next seating is annealed at its prices (the need prices replaced by
their mean: a heuristic, any seating is a valid column). The value is computed from the seatings,
not assumed; a pair of negative value is charged for every meeting (``w m <= w min(1, m)``).

Reading: a bound of that kind cannot go below the floor. Ours (the semidefinite relaxation of each
round, pair prices between rounds, needs and spread bounded on their own) is one of them, except
where a count of repeats that looks across rounds binds (``structural`` in
:func:`matchmaking.solvers.seating.bound.seating_bound`: consecutive identical rounds with more
than ``tables^2`` people and no together requests; not on the 120 and 300 events). Where the floor
is above the bound that the halved gap needs, halving needs a relaxation that sees several rounds
at once.

    python benchmarks/coupling_floor.py              # the 120 and 300 events of bench_seating.py (about 17 min)
    python benchmarks/coupling_floor.py --only 120 --steps 60 --pairs-only
    python benchmarks/coupling_floor.py --check      # the formula on a real plan (K = R) gives its objective
    python benchmarks/coupling_floor.py --quick      # a smoke run on a tiny event
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_seating import instance  # noqa: E402
from harness import print_table  # noqa: E402

import matchmaking as mm  # noqa: E402
from matchmaking.solvers import seating as S  # noqa: E402

#: The gaps the benchmark events printed when issue 14 was filed, and the plan's time limit.
EVENTS = {"120": (0.400, 20.0), "300": (0.373, 30.0), "2000": (0.378, 120.0)}


def meets(prob: S.SeatingProblem, tab: np.ndarray) -> np.ndarray:
    """Same-table indicator of a one-round seating ``tab`` (``1 x n``), pairs ``i < j`` flattened."""
    t, a = tab[0], prob.attend[0]
    same = (t[:, None] == t[None, :]) & a[:, None] & a[None, :]
    return same[np.triu_indices(prob.n, 1)]


def covers(prob: S.SeatingProblem, tab: np.ndarray) -> np.ndarray:
    """(member, need) couples a one-round seating covers (a tablemate offers the need), flattened."""
    t, attend = tab[0], prob.attend[0]
    at = np.zeros((prob.n, prob.n_tables))
    at[np.flatnonzero(attend), t[attend]] = 1.0
    others = (at.T @ prob.offers.astype(float))[np.where(attend, t, 0)] - prob.offers
    return (prob.needs & (others > 0) & attend[:, None]).ravel()


def spread(prob: S.SeatingProblem, tab: np.ndarray) -> float:
    """The spread terms of a one-round seating (the objective's own evaluation)."""
    value = prob.objective.evaluate(prob.to_frame(tab), "seating")
    return float(sum(v for k, v in value.items() if k.startswith("spread:")))


class Columns:
    """One-round seatings of ``prob`` with what the program needs of each, computed once on arrival:
    the pairs it seats together, the (member, need) couples it covers, and its spread."""

    def __init__(self, prob: S.SeatingProblem, tabs: list[np.ndarray] = ()) -> None:
        if prob.met_before.any():
            raise ValueError("the floor is written for events without history (pairs met before)")
        self.prob = prob
        self.tabs: list[np.ndarray] = []
        self.meets: list[np.ndarray] = []
        self.covers: list[np.ndarray] = []
        self.spread: list[float] = []
        for tab in tabs:
            self.add(tab)

    def add(self, tab: np.ndarray) -> None:
        self.tabs.append(tab)
        self.meets.append(meets(self.prob, tab))
        self.covers.append(covers(self.prob, tab))
        self.spread.append(spread(self.prob, tab))

    def __len__(self) -> int:
        return len(self.tabs)

    def priced(self, prices: dict, k: int) -> float:
        """Seating ``k``'s value at the master's prices (pairs, needs) plus its spread."""
        return float(prices["pairs"] @ self.meets[k] + prices["needs"] @ self.covers[k] + self.spread[k])


def mixture_value(cols: Columns, rounds: int, weights: np.ndarray | None = None) -> dict[str, float]:
    """The objective of the program above at ``x_r = sum_k weights_k P_k`` in each of ``rounds`` rounds.

    ``cols`` are one-round seatings ``P_k``; ``weights`` sum to 1 (default: equal).
    """
    prob = cols.prob
    lam = np.full(len(cols), 1.0 / len(cols)) if weights is None else np.asarray(weights, dtype=float)
    m = rounds * (lam @ np.asarray(cols.meets, dtype=float))  # meetings of each pair
    c = rounds * (lam @ np.asarray(cols.covers, dtype=float))
    iu = np.triu_indices(prob.n, 1)
    w, together = prob.weights[iu], prob.together[iu]
    extra = np.where(together, 0.0, np.maximum(m - 1.0, 0.0))
    out = {"pairs": float((w * np.minimum(1.0, m)).sum()), "needs": float(prob.objective.needs) * float(np.minimum(1.0, c).sum()),
           "spread": rounds * float(lam @ np.asarray(cols.spread)),
           "repeats": -float(prob.objective.repeat_penalty) * float(extra.sum())}
    out["total"] = sum(out.values())
    return out


def mixture(community: mm.Community, kw: dict, one: S.SeatingProblem, K: int, seconds: float,
            seed: int = 0) -> list[np.ndarray]:
    """``K`` seatings of the one-round problem ``one``; pairs met ``K / R`` times already are given as
    history to the next."""
    cap = K / kw["rounds"]
    met = np.zeros(one.n * (one.n - 1) // 2)
    iu = np.triu_indices(one.n, 1)
    ids = np.asarray(one.members)
    tabs = []
    for k in range(K):
        full = met >= cap - 1e-9
        history = pd.DataFrame({"a": ids[iu[0][full]], "b": ids[iu[1][full]]}) if full.any() else None
        plan = mm.seat(community, **{**kw, "rounds": 1}, history=history, time_limit=seconds, seed=seed + k)
        tabs.append(one.to_tab(plan.assignments))
        met += meets(one, tabs[-1])
    return tabs


def master(cols: Columns, rounds: int) -> tuple[float, np.ndarray, dict]:
    """The linear program above over the mixtures of ``cols`` (the same in every round).

    Returns its value (a feasible point of the full program, so a floor), the weights of the
    seatings and the prices: ``pairs`` (upper-triangle order), ``needs`` (flattened couples),
    ``mu`` (the price of one round).
    """
    from scipy import sparse
    from scipy.optimize import linprog

    prob = cols.prob
    R, K = rounds, len(cols)
    iu = np.triu_indices(prob.n, 1)
    w = prob.weights[iu]
    tg = prob.together[iu] | ~(prob.attend[0][iu[0]] & prob.attend[0][iu[1]])  # always together, or never
    P = sparse.csc_matrix(np.stack(cols.meets, axis=1).astype(float))
    C = sparse.csc_matrix(np.stack(cols.covers, axis=1).astype(float))
    sp = np.asarray(cols.spread)
    free = np.flatnonzero(~tg)
    npair, nfree, ncouple = len(w), len(free), C.shape[0]
    pen, nu = float(prob.objective.repeat_penalty), float(prob.objective.needs)
    # variables: lambda (K), z (npair, value share of each pair), e (nfree, repeats), u (ncouple, needs).
    # A pair of negative value is charged for every meeting (w m <= w min(1, m): still a floor), so it
    # goes into the cost of the seatings and its share z earns nothing.
    neg = np.minimum(w, 0.0)
    cost = np.concatenate([-R * (sp + P.T @ neg), -np.maximum(w, 0.0), pen * np.ones(nfree), -nu * np.ones(ncouple)])
    eye = sparse.identity
    Pf = P[free]
    A = sparse.vstack([
        sparse.hstack([-R * P, eye(npair), sparse.csc_matrix((npair, nfree)), sparse.csc_matrix((npair, ncouple))]),
        sparse.hstack([R * Pf, sparse.csc_matrix((nfree, npair)), -eye(nfree), sparse.csc_matrix((nfree, ncouple))]),
        sparse.hstack([-R * C, sparse.csc_matrix((ncouple, npair)), sparse.csc_matrix((ncouple, nfree)), eye(ncouple)]),
    ]).tocsc()
    b = np.concatenate([np.zeros(npair), np.ones(nfree), np.zeros(ncouple)])
    A_eq = sparse.csc_matrix(np.concatenate([np.ones(K), np.zeros(npair + nfree + ncouple)])[None, :])
    z_hi = np.where(tg, np.where(prob.together[iu], 1.0, 0.0), 1.0)
    bounds = [(0, None)] * K + [(0, h) for h in z_hi] + [(0, None)] * nfree + [(0, 1)] * ncouple
    res = linprog(cost, A_ub=A, b_ub=b, A_eq=A_eq, b_eq=[1.0], bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(res.message)
    lam = res.x[:K]
    y = -res.ineqlin.marginals
    pi = y[:npair] + neg  # what a meeting is worth at the prices: its share's price, or its negative value
    pi[free] -= y[npair:npair + nfree]
    prices = {"pairs": pi, "needs": y[npair + nfree:], "mu": -res.eqlin.marginals[0]}
    return -float(res.fun), lam, prices


def price(prob: S.SeatingProblem, prices: dict, seconds: float, seed: int) -> np.ndarray:
    """A one-round seating good at the prices (the annealing of ``seat`` on the priced round)."""
    from matchmaking.solvers.control import Monitor
    from matchmaking.solvers.seating.search import anneal
    from matchmaking.solvers.seating.starts import greedy
    from matchmaking.solvers.seating.state import SeatingState
    from matchmaking.solvers.seating.tracker import Tracker

    W = np.zeros((prob.n, prob.n))
    W[np.triu_indices(prob.n, 1)] = prices["pairs"]
    W = W + W.T
    sigma = prices["needs"].reshape(prob.needs.shape)
    wanted = sigma > 1e-9
    nw = float(sigma[wanted].mean()) if wanted.any() else 0.0
    objective = dataclasses.replace(prob.objective, needs=nw)
    priced = dataclasses.replace(prob, weights=W, needs=prob.needs & wanted, objective=objective,
                                 met_before=np.zeros_like(prob.met_before))
    state = SeatingState(priced)
    greedy(state, np.random.default_rng(seed), range(1), random_order=True)
    search = Tracker(state, Monitor(time_limit=seconds))
    anneal(search, seed)
    return search.best_tab.copy()


def generate(cols: Columns, rounds: int, seconds: float, steps: int, log: bool = True) -> tuple[float, np.ndarray]:
    """Column generation: ``steps`` seatings priced at the master's prices added to ``cols`` one by one;
    the last master's value and weights."""
    value, lam, prices = master(cols, rounds)
    for k in range(steps):
        cols.add(price(cols.prob, prices, seconds, seed=1000 + k))
        gain = rounds * cols.priced(prices, -1) - prices["mu"]  # its reduced cost
        value, lam, prices = master(cols, rounds)
        if log:
            print(f"  column {len(cols)}: floor {value:.6g}, reduced cost of the column {gain:.4g}", flush=True)
    return value, lam


def plan_rounds(prob: S.SeatingProblem, plan: mm.Plan) -> list[np.ndarray]:
    """A plan's rounds as one-round seatings (``1 x n`` arrays of tables) of the full problem ``prob``."""
    tab = prob.to_tab(plan.assignments)
    return [tab[r:r + 1] for r in range(prob.rounds)]


def check(name: str, seconds: float) -> None:
    """The formula on a real plan split into its rounds (``K = R``) equals the plan's objective."""
    community, kw = instance(name)
    plan = mm.seat(community, time_limit=seconds, seed=0, **kw)
    one = S.build_problem(community, **{**kw, "rounds": 1})
    got = mixture_value(Columns(one, plan_rounds(S.build_problem(community, **kw), plan)), kw["rounds"])
    print(f"{name}: plan {plan.objective:.6g}, formula {got['total']:.6g} ({got})")
    assert abs(got["total"] - plan.objective) < 1e-6 * max(1.0, abs(plan.objective)), "formula and objective differ"


def floor_row(name: str, old_gap: float, limit: float, K: int, steps: int, seconds: float,
              pairs_only: bool = False) -> dict:
    """One row: the plan, its printed bound, and the floor of every round-by-round bound."""
    community, kw = instance(name)
    if pairs_only:
        kw = {**{k: v for k, v in kw.items() if k != "spread"}, "needs": 0.0}
        name = f"{name} pairs only"
    R = kw["rounds"]
    t0 = time.perf_counter()
    plan = mm.seat(community, time_limit=limit, seed=0, **kw)
    one = S.build_problem(community, **{**kw, "rounds": 1})
    cols = Columns(one, plan_rounds(S.build_problem(community, **kw), plan) + mixture(community, kw, one, K, seconds))
    floor, lam = generate(cols, R, seconds, steps, log=False)
    target = plan.objective / (1 - old_gap / 2) if np.isfinite(old_gap) else float("nan")
    return {"instance": f"{name} / {R} rounds", "method": f"LP over {len(cols)} seatings ({int((lam > 1e-9).sum())} used)",
            "objective": plan.objective, "bound": plan.bound, "gap": (plan.bound - plan.objective) / plan.bound,
            "floor": floor, "floor_gap": (floor - plan.objective) / floor, "halved_gap": old_gap / 2,
            "bound_for_halved": target, "time_s": time.perf_counter() - t0, "peak_mb": float("nan")}


def main(argv: list[str] | None = None) -> pd.DataFrame | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="events whose name contains this text")
    parser.add_argument("--mixture", type=int, default=0, help="K seatings to start from (default: 4 R)")
    parser.add_argument("--steps", type=int, default=40, help="priced seatings added (column generation)")
    parser.add_argument("--seconds", type=float, default=0.0, help="per seating (default: the plan's limit / 20)")
    parser.add_argument("--pairs-only", action="store_true", help="the events without needs and spread terms")
    parser.add_argument("--quick", action="store_true", help="a smoke run on a tiny event")
    parser.add_argument("--check", action="store_true", help="check the formula on a real plan")
    args = parser.parse_args(argv)
    S.warm_up()
    events = {"tiny": (float("nan"), 2.0)} if args.quick else EVENTS
    todo = {k: v for k, v in events.items() if (not args.only and k != "2000") or (args.only and args.only in k)}
    if args.check:
        for name, (_, limit) in todo.items():
            check(name, limit)
        return
    rows = []
    for name, (old_gap, limit) in todo.items():
        K = args.mixture or 4 * instance(name)[1]["rounds"]
        steps = 3 if args.quick else args.steps
        rows.append(floor_row(name, old_gap, limit, K, steps, args.seconds or limit / 20, args.pairs_only))
    return print_table(rows, extra=["floor", "floor_gap", "halved_gap", "bound_for_halved"])


if __name__ == "__main__":
    main()
