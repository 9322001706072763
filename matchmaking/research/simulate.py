"""An agent-based model of a community's network growing through the events it organizes.

Over a series of events:

1. **members join** following a growth curve (logistic by default) in the order of their
   ``joined`` date;
2. each active member **attends** with probability ``attendance``;
3. a **strategy** seats the attendees at tables for a few rounds (see
   :mod:`matchmaking.research.strategies`);
4. two people at the same table **form a tie** with probability
   ``1 - exp(-tie_rate * (1 + affinity_effect * affinity) * s_a * s_b * shared_rounds)``: it
   rises with shared time, with both people's sociability ``s`` and with their affinity (:func:`matchmaking.affinity`: complementary skills,
   shared goals, same city/sector); a tie's weight is its shared rounds, and meeting again
   reinforces it;
5. ties **fade** without contact (weight x ``1 - fade`` per event, dropped below
   ``min_weight``);
6. members **leave** with a probability that falls from ``leave_isolated`` (no tie) to
   ``leave`` (``k`` ties or more).

After each event the tie graph of active members is measured
(:func:`~matchmaking.research.metrics.network_metrics`). Everything random comes from
``numpy`` generators seeded by ``(seed, replicate)``: the same seed gives the same result,
bit for bit (the ``optimised`` strategy too, as far as the solver is deterministic under its
time limit).

The code: :mod:`.growth` (the parameters :class:`GrowthModel`), :mod:`.replicate` (one run,
:func:`run_replicate`), :mod:`.results` (:class:`Simulation`, :func:`plot_curves`); this module
runs the strategies and replicates, in process or on Dask, and keeps their names importable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.parallel import run_tasks
from matchmaking.research.growth import (
    MAX_EVENTS,
    MAX_MEMBERS,
    MAX_ROUNDS,
    MAX_TABLE_SIZE,
    METRICS,
    GrowthModel,
    growth_curve,
)
from matchmaking.research.replicate import affinity_scores, run_replicate
from matchmaking.research.results import Simulation, plot_curves
from matchmaking.research.strategies import Strategy, resolve
from matchmaking.solvers.control import Progress, check_seed

__all__ = ["MAX_EVENTS", "MAX_MEMBERS", "MAX_ROUNDS", "MAX_TABLE_SIZE", "METRICS", "GrowthModel", "Simulation",
           "affinity_scores", "growth_curve", "plot_curves", "resolve_strategies", "run_replicate", "simulate"]


def _remote_replicate(pool: Community, model: GrowthModel, seed: int, schedule: pd.DataFrame | None,
                      strategy: Strategy, replicate: int, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One replicate as a Dask task (the same call as in-process, so the same result)."""
    return run_replicate(pool, strategy, model, seed=seed, replicate=replicate, name=name, schedule=schedule)


def resolve_strategies(strategy: object) -> list[tuple[str, Strategy]]:
    """``(name, strategy)`` for a name, a callable, a list or a dict name -> strategy."""
    if isinstance(strategy, Mapping):
        return [(str(k), resolve(v)[1]) for k, v in strategy.items()]
    if isinstance(strategy, str) or callable(strategy):
        return [resolve(strategy)]
    out = [resolve(s) for s in strategy]  # a list of names / callables
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise InputError(f"strategy names must be distinct, got {names}; pass a dict name -> strategy", column="strategy")
    return out


