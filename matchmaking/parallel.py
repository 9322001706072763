"""Independent tasks on Dask: one place for the cluster, loopback only.

Engines that split their work into independent tasks (cohorts by city block, help squads in
batch, simulation replicates, parameter sweeps) take ``client=`` (a
``dask.distributed.Client``) or ``address=`` (``"tcp://host:8786"``) and hand their tasks to
:func:`run_tasks`. Without either, :func:`dask_client` starts a ``LocalCluster`` bound to
127.0.0.1 (member data stays on this machine) and closes it afterwards.

Examples
--------
>>> run_tasks(pow, [(2, 3), (3, 2)])  # no cluster asked for: runs in this process
[8, 9]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from matchmaking.errors import InputError


@contextmanager
def dask_client(client: Any = None, address: str | None = None, *, n_workers: int = 2) -> Iterator[Any]:
    """A Dask client: the one given, one connected to ``address``, or a local cluster on loopback.

    Raises
    ------
    InputError
        Dask is not installed, the scheduler cannot be reached, or no loopback interface
        is available for a local cluster.
    """
    if client is not None:
        yield client
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is a dependency of the research extra
        raise InputError("Dask is not installed: pip install 'matchmaking[research]'", column="client") from None
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
        raise InputError(f"n_workers must be a whole number >= 1, not {n_workers!r}", column="n_workers")
    cluster = None
    try:
        if address is not None:
            own = Client(address, timeout="10s")
        else:
            cluster = LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True, silence_logs=40,
                host="127.0.0.1", dashboard_address="127.0.0.1:0",  # loopback only
            )
            own = Client(cluster)
    except (OSError, TimeoutError, RuntimeError) as exc:  # distributed wraps a failed bind in RuntimeError
        where = f"the Dask scheduler at {address}" if address else "a local Dask cluster on 127.0.0.1"
        hint = "" if address else (" (is the loopback interface up? member data stays on this machine, so the "
                                   "local cluster listens on 127.0.0.1 only; or run without Dask)")
        raise InputError(f"could not start or reach {where}: {exc}{hint}", column="address") from None
    try:
        yield own
    finally:
        own.close()
        if cluster is not None:
            cluster.close()


def run_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[tuple],
    *,
    client: Any = None,
    address: str | None = None,
    n_workers: int = 2,
    shared: Sequence[Any] = (),
    progress: bool = False,
    on_result: Callable[[int, Any], object] | None = None,
) -> list[Any]:
    """``[fn(*shared, *task) for task in tasks]``, on Dask when a client or address is given.

    Parameters
    ----------
    fn : callable
        A picklable, top-level function.
    tasks : sequence of tuple
        The arguments of each call.
    client, address : optional
        Where to run (see :func:`dask_client`); neither: in this process, in order.
    shared : sequence
        Leading arguments common to every task (scattered once to the workers).
    progress : bool
        A tqdm progress bar over finished tasks.
    on_result : callable, optional
        ``on_result(index, result)`` as each task finishes; returning ``False`` cancels the
        tasks not yet finished (their results stay None).

    Returns
    -------
    list
        The results, in the order of ``tasks``.
    """
    results: list[Any] = [None] * len(tasks)
    if client is None and address is None:
        for k, task in enumerate(tasks):
            results[k] = fn(*shared, *task)
            if on_result is not None and on_result(k, results[k]) is False:
                break
        return results
    from dask.distributed import as_completed

    with dask_client(client, address, n_workers=n_workers) as dc:
        common = [dc.scatter(x, broadcast=True) for x in shared]
        futures = [dc.submit(fn, *common, *task, pure=False) for task in tasks]
        index = {f.key: k for k, f in enumerate(futures)}
        done: Any = as_completed(futures)
        if progress:
            from tqdm.auto import tqdm

            done = tqdm(done, total=len(futures), desc="tasks", unit="task")
        for future in done:
            k = index[future.key]
            results[k] = future.result()
            if on_result is not None and on_result(k, results[k]) is False:
                for f in futures:
                    f.cancel()
                break
    return results
