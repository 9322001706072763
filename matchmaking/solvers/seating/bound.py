"""A proven upper bound on the seating objective, term by term, and the repeats requests force.

:func:`seating_bound` is the integration point for stronger relaxations (a semidefinite bound
of the equal-size partition): whatever it returns must be proven.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from matchmaking.solvers.bounds import build, rounds_bound
from matchmaking.solvers.bounds.degree import degree_bound
from matchmaking.solvers.bounds.rounds import RoundsData
from matchmaking.solvers.seating.inputs import waterfill

if TYPE_CHECKING:
    from matchmaking.solvers.seating.problem import SeatingProblem

__all__ = ["degree_pairs", "forced_repeats", "plan_seconds", "rounds_data", "sdp_bound", "sdp_budget", "sdp_fits",
           "seating_bound", "with_reading"]

#: Largest round (people plus empty seats) a fixed-effort run bounds by the SDP (a size rule, not the
#: clock, so that the same problem always gets the same bound).
FIXED_EFFORT_SIZE = 240
#: Fewest solver iterations worth spending time on (fewer give a valid but loose bound).
MIN_ITERATIONS = 20
#: Above this gap, a multi-round plan's notes say that the bound, not the plan, is the loose side.
LOOSE_GAP = 0.15


def seating_bound(problem: SeatingProblem) -> tuple[float, dict[str, float]]:
    """A proven upper bound on the objective of any plan of ``problem``, term by term.

    Each term is bounded by a relaxation:

    ``pairs``
        Member ``i`` sits with at most ``D_i = sum over the rounds i attends of (c - 1)``
        others (``c`` the largest capacity), and meets only members who attend a round with
        them and are not asked apart. A pair counts its value once, and at most its positive
        part, so the pair term is at most half the sum over members of their ``D_i`` best
        positive values (each met pair is counted from both ends, each end among its best
        ``D_i``).
    ``needs``
        A (member, need) couple can only be covered if some possible tablemate offers it.
    ``spread:<attr>``
        In a round, ``sum_t max(d_t - 1, 0) = sum_t d_t - (tables with a valued member)``; a
        value appears at no more tables than it has members (nor than there are tables), a
        table holds at most ``min(capacity, #values)`` values, and the valued members need at
        least as many tables as the fewest largest tables that seat them.
    ``repeats``
        At most 0, and at most minus the penalty times a lower bound on repeats, the largest
        of: a pigeonhole count (tables of sizes ``s_t`` seat ``sum_t s_t (s_t - 1) / 2``
        encounters a round, fewest when sizes are as even as the capacities allow; only pairs
        that can meet and never met can meet once for free; pairs kept together: every round);
        the repeats that pins, hosts and held rounds force; and, for consecutive rounds with
        the same attendees, ``n - T^2`` a round (a table of ``s`` drawn from ``T`` tables of the
        round before holds at least ``s - T`` pairs who just met).

    Returns
    -------
    bound : float
    terms : dict
        The bound of each term, and ``min_repeats`` (the pigeonhole lower bound).
    """
    p = problem
    n, R = p.n, p.rounds
    can = (p.attend.T.astype(np.int64) @ p.attend.astype(np.int64)) > 0  # attend a round together
    np.fill_diagonal(can, False)
    for i in range(n):
        if p.apart[i]:
            can[i, list(p.apart[i])] = False
    cmax = int(p.capacities.max())
    deg = p.attend.sum(axis=0) * (cmax - 1)
    W = np.where(can, np.maximum(p.weights, 0.0), 0.0)
    pair_b = 0.0
    for i in range(n):
        k = int(min(deg[i], can[i].sum()))
        if k <= 0:
            continue
        row = W[i]
        top = np.partition(row, len(row) - k)[len(row) - k:] if k < len(row) else row
        pair_b += float(top.sum())
    pair_b /= 2.0
    terms: dict[str, float] = {"pairs": pair_b}
    if p.objective.needs:
        offered = (can.astype(np.int64) @ p.offers.astype(np.int64)) > 0
        terms["needs"] = float(p.objective.needs) * float((offered & p.needs).sum())
    caps_sorted = np.sort(p.capacities)[::-1]
    for name, w, codes in zip(p.spread_names, p.spread_weights, p.spread_codes, strict=True):
        total = 0.0
        n_values = int(codes.max(initial=-1)) + 1
        for r in range(R):
            valued = codes[p.attend[r] & (codes >= 0)]
            if not len(valued):
                continue
            cnt = np.bincount(valued, minlength=n_values)
            cnt = cnt[cnt > 0]
            distinct = min(int(np.minimum(cnt, len(p.capacities)).sum()), int(np.minimum(p.capacities, len(cnt)).sum()))
            need_tables = int(np.searchsorted(np.cumsum(caps_sorted), len(valued)) + 1)
            total += max(distinct - need_tables, 0)
        terms[f"spread:{name}"] = w * total
    # pigeonhole lower bound on repeats
    encounters = 0
    for r in range(R):
        size = waterfill(int(p.attend[r].sum()), p.capacities)
        encounters += int((size * (size - 1) // 2).sum())
    free = np.triu(can & ~p.met_before, 1)
    # every pair of a together-group (chains included: a-b and b-c keep a with c) meets in each
    # round both attend; all but the first of those meetings are free (never repeats)
    shared = p.attend.T.astype(np.int64) @ p.attend.astype(np.int64)
    together_extra = int(np.triu(np.where(p.together, np.maximum(shared - 1, 0), 0), 1).sum())
    # consecutive rounds with the same attendees and no together requests: a table of s people
    # drawn from at most T tables of the round before holds at least s - T pairs who just met,
    # so a round holds at least n - T * T of them
    structural = 0
    if not p.together.any():
        T = p.n_tables
        for r in range(1, R):
            if (p.attend[r] == p.attend[r - 1]).all():
                structural += max(int(p.attend[r].sum()) - T * T, 0)
    min_rep = max(encounters - int(free.sum()) - together_extra, forced_repeats(p), structural, 0)
    terms["repeats"] = -float(p.objective.repeat_penalty) * min_rep
    bound = float(sum(terms.values()))
    terms["min_repeats"] = float(min_rep)
    return bound, terms


def forced_repeats(problem: SeatingProblem) -> int:
    """Repeats that pins, hosts and locked rounds force: fixed members sharing a table again."""
    p = problem
    fixed = np.flatnonzero((p.fixed >= 0).sum(axis=0) >= 1)
    if len(fixed) < 2:
        return 0
    f = p.fixed[:, fixed]
    same = ((f[:, :, None] == f[:, None, :]) & (f[:, :, None] >= 0)).sum(axis=0)
    tg = p.together[np.ix_(fixed, fixed)]
    met = p.met_before[np.ix_(fixed, fixed)]
    rep = np.where(tg, 0, np.maximum(same - 1, 0) + np.where(met, same, 0))
    return int(np.triu(rep, 1).sum())


def degree_pairs(problem: SeatingProblem, *, sweeps: int = 12) -> float:
    """A proven bound on the pair term: the b-matching dual of "member ``i`` meets at most ``D_i`` people".

    ``D_i`` is as in :func:`seating_bound` (seats next to ``i`` over the rounds they attend); pairs
    meet only when they attend a round together, are not asked apart and are not fixed at two
    different tables in every round they share (hosts). Never above the ``pairs`` term of
    :func:`seating_bound` by more than rounding (:func:`matchmaking.solvers.bounds.degree.degree_bound`).
    """
    p = problem
    A = p.attend
    can = np.zeros((p.n, p.n), dtype=bool)
    for r in range(p.rounds):
        f = p.fixed[r]
        split = (f[:, None] >= 0) & (f[None, :] >= 0) & (f[:, None] != f[None, :])
        can |= A[r][:, None] & A[r][None, :] & ~split
    np.fill_diagonal(can, False)
    for i, others in enumerate(p.apart):
        if others:
            can[i, list(others)] = False
            can[list(others), i] = False
    W = np.where(can, np.maximum(p.weights, 0.0), 0.0)
    D = A.sum(axis=0) * (int(p.capacities.max()) - 1)
    return degree_bound(W, np.minimum(D, can.sum(axis=1)), sweeps=sweeps).value


def rounds_data(problem: SeatingProblem, *, penalties: bool = True) -> RoundsData:
    """The pair part of ``problem`` for :mod:`matchmaking.solvers.bounds`: rounds, pins, requests, history.

    ``penalties=False`` drops the repeat penalty (the data then bound the pair term alone).
    """
    p = problem
    apart = np.zeros((p.n, p.n), dtype=bool)
    for i, others in enumerate(p.apart):
        if others:
            apart[i, sorted(others)] = True
    return build(p.weights, p.capacities, p.attend, fixed=p.fixed, together=p.together, apart=apart,
                 met_before=p.met_before if penalties else None,
                 repeat_penalty=float(p.objective.repeat_penalty) if penalties else 0.0)


def sdp_bound(problem: SeatingProblem, *, time_limit: float = 5.0, max_iter: int | None = None,
              target: float | None = None, keep_going: Callable[[], bool] | None = None,
              threads: int | None = None, forecast: bool = True) -> tuple[float, dict[str, float], list[str]]:
    """The tighter of :func:`seating_bound` and the semidefinite bound, term by term, with notes.

    The semidefinite bound replaces the ``pairs`` and ``repeats`` terms by one certified bound on
    their sum over all rounds (:func:`matchmaking.solvers.bounds.rounds_bound`: a pair's value
    counts once, a repeat pays its penalty, the rounds are coupled by pair prices); ``needs``
    and ``spread`` keep their bounds. When repeats are unavoidable (``min_repeats > 0``) the
    pair term alone is bounded and the pigeonhole penalty subtracted, as in
    :func:`seating_bound`.

    Parameters
    ----------
    time_limit : float
        Seconds for all of it: the cheap bounds, the first-order solver and its certificate;
        when too few iterations fit (forecast on this machine), the semidefinite bound is
        skipped and the note says so.
    max_iter : int, optional
        A fixed effort instead (same problem, same bound); 0: no semidefinite bound, only the
        cheap ones (the degree bound of :func:`degree_pairs` replaces ``pairs`` when lower).
    target : float, optional
        The objective of the plan found: the solver stops once its bound reaches it, and a note
        explains a large gap over several rounds.
    keep_going, threads, forecast
        As :func:`matchmaking.solvers.bounds.rounds_bound` (a stopped solve keeps the cheap bounds).

    Returns
    -------
    bound : float
    terms : dict
        The terms of :func:`seating_bound`, plus ``relaxation bound`` (its total), ``degree
        pairs`` and ``degree bound`` when the degree bound is lower, and, when the semidefinite
        bound is used, ``sdp pairs+repeats`` (or ``sdp pairs``) and ``sdp bound``.
    notes : list of str
    """
    start = time.perf_counter()
    old, terms = seating_bound(problem)
    terms = dict(terms)
    terms["relaxation bound"] = old
    notes: list[str] = []
    degree = degree_pairs(problem)
    if degree < terms["pairs"]:
        old = old - terms["pairs"] + degree
        terms["degree pairs"] = degree
        terms["degree bound"] = old
    min_rep = int(terms.get("min_repeats", 0))
    penalty = float(problem.objective.repeat_penalty)
    rest = sum(v for k, v in terms.items() if k.startswith(("needs", "spread:")))
    if max_iter == 0:
        return with_reading(problem, old, target, notes), terms, notes
    data = rounds_data(problem, penalties=min_rep == 0)
    goal = None if target is None else target - rest + (penalty * min_rep if min_rep else 0.0)
    left = max(time_limit - (time.perf_counter() - start), 0.05)  # the cheap bounds took their share
    pb = rounds_bound(data, time_limit=left, max_iter=max_iter, target=goal, keep_going=keep_going, threads=threads,
                      forecast=forecast)
    notes += pb.notes
    total = pb.value + rest - (penalty * min_rep if min_rep else 0.0)
    if not np.isfinite(pb.value):
        return with_reading(problem, old, target, notes), terms, notes
    if total >= old:
        notes.append(f"the semidefinite relaxation proved {total:.6g}, no lower than the simpler bound "
                     f"{old:.6g} (each member's best possible partners), so the simpler bound is kept")
        return with_reading(problem, old, target, notes), terms, notes
    terms["sdp pairs" if min_rep else "sdp pairs+repeats"] = pb.value
    terms["sdp bound"] = total
    return with_reading(problem, float(total), target, notes), terms, notes


def with_reading(problem: SeatingProblem, bound: float, target: float | None, notes: list[str]) -> float:
    """``bound``, after adding to ``notes`` how to read a large gap over several rounds (against ``target``)."""
    if target is None or problem.rounds < 2 or not np.isfinite(bound) or bound <= 0:
        return bound
    gap = (bound - target) / bound
    if gap > LOOSE_GAP:
        notes.append(f"the bound {bound:.6g} is proven but loose: over several rounds these relaxations let every "
                     "round count almost as much as the best single round, so the gap of "
                     f"{100 * gap:.0f}% overstates the distance to the best possible plan; it does not measure "
                     "the plan's quality (on one round the same relaxation is within about 5-10%)")
    return bound


def sdp_budget(problem: SeatingProblem, time_limit: float, *, share: float, cap: float,
               fixed_effort: bool = False, fits: bool | None = None) -> float:
    """Seconds to keep for :func:`sdp_bound` at the end of a solve (0: not worth it).

    Nothing when ``share`` is 0 or the event has no pair value to bound. When the relaxation's
    solver cannot do :data:`MIN_ITERATIONS` iterations in the time (:func:`sdp_fits`, unless the
    caller gives its answer as ``fits``; with a fixed effort, a size rule instead: rounds up to
    :data:`FIXED_EFFORT_SIZE` seats), only the time of the degree bound (:func:`degree_seconds`).
    """
    if share <= 0 or not (problem.weights > 0).any():
        return 0.0
    budget = min(share * time_limit, cap)
    cheap = min(budget, degree_seconds(problem.n))  # the degree bound alone
    if fixed_effort:
        return share * time_limit if int(problem.capacities.sum()) <= FIXED_EFFORT_SIZE else cheap
    return budget if (sdp_fits(problem, budget) if fits is None else fits) else cheap


def sdp_fits(problem: SeatingProblem, seconds: float) -> bool:
    """Whether :data:`MIN_ITERATIONS` of the relaxation's solver, the cheap bounds and the certificate
    fit in ``seconds`` (the iteration time forecast on this machine now)."""
    from matchmaking.solvers.bounds.rounds import iteration_seconds, proof_seconds

    seats = int(problem.capacities.sum())
    sizes = [seats] * len({problem.attend[r].tobytes() + problem.fixed[r].tobytes() for r in range(problem.rounds)})
    per = iteration_seconds(sizes)
    # what comes off the time besides the solver's iterations: the cheap bounds, and the certificate
    overhead = degree_seconds(problem.n) + proof_seconds(per, problem.rounds, len(sizes)) + per  # as rounds_bound
    return per * MIN_ITERATIONS + overhead <= seconds


def plan_seconds(problem: SeatingProblem) -> float:
    """A pessimistic forecast of building the plan after the solve (measured: 0.04 s for 120 people
    over 3 rounds, 0.08 s for 300 over 4, 0.15 s for 2,000 over 3)."""
    return 0.05 + 3e-5 * problem.n * problem.rounds


def degree_seconds(n: int) -> float:
    """A pessimistic forecast of :func:`degree_pairs` on ``n`` members (measured: 0.5 s of CPU at 2,000)."""
    return 0.05 + 1e-6 * n * n
