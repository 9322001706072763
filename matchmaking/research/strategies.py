"""Seating strategies for network-growth experiments.

A *strategy* is any callable

``strategy(attendees, history, rng, *, table_size, rounds) -> DataFrame round,table,member``

where ``attendees`` is a :class:`~matchmaking.Community` of the people at the event,
``history`` a table ``a, b, count`` of how often pairs of them already met (the shape
:func:`~matchmaking.scoring.pairs_file.history_counts` returns), and ``rng`` a
:class:`numpy.random.Generator` (the only source of randomness, so that a seed fixes the
result). Tables and rounds are numbered from 1, as in the ``seating`` output file.

Built in: :func:`random_seating`, :func:`homophily_seating` (similar people together),
:func:`novelty_seating` (greedy: fewest repeated encounters), :func:`familiar_seating`
(greedy: most known people, like free mingling) and :func:`optimised_seating`
(this library's seating solver, :func:`matchmaking.seat`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community

Strategy = Callable[..., pd.DataFrame]


def table_layout(n: int, table_size: int) -> np.ndarray:
    """Table number (from 1) of each of ``n`` seats: ``ceil(n / table_size)`` balanced tables.

    Examples
    --------
    >>> table_layout(10, 4).tolist()
    [1, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    """
    if table_size < 2:
        raise InputError("table_size must be at least 2", column="table_size")
    if n == 0:
        return np.zeros(0, dtype=int)
    tables = -(-n // table_size)
    sizes = np.full(tables, n // tables)
    sizes[: n % tables] += 1
    return np.repeat(np.arange(1, tables + 1), sizes)


def _frame(rounds: list[np.ndarray], ids: Sequence[str], tables: np.ndarray) -> pd.DataFrame:
    parts = [
        pd.DataFrame({"round": r + 1, "table": tables, "member": np.asarray(ids, dtype=object)[order]})
        for r, order in enumerate(rounds)
    ]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["round", "table", "member"])
    return out.sort_values(["round", "table", "member"], kind="stable").reset_index(drop=True)


def random_seating(
    attendees: Community, history: pd.DataFrame, rng: np.random.Generator, *, table_size: int, rounds: int
) -> pd.DataFrame:
    """Everyone at a random table, each round drawn afresh (the usual event).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from matchmaking import Community
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abcdefg")}))
    >>> plan = random_seating(c, None, np.random.default_rng(0), table_size=4, rounds=2)
    >>> plan.groupby("round").size().tolist(), sorted(plan.groupby(["round", "table"]).size().unique().tolist())
    ([7, 7], [3, 4])
    """
    n = len(attendees)
    return _frame([rng.permutation(n) for _ in range(rounds)], attendees.ids, table_layout(n, table_size))


def homophily_seating(
    attributes: Sequence[str] = ("city", "sector"),
) -> Strategy:
    """A strategy seating alike people together: sorted by ``attributes``, random within ties.

    Each round redraws the order within each group of identical attributes, so people meet
    others like them but not always the same ones.
    """
    attributes = tuple(attributes)

    def homophily(
        attendees: Community, history: pd.DataFrame, rng: np.random.Generator, *, table_size: int, rounds: int
    ) -> pd.DataFrame:
        n = len(attendees)
        cols = [a for a in attributes if a in attendees.members.columns]
        codes = [attendees.attribute_codes(a) for a in cols]
        orders = []
        for _ in range(rounds):
            noise = rng.random(n)
            orders.append(np.lexsort([noise, *reversed(codes)]) if codes else np.argsort(noise))
        return _frame(orders, attendees.ids, table_layout(n, table_size))

    homophily.__name__ = "homophily"
    return homophily


def _met_matrix(attendees: Community, history: pd.DataFrame | None) -> np.ndarray:
    n = len(attendees)
    met = np.zeros((n, n), dtype=np.float64)
    if history is not None and len(history):
        pos = {m: k for k, m in enumerate(attendees.ids)}
        i = history["a"].map(pos)
        j = history["b"].map(pos)
        ok = i.notna() & j.notna()
        i = i[ok].astype(int).to_numpy()
        j = j[ok].astype(int).to_numpy()
        c = history["count"].to_numpy(dtype=float)[ok.to_numpy()]
        np.add.at(met, (i, j), c)
        np.add.at(met, (j, i), c)
    return met


def _greedy(
    attendees: Community, history: pd.DataFrame | None, rng: np.random.Generator, table_size: int, rounds: int,
    sign: float | Sequence[float],
) -> pd.DataFrame:
    """Each member, in random order, takes the open table minimising ``sign`` x people known there.

    ``sign`` may differ per round (a sequence): 1 novelty, -1 familiarity, 0 random.
    """
    n = len(attendees)
    layout = table_layout(n, table_size)
    caps = np.bincount(layout)[1:]
    met = _met_matrix(attendees, history)
    orders = []
    signs = [float(sign)] * rounds if np.isscalar(sign) else [float(x) for x in sign]
    for r in range(rounds):
        order = rng.permutation(n)
        tables = len(caps)
        load = np.zeros((tables, n))  # load[t, m] = times m met the people at table t
        fill = np.zeros(tables, dtype=int)
        seat = np.empty(n, dtype=int)
        tie = rng.random((n, tables))
        for k, m in enumerate(order):
            cost = signs[r] * load[:, m] + 1e-3 * fill + 1e-6 * tie[k]
            cost[fill >= caps] = np.inf
            t = int(np.argmin(cost))
            seat[m] = t
            fill[t] += 1
            load[t] += met[m]
        # the members in table order, so that _frame's layout puts them at their table
        orders.append(np.argsort(seat, kind="stable"))
        same = seat[:, None] == seat[None, :]
        met = met + same - np.eye(n)
    return _frame(orders, attendees.ids, layout)


def novelty_seating(
    attendees: Community, history: pd.DataFrame, rng: np.random.Generator, *, table_size: int, rounds: int
) -> pd.DataFrame:
    """Greedy novelty: each member, in random order, takes the open table where they know fewest.

    Earlier meetings (``history``) and earlier rounds of the same event both count, so the
    strategy spreads encounters over new pairs; it ignores affinity entirely.
    """
    return _greedy(attendees, history, rng, table_size, rounds, 1.0)


def familiar_seating(
    attendees: Community, history: pd.DataFrame, rng: np.random.Generator, *, table_size: int, rounds: int
) -> pd.DataFrame:
    """The opposite of novelty: each member joins the open table where they know most people.

    What people do when nobody seats them (they find those they already know); a baseline
    for free mingling, and the counterpart of repeated conversations in real contact data.
    """
    return _greedy(attendees, history, rng, table_size, rounds, -1.0)


def mingling_seating(familiar: float = 0.3) -> Strategy:
    """Free mingling: each round, with probability ``familiar`` people regroup with those they
    know (:func:`familiar_seating`), otherwise they mix at random.

    A model of unorganised conference breaks, used to calibrate the tie model on real data.
    """
    if not 0 <= familiar <= 1:
        raise InputError("familiar must be between 0 and 1", column="familiar")

    def mingling(
        attendees: Community, history: pd.DataFrame, rng: np.random.Generator, *, table_size: int, rounds: int
    ) -> pd.DataFrame:
        signs = np.where(rng.random(rounds) < familiar, -1.0, 0.0)
        return _greedy(attendees, history, rng, table_size, rounds, signs)

    mingling.__name__ = f"mingling({familiar:g})"
    return mingling


def optimised_seating(time_limit: float = 10.0, iterations: int | None = 100_000, **options: Any) -> Strategy:
    """This library's seating solver (:func:`matchmaking.seat`) as a strategy.

    Parameters
    ----------
    time_limit : float
        Seconds per event at most.
    iterations : int, optional
        Annealing proposals per event (see :func:`matchmaking.seat`). A fixed effort makes the simulation reproducible bit
        for bit (a solve stopped by the clock is not); ``None`` leaves only the time limit.
    **options
        Passed to :func:`matchmaking.seat` (e.g. ``spread`` weights).
    """

    def optimised(
        attendees: Community, history: pd.DataFrame, rng: np.random.Generator, *, table_size: int, rounds: int
    ) -> pd.DataFrame:
        from matchmaking.solvers.seating import seat  # lazily: the solver is heavy to import

        extra = dict(options)
        extra.setdefault("params", {"bound_share": 0.0})  # a simulation keeps the seating only: no time on its bound
        if iterations is not None:
            extra["iterations"] = iterations
        tables = len(np.unique(table_layout(len(attendees), table_size)))
        plan = seat(
            attendees, tables=tables, table_size=table_size, rounds=rounds, history=history,
            time_limit=time_limit, seed=int(rng.integers(2**31 - 1)), **extra,
        )
        return plan.assignments[["round", "table", "member"]]

    optimised.__name__ = "optimised"
    return optimised


#: Strategies known by name (``simulate(strategy="novelty")``, ``matchmaking simulate --strategy``).
BUILTIN: dict[str, Callable[[], Strategy]] = {
    "random": lambda: random_seating,
    "homophily": homophily_seating,
    "novelty": lambda: novelty_seating,
    "familiar": lambda: familiar_seating,
    "mingling": mingling_seating,
    "optimised": optimised_seating,
}


def resolve(strategy: str | Strategy) -> tuple[str, Strategy]:
    """``(name, callable)`` for a strategy name or a callable."""
    if callable(strategy):
        return getattr(strategy, "__name__", type(strategy).__name__), strategy
    key = str(strategy).lower().replace("optimized", "optimised")
    if key not in BUILTIN:
        raise InputError(f"unknown strategy {strategy!r}; choose from {sorted(BUILTIN)} or pass a function",
                         column="strategy")
    return key, BUILTIN[key]()
