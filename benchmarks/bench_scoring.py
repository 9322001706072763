"""Benchmark: affinity scoring speed and memory, 1,000 to 100,000 synthetic members.

Methods:
- ``top_pairs(k=10)``: every member's 10 best partners, row block by row block (ours; an all-pairs
  scan, so run up to 10,000 members: beyond, score within blocks such as a city);
- ``score 1M pairs``: one million random pairs scored term by term (ours);
- ``matrix()``: the whole sparse matrix (fine up to ~10,000; memory grows with density);
- ``python loop``: the textbook per-pair loop over label sets, on 20,000 pairs (rate extrapolated to the
  pairs ``top_pairs`` looks at, i.e. all n(n-1)/2), the honest naive baseline.

Run: ``python benchmarks/bench_scoring.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import measure, print_table  # noqa: E402

import matchmaking as mm  # noqa: E402


def python_loop(community: mm.Community, a: list[str], b: list[str]) -> list[float]:
    m = community.members
    offers = {i: set(v) for i, v in m["offers"].items()}
    needs = {i: set(v) for i, v in m["needs"].items()}
    goals = {i: set(v) for i, v in m["goals"].items()}
    city = m["city"].to_dict()
    return [
        len(offers[x] & needs[y]) + len(offers[y] & needs[x]) + 0.5 * len(goals[x] & goals[y]) + 0.5 * (city[x] == city[y])
        for x, y in zip(a, b, strict=True)
    ]


def main(quick: bool = False) -> None:
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    rows = []
    for n in sizes:
        community, t_build, mem_build = measure(lambda n=n: mm.datasets.synthetic_community(n, seed=1))
        name = f"{n:,} members"
        rows.append({"instance": name, "method": "load+normalise", "time_s": t_build, "peak_mb": mem_build, "pairs": n})
        aff = mm.affinity(community, goals=0.5, similar={"city": 0.5})
        if n <= 20_000:  # an all-pairs scan: at 100,000 members, block by city first
            top, t, mem = measure(lambda aff=aff: aff.top_pairs(10))
            rows.append({"instance": name, "method": "top_pairs(k=10)", "time_s": t, "peak_mb": mem,
                         "pairs": n * (n - 1) // 2, "pairs_per_s": n * (n - 1) / 2 / t})
        rng = np.random.default_rng(0)
        ids = np.asarray(community.ids)
        k = 200_000 if quick else 1_000_000
        ia = rng.integers(n, size=k)
        ib = (ia + rng.integers(1, n, size=k)) % n  # never a member with themself
        a, b = ids[ia].tolist(), ids[ib].tolist()
        scored, t, mem = measure(lambda aff=aff, a=a, b=b: aff.score(a, b))
        rows.append({"instance": name, "method": f"score {k:,} pairs", "time_s": t, "peak_mb": mem,
                     "pairs": k, "pairs_per_s": k / t})
        m = 20_000
        ref, t, mem = measure(lambda community=community, a=a[:m], b=b[:m]: python_loop(community, a, b))
        assert np.allclose(ref, scored["total"].to_numpy()[:m]), "the loop and the vectorised score disagree"
        rate = m / t
        rows.append({"instance": name, "method": "python loop (all pairs, extrapolated)",
                     "time_s": n * (n - 1) / 2 / rate, "peak_mb": mem, "pairs": n * (n - 1) // 2, "pairs_per_s": rate})
        if n <= 10_000:
            mat, t, mem = measure(lambda aff=aff: aff.matrix())
            rows.append({"instance": name, "method": "matrix() (full sparse)", "time_s": t, "peak_mb": mem,
                         "pairs": mat.nnz // 2, "pairs_per_s": n * (n - 1) / 2 / t})
    print_table(rows, extra=["pairs", "pairs_per_s"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 members only")
    main(parser.parse_args().quick)