def simulate(
    community: Community | None = None,
    strategy: str | Strategy | Iterable[str | Strategy] | Mapping[str, str | Strategy] = "random",
    *,
    model: GrowthModel | None = None,
    replicates: int = 1,
    seed: int = 0,
    progress: bool = False,
    callback: Callable[[Progress], Any] | None = None,
    schedule: pd.DataFrame | None = None,
    client: Any = None,
    address: str | None = None,
    **params: Any,
) -> Simulation:
    """Simulate a community's network growing over a series of events, for one or more strategies.

    Parameters
    ----------
    community : Community, optional
        The people who will join (in the order of their ``joined`` column when present).
        Default: :func:`~matchmaking.datasets.synthetic_community` of ``members`` people
        (seeded by ``seed``).
    strategy : str, callable, list or dict
        ``"random"``, ``"homophily"``, ``"novelty"``, ``"optimised"`` (:func:`matchmaking.seat`),
        any callable ``f(attendees, history, rng, *, table_size, rounds) -> DataFrame
        round,table,member``, or a list / dict (name -> strategy) of them to compare.
    model : GrowthModel, optional
        The parameters; any field may also be given as a keyword (``events=10``).
    replicates : int
        Independent runs per strategy (seeds ``(seed, 0)``, ``(seed, 1)`` ...).
    seed : int
        Base seed: the same seed gives the same result, bit for bit.
    progress : bool
        Show a progress bar (tqdm) over runs.
    callback : callable, optional
        Called with a :class:`~matchmaking.solvers.control.Progress` after each event, whose
        ``details`` are that event's metrics; returning ``False`` stops that run after this
        event (e.g. once the giant component covers 90% of members). In-process runs only.
    schedule : DataFrame, optional
        Real attendance ``event, member`` to replay instead of the growth curve and the
        attendance draw (e.g. :func:`~matchmaking.datasets.davis_southern_women`): members
        join at their first event; events run in natural order of their names.
    client, address : optional
        Run the replicates as Dask tasks (a ``dask.distributed.Client``, or a scheduler
        address); the result is bit-identical to the in-process run.
    **params
        Fields of :class:`GrowthModel`.

    Returns
    -------
    Simulation
        ``.metrics`` (one row per strategy, replicate and event), ``.ties``, ``.summary()``
        (means and confidence intervals), ``.plot()``.

    Examples
    --------
    >>> import matchmaking as mm
    >>> sim = mm.simulate(strategy=["random", "novelty"], members=120, events=4, attendance=0.5, seed=1)
    >>> sim.metrics.groupby("strategy")["event"].max().to_dict()
    {'novelty': 4, 'random': 4}
    >>> sim.metrics.equals(mm.simulate(strategy=["random", "novelty"], members=120, events=4,
    ...                                attendance=0.5, seed=1).metrics)  # same seed, same result
    True
    """
    if schedule is not None and "event" in schedule:
        params = {"events": int(schedule["event"].nunique())} | params
    model = replace(model or GrowthModel(), **params).validate()
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise InputError(f"replicates must be a whole number >= 1, not {replicates!r}", column="replicates")
    seed = check_seed(seed)
    if community is None:
        from matchmaking.datasets import synthetic_community

        community = synthetic_community(model.members, seed=seed)
    if len(community) < 2:
        raise InputError(f"a simulation needs at least 2 members, not {len(community)}", file=community.source)
    runs = [(name, fn, r) for name, fn in resolve_strategies(strategy) for r in range(replicates)]
    if client is not None or address is not None:
        if callback is not None:
            raise InputError("callback= runs in this process only; drop it to run on Dask", column="callback")
        done = run_tasks(_remote_replicate, [(fn, r, name) for name, fn, r in runs], client=client,
                         address=address, shared=(community, model, seed, schedule), progress=progress)
    else:
        scores = affinity_scores(community, model)
        iterator: Iterable = runs
        if progress:
            from tqdm.auto import tqdm

            iterator = tqdm(runs, desc="simulate", unit="run")
        done = [run_replicate(community, fn, model, seed=seed, replicate=r, name=name, scores=scores,
                              callback=callback, schedule=schedule) for name, fn, r in iterator]
    metrics = [m for m, _ in done]
    ties = [t for _, t in done]
    if schedule is not None:
        model = replace(model, events=int(metrics[0]["event"].max()))
    return Simulation(
        metrics=pd.concat(metrics, ignore_index=True), ties=pd.concat(ties, ignore_index=True), model=model, seed=seed
    )
