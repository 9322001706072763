"""Parameter sweeps of the growth model on Dask: strategies x parameters x seeds.

Each run (one strategy, one parameter combination, one replicate) is one Dask task calling
:func:`~matchmaking.research.simulate.run_replicate`, the function :func:`mm.simulate
<matchmaking.research.simulate.simulate>` runs in-process; so a sweep row and the matching
``simulate`` row are bit-identical. By default the sweep starts a
:class:`dask.distributed.LocalCluster` (one single-threaded process per core); pass
``address="tcp://host:8786"`` (or a ``Client``) to use an existing scheduler and go beyond
one machine.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.parallel import dask_client, run_tasks
from matchmaking.research.simulate import GrowthModel, resolve_strategies, run_replicate


def _task(pool: Community, name: str, strategy: Any, model: GrowthModel, seed: int, replicate: int,
          params: dict[str, Any]) -> pd.DataFrame:
    metrics, _ = run_replicate(pool, strategy, model, seed=seed, replicate=replicate, name=name)
    for key, value in params.items():
        metrics[key] = value if not isinstance(value, (list, tuple)) else str(value)
    return metrics


def grid(parameters: Mapping[str, Sequence[Any]] | None) -> list[dict[str, Any]]:
    """Every combination of the parameter lists, in a fixed order.

    Examples
    --------
    >>> grid({"attendance": [0.1, 0.2], "rounds": [1]})
    [{'attendance': 0.1, 'rounds': 1}, {'attendance': 0.2, 'rounds': 1}]
    """
    if not parameters:
        return [{}]
    keys = list(parameters)
    unknown = [k for k in keys if k not in GrowthModel.__dataclass_fields__]
    if unknown:
        raise InputError(f"unknown growth-model parameter(s) {unknown}; see GrowthModel", column=unknown[0])
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(parameters[k] for k in keys))]


def sweep(
    strategies: str | Iterable[Any] | Mapping[str, Any] = ("random", "homophily", "novelty", "optimised"),
    parameters: Mapping[str, Sequence[Any]] | None = None,
    *,
    replicates: int = 10,
    seed: int = 0,
    community: Community | None = None,
    model: GrowthModel | None = None,
    address: str | Any | None = None,
    n_workers: int = 2,
    progress: bool = True,
    **params: Any,
) -> pd.DataFrame:
    """Run the growth model for every strategy x parameter combination x replicate on Dask.

    Parameters
    ----------
    strategies : str, list or dict
        As in :func:`matchmaking.simulate` (names, callables, or name -> strategy).
    parameters : dict of lists, optional
        Growth-model parameters to vary (``{"attendance": [0.1, 0.2]}``); every combination runs.
    replicates : int
        Runs per combination; replicate ``r`` uses the seed ``(seed, r)`` like ``simulate``.
    seed : int
        Base seed (also seeds the synthetic community when none is given).
    community : Community, optional
        The members (default: a synthetic community of ``model.members``).
    model : GrowthModel, optional
        Fixed parameters; any field may also be given as a keyword.
    address : str or distributed.Client, optional
        An existing scheduler (``"tcp://host:8786"``) or client. Default: a temporary
        ``LocalCluster`` of ``n_workers`` single-threaded processes.
    n_workers : int
        Workers of the local cluster.
    progress : bool
        Show a progress bar (tqdm) as runs finish.

    Returns
    -------
    pandas.DataFrame
        The per-event metrics of every run (as :attr:`Simulation.metrics`) plus one column
        per varied parameter, in a fixed order (strategy, parameters, replicate, event),
        whatever order the runs finished in.
    """
    base = replace(model or GrowthModel(), **params).validate()
    combos = grid(parameters)
    models = [replace(base, **combo).validate() for combo in combos]
    if replicates < 1:
        raise InputError(f"replicates must be at least 1, not {replicates}", column="replicates")
    if community is None:
        from matchmaking.datasets import synthetic_community

        community = synthetic_community(base.members, seed=seed)
    named = resolve_strategies(strategies)
    tasks = [
        (name, fn, m, combo, r)
        for name, fn in named
        for m, combo in zip(models, combos, strict=True)
        for r in range(replicates)
    ]
    client, address = (address, None) if address is not None and not isinstance(address, str) else (None, address)
    if client is None and address is None:  # a sweep always runs on Dask: a local cluster by default
        with dask_client(n_workers=n_workers) as client:
            results = run_tasks(_task, [(name, fn, m, seed, r, combo) for name, fn, m, combo, r in tasks],
                                client=client, shared=(community,), progress=progress)
    else:
        results = run_tasks(_task, [(name, fn, m, seed, r, combo) for name, fn, m, combo, r in tasks],
                            client=client, address=address, shared=(community,), progress=progress)
    return pd.concat(results, ignore_index=True)
