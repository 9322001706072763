"""A batch of help squads on Dask: parts of the batch, each with its own share of the helpers.

The problems of a batch share their helpers (each helper joins at most one squad), so the
batch is one model. To spread it over a cluster it is cut into parts (as many as the cluster
has threads): the problems are dealt to the parts in turn, and so are the eligible helpers, type
by type, so that every part gets its share of every kind of helper. Each part is one Dask task
(:func:`part_task`, the plain :func:`~matchmaking.solvers.squads.help_squad` on its problems and
helpers); the driver only renumbers the squads. Cutting the helpers may cost some quality, and
the proven bound is then each term at its most, for the whole batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from matchmaking.model.community import Community
from matchmaking.parallel import dask_client, run_tasks
from matchmaking.plans.plan import Plan
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.control import Monitor
from matchmaking.solvers.squads.model import SquadModel, cap_bound
from matchmaking.solvers.squads.problems import Problem, member_loads, met_sets, squad_sizes, value


def part_task(community: Community, problems: dict[str, list[str]], exclude: list[str], seconds: float,
              settings: dict) -> tuple[pd.DataFrame, dict, list[str]]:
    """One part of a batch (a Dask task): its squads table, uncovered needs and notes."""
    from matchmaking.solvers.squads import help_squad

    plan = help_squad(community, problems, exclude=exclude, time_limit=max(seconds, 0.1), **settings)
    return plan.extras["squads"], plan.extras["uncovered"], plan.notes


def on_dask(community: Community, specs: list[Problem], req: Requests, monitor: Monitor, *, client: Any,
            address: str | None, seed: int, k: int, spread: list[str], history: object,
            load: Mapping[str, float] | None, load_cap: float | None, since: str | None, workers: int) -> Plan:
    """:func:`~matchmaking.solvers.squads.help_squad` of a batch, its parts solved as Dask tasks."""
    from matchmaking.solvers.squads import _plan

    monitor.report("start", force=True)
    loads = member_loads(history, load, since)
    askers = {a for _, a, _ in specs if a is not None}
    not_helping = {m: "they ask for help" for m in askers}
    not_helping.update({m: "they are excluded" for m in req.exclude if m not in askers})
    if load_cap is not None:
        not_helping.update({m: f"their load is at or above the cap of {load_cap:g}" for m in community.ids
                            if m not in not_helping and loads.get(m, 0.0) >= load_cap})
    eligible = [m for m in community.ids if m not in not_helping]
    needs_all = sorted({s for _, _, needs in specs for s in needs})
    people = community.members
    met = met_sets(community, history, [a for _, a, _ in specs])
    with dask_client(client, address) as dc:
        slots = max(sum(w.get("nthreads", 1) for w in dc.scheduler_info()["workers"].values()), 1)
        parts = min(len(specs), slots)
        if req.together or req.apart or req.pins:
            parts = 1  # requests tie members across parts: one part keeps them exact
        # helpers dealt to the parts in turn, in the order of their type (skills, spread values)
        order = sorted(eligible, key=lambda m: (tuple(sorted(set(people.at[m, "offers"]).intersection(needs_all))),
                                                tuple(str(value(people.at[m, a])) for a in spread), m))
        share = {m: r % parts for r, m in enumerate(order)}
        tasks, index = [], []
        for part in range(parts):
            mine = [p for p in range(len(specs)) if p % parts == part]
            others = [m for m, s in share.items() if s != part]
            settings = {"k": k, "spread": spread, "history": history, "load": load, "load_cap": load_cap,
                        "since": since, "seed": seed + part, "workers": workers,
                        "requests": Requests(together=req.together, apart=req.apart, pins=req.pins)}
            tasks.append((community, {specs[p][0]: specs[p][2] for p in mine}, sorted(set(others) | set(req.exclude)),
                          monitor.remaining(), settings))
            index.append(mine)
        done = run_tasks(part_task, tasks, client=dc, on_result=lambda i, _r: monitor.report(
            f"part {i + 1}/{parts}", force=True))
    frames, uncovered, notes = [], {}, []
    for mine, result in zip(index, done, strict=True):
        if result is None:
            continue
        squads, missing, part_notes = result
        renumber = {r + 1: p + 1 for r, p in enumerate(mine)}
        frames.append(squads.assign(squad=squads["squad"].map(renumber)))
        uncovered.update(missing)
        notes += [n for n in part_notes if not n.startswith("stopped")]
    squads = pd.concat(frames, ignore_index=True).sort_values(["squad", "role"], kind="stable").reset_index(drop=True)
    sizes = squad_sizes(len(eligible), k, len(specs))
    sigs = sorted({(tuple(sorted(set(people.at[m, "offers"]).intersection(needs_all))),
                    tuple(value(people.at[m, a]) for a in spread), (), "") for m in eligible})
    bound = cap_bound(SquadModel(specs, sigs, {}, sizes, len(spread)), uncovered)
    notes.append(f"batch solved in {parts} part(s) on Dask, each with its share of the helpers; the bound is "
                 "each term at its most")
    return _plan(community, squads, specs, req, history, spread, met, k, not_helping, notes, monitor, bound=bound,
                 proven=False, method=f"cp-sat (helper types), {parts} Dask part(s)",
                 extras={"uncovered": uncovered, "eligible": len(eligible), "loads": loads, "parts": parts})
