"""Benchmark: cohorts of 8-12 by city, sectors spread, gender protected, one lead each.

Compares ``mm.form_cohorts`` with honest baselines on the same instance and the same
objective (the shared ``Objective`` of kind ``cohorts``: pair affinity, needs covered,
sectors spread), every plan checked by the independent checker
(:func:`matchmaking.solvers.cohorts.check_cohorts`: sizes, protect, leaders):

* ``random``: random balanced groups of the allowed sizes (no attribute);
* ``greedy-attr``: per city, members sorted by sector dealt round robin (balanced sizes);
* ``louvain+repair``: networkx Louvain on each member's 15 best affinities, then size repair;
* ``metis+repair``: METIS (pymetis) balanced partition of the same graph, then size repair.

Usage: ``python benchmarks/bench_cohorts.py [--members 10000] [--time-limit 60] [--seed 0] [--quick]
[--dask [--dask-workers 2]] [--baselines auto|all|none]``. ``--dask`` also solves the blocks as Dask
tasks on a loopback ``LocalCluster`` (peak memory then counts the workers too). Timings on a shared
2-core machine are pessimistic; memory is the peak RSS growth (see ``harness``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import gap, measure, print_table  # noqa: E402

import matchmaking as mm  # noqa: E402
from matchmaking.solvers.cohorts import check_cohorts  # noqa: E402

LO, HI = 8, 12
RULES = dict(size=f"{LO}-{HI}", similar=["city"], spread=["sector"], protect=["gender"], leaders="role=lead")


def instance(n: int, seed: int) -> mm.Community:
    """9 cities, one with a third of the members; 10% leads; a 2% gender minority."""
    return mm.datasets.synthetic_community(n, seed=seed, big_city_share=1 / 3, lead_share=0.1, minority_share=0.02)


def _chunks(members: list[str], k: int) -> list[list[str]]:
    return [list(part) for part in np.array_split(np.asarray(members, dtype=object), k) if len(part)]


def random_groups(c: mm.Community, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = list(rng.permutation(c.ids))
    return _frame(_chunks(ids, -(-len(ids) // HI)))


def greedy_by_attribute(c: mm.Community, seed: int) -> pd.DataFrame:
    groups = []
    for _, frame in c.members.groupby("city", sort=True):
        ids = frame.sort_values(["sector", "seniority"]).index.tolist()
        k = max(1, -(-len(ids) // HI)) if len(ids) >= LO else 1
        dealt: list[list[str]] = [[] for _ in range(k)]
        for r, m in enumerate(ids):
            dealt[r % k].append(m)
        groups += dealt
    return _frame(groups)


def knn_graph(c: mm.Community, k: int = 15) -> nx.Graph:
    aff = mm.affinity(c)
    top = aff.top_pairs(k)
    g = nx.Graph()
    g.add_nodes_from(c.ids)
    g.add_weighted_edges_from(zip(top["a"], top["b"], top["score"], strict=True))
    return g


def louvain_repair(c: mm.Community, seed: int) -> pd.DataFrame:
    g = knn_graph(c)
    parts = nx.community.louvain_communities(g, weight="weight", seed=seed)
    return _frame(size_repair([sorted(p) for p in parts], g))


def metis_repair(c: mm.Community, seed: int) -> pd.DataFrame:
    import pymetis

    g = knn_graph(c)
    ids = c.ids
    pos = {m: i for i, m in enumerate(ids)}
    adj, xadj, w = [], [0], []
    for m in ids:
        for nb, data in g[m].items():
            adj.append(pos[nb])
            w.append(max(1, int(round(10 * data["weight"]))))
        xadj.append(len(adj))
    k = -(-len(ids) // 10)
    opts = pymetis.Options(seed=seed)
    csr = pymetis.CSRAdjacency(xadj, adj) if hasattr(pymetis, "CSRAdjacency") else None
    if csr is not None:
        _, labels = pymetis.part_graph(k, adjacency=csr, eweights=w, options=opts)
    else:  # pragma: no cover - older pymetis
        _, labels = pymetis.part_graph(k, xadj=xadj, adjncy=adj, eweights=w, options=opts)
    parts: dict[int, list[str]] = {}
    for m, lab in zip(ids, labels, strict=True):
        parts.setdefault(lab, []).append(m)
    return _frame(size_repair(list(parts.values()), g))


def size_repair(groups: list[list[str]], g: nx.Graph) -> list[list[str]]:
    """Split groups above the maximum, then dissolve groups below the minimum into groups with room
    (strongest tie first), and cut what is left into new groups."""
    out: list[list[str]] = []
    for grp in groups:
        if len(grp) > HI:
            out += _chunks(grp, -(-len(grp) // HI))
        else:
            out.append(list(grp))
    ok = [grp for grp in out if len(grp) >= LO]
    loose = [m for grp in out if len(grp) < LO for m in grp]
    where = {m: r for r, grp in enumerate(ok) for m in grp}
    left = []
    for m in loose:
        ties: dict[int, float] = {}
        for nb, data in g[m].items():
            r = where.get(nb)
            if r is not None and len(ok[r]) < HI:
                ties[r] = ties.get(r, 0.0) + data["weight"]
        if not ties:
            room = [r for r, grp in enumerate(ok) if len(grp) < HI]
            if not room:
                left.append(m)
                continue
            ties = {room[0]: 0.0}
        r = max(ties, key=ties.get)  # type: ignore[arg-type]
        ok[r].append(m)
        where[m] = r
    if left:
        ok += _chunks(left, max(1, -(-len(left) // HI)))
    return ok


def _frame(groups: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame([(r + 1, m) for r, grp in enumerate(groups) for m in grp], columns=["cohort", "member"])


def greedy_squads(c: mm.Community, askers: list[str], k: int) -> pd.DataFrame:
    """Baseline: per asker in turn, helpers who cover the most uncovered needs (first by id), each used once."""
    used = set(askers)
    offers = {m: set(o) for m, o in zip(c.ids, c.members["offers"], strict=True)}
    rows = []
    for s, asker in enumerate(askers, start=1):
        left = set(c.members.at[asker, "needs"])
        for _ in range(k):
            best = max((m for m in c.ids if m not in used), key=lambda m: len(left & offers[m]), default=None)
            if best is None:
                break
            used.add(best)
            left -= offers[best]
            rows.append({"squad": s, "member": best})
    return pd.DataFrame(rows)


def squad_rows(c: mm.Community, name: str, seed: int, n_problems: int = 20, k: int = 15,
               time_limit: float = 30.0) -> list[dict]:
    """Batch of help squads: exact CP-SAT against the greedy baseline, scored with the same objective."""
    askers = c.ids[:n_problems]
    plan, secs, mb = measure(lambda: mm.help_squad(c, askers, k=k, seed=seed, time_limit=time_limit))
    base, bsecs, bmb = measure(lambda: greedy_squads(c, askers, k))
    spread = ["sector"]

    def score(frame: pd.DataFrame) -> tuple[float, int]:
        total, covered = 0.0, 0
        for s, asker in enumerate(askers, start=1):
            helpers = frame.loc[frame["squad"] == s, "member"].tolist()
            needs = set(c.members.at[asker, "needs"])
            offers = {x for h in helpers for x in c.members.at[h, "offers"]}
            cov = len(needs & offers)
            relevant = sum(bool(needs & set(c.members.at[h, "offers"])) for h in helpers)
            diverse = sum(c.members.loc[helpers, a].nunique() for a in spread) if helpers else 0
            total += 100 * cov + diverse + relevant + len(helpers)  # every helper is a new contact here
            covered += cov
        return total, covered

    ours = plan.extras["squads"].query("role == 'helper'")
    total_needs = int(plan.breakdown["needs_total"])
    rows = []
    for method, frame, t, m, b in (("help_squad (cp-sat)", ours, secs, mb, plan.bound),
                                   ("greedy cover", base, bsecs, bmb, plan.bound)):
        value, covered = score(frame)
        rows.append({"instance": f"{name} squads {n_problems}x{k}", "method": method, "objective": value,
                     "bound": b, "gap": gap(value, b), "time_s": t, "peak_mb": m,
                     "needs_covered": covered, "needs_total": total_needs, "squads": n_problems})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", "--n", dest="n", type=int, default=10_000, help="community size (default 10,000)")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="1,000 members, 5 s limits (a smoke run)")
    parser.add_argument("--dask", action="store_true",
                        help="also solve the blocks as Dask tasks on a LocalCluster (loopback, --dask-workers processes)")
    parser.add_argument("--dask-workers", type=int, default=2)
    parser.add_argument("--baselines", choices=["auto", "all", "none"], default="auto",
                        help="auto: the graph baselines (Louvain, METIS) up to 20,000 members only")
    args = parser.parse_args()
    if args.quick:
        args.n, args.time_limit = 1000, 5.0
    c = instance(args.n, args.seed)
    name = f"synthetic-{args.n}"
    rows = []
    plan, secs, mb = measure(lambda: mm.form_cohorts(c, seed=args.seed, time_limit=args.time_limit, **RULES))
    objective = plan.objective_fn
    bound = plan.bound

    def row(method: str, assignments: pd.DataFrame, value: float, seconds: float, peak: float,
            b: float = float("nan")) -> dict:
        violations = check_cohorts(assignments, c, size=RULES["size"], protect=RULES["protect"],
                                   leaders=RULES["leaders"], similar=RULES["similar"])
        cities = assignments.merge(c.members[["city"]], left_on="member", right_index=True)
        mixed = int((cities.groupby("cohort")["city"].nunique() > 1).sum())
        return {"instance": name, "method": method, "objective": value, "bound": b, "gap": gap(value, b),
                "time_s": seconds, "peak_mb": peak, "violations": len(violations), "mixed_city": mixed,
                "cohorts": int(assignments["cohort"].nunique()), "limit_s": args.time_limit}

    rows.append(row("form_cohorts", plan.assignments, plan.objective, secs, mb, bound))
    plans = [("form_cohorts", plan)]
    if args.dask:
        from matchmaking.parallel import dask_client

        t0 = time.perf_counter()
        with dask_client(n_workers=args.dask_workers) as client:
            started = time.perf_counter() - t0
            there, secs, mb = measure(lambda: mm.form_cohorts(c, seed=args.seed, time_limit=args.time_limit,
                                                              client=client, **RULES), children=True)
        method = f"form_cohorts (Dask, {args.dask_workers} workers)"
        rows.append(row(method, there.assignments, there.objective, secs, mb, there.bound))
        plans.append((method + f"; cluster start {started:.1f}s, not counted", there))
    heavy = args.baselines == "all" or (args.baselines == "auto" and args.n <= 20_000)
    baselines = [] if args.baselines == "none" else [("random", random_groups), ("greedy-attr", greedy_by_attribute)]
    if heavy:
        baselines += [("louvain+repair", louvain_repair), ("metis+repair", metis_repair)]
    for method, fn in baselines:
        assignments, secs, mb = measure(lambda fn=fn: fn(c, args.seed))
        value = objective.evaluate(assignments, "cohorts")["total"]
        rows.append(row(method, assignments, value, secs, mb, bound))
    print(f"{name}: 9 cities (one third in the first), 10% leads, 2% gender minority; "
          f"rules {RULES}; bound = form_cohorts' proven bound (plans inside city blocks); time limit "
          f"{args.time_limit:g}s; peak_mb = RSS growth (with Dask: this process and the workers)")
    print_table(rows, extra=["violations", "mixed_city", "cohorts", "limit_s"])
    if args.n <= 20_000:
        print("\nhelp squads (objective = the help_squad objective: 100 per need covered, then diversity, "
              "relevance, new contacts)")
        print_table(squad_rows(c, name, args.seed, time_limit=5.0 if args.quick else 30.0),
                    extra=["needs_covered", "needs_total", "squads"])
    for method, p in plans:
        print(f"notes ({method}):", *[n for n in p.notes if "not searched" not in n][:12], sep="\n  ")


if __name__ == "__main__":
    main()
