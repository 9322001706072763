"""Issue 14: which symmetric structures of 8-4-10 exist? CP-SAT statuses from ``solve_orbital``.

8-4-10 (32 golfers, 8 tables of 4, 10 rounds, nobody meets twice) leaves every golfer one
missed partner, so the missed pairs are a perfect matching (the mates) and every other pair
meets exactly once. Each structure below imposes a group on the points and rounds (and a
matching invariant under it); ``INFEASIBLE`` is a proof that no 8-4-10 has that symmetry,
``UNKNOWN`` means undecided in the effort. (8-4-10 itself is found by the structures of
``matchmaking.solvers.seating.layered``: translations of ``Z_8 x Z_2`` or ``Z_4 x Z_4`` with the
mates in one layer; the cases below, whose mates join the two layers, stay as the record of
what is impossible.) Run pinned, one worker:

    taskset -c 1 python benchmarks/golfer_structures.py                 # every structure, 10 s each
    taskset -c 1 python benchmarks/golfer_structures.py --only Z5 --effort 60
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator

import numpy as np

from matchmaking.solvers.seating.designs import galois_field
from matchmaking.solvers.seating.layered import AbelianGroup
from matchmaking.solvers.seating.orbital import cyclic_generator, solve_orbital

Gens = list[tuple[np.ndarray, np.ndarray]]

N, S, R = 32, 4, 10
LAYER_MATES = [(p + 16) % 32 for p in range(32)]  # (x, 0) <-> (x, 1), point x + 16 i


def _lam(m: int, x: int) -> int:
    """The GF(2)-linear functional ``x -> <m, x>`` on 4-bit vectors (its kernel: a hyperplane)."""
    return bin(m & x).count("1") & 1


def _gf16_power(mul: np.ndarray, w: int, e: int) -> int:
    x = 1
    for _ in range(e):
        x = int(mul[x, w])
    return x


def gf16_multiplier(order: int) -> Iterator[tuple[str, Gens, list[int]]]:
    """GF(16) x {0, 1} under translations and multiplication by ``w`` of ``order`` 5 or 3.

    Order 5: one round orbit of 10, round ``(i, c) = w^i (R_0 + c u)``, ``R_0`` fixed by the
    translations of a hyperplane ``H = ker <m, .>``. Order 3: an orbit of 6 built the same way
    and one of 4, ``B_c = B_0 + c`` over the cosets of GF(4), ``B_0`` fixed by ``w``.
    """
    add, mul = galois_field(16)
    w = next(a for a in range(2, 16) if _gf16_power(mul, a, order) == 1)
    k = 5 if order == 5 else 3
    gf4 = sorted({0, 1, int(mul[w, 1]), int(mul[w, w])}) if order == 3 else []
    cosets = sorted({min(c ^ y for y in gf4) for c in range(16)}) if gf4 else []
    coset = {c: cosets.index(min(c ^ y for y in gf4)) for c in range(16)} if gf4 else {}
    for m in range(1, 16):
        gens: Gens = []
        for t in (1, 2, 4, 8):
            pts = np.asarray([(p & 16) | (int(add[p & 15, t])) for p in range(N)])
            rds = [2 * i + (c ^ _lam(m, int(mul[_gf16_power(mul, w, (k - i) % k), t]))) for i in range(k) for c in range(2)]
            rds += [2 * k + coset[c ^ t] for c in cosets]
            gens.append((pts, np.asarray(rds)))
        pts = np.asarray([(p & 16) | int(mul[p & 15, w]) for p in range(N)])
        rds = [2 * ((i + 1) % k) + c for i in range(k) for c in range(2)] + [2 * k + coset[int(mul[w, c])] for c in cosets]
        gens.append((pts, np.asarray(rds)))
        yield f"GF16 x w{order}, H=ker<{m},.>", gens, LAYER_MATES


def z15() -> Iterator[tuple[str, Gens, list[int]]]:
    """Z_15 x {0, 1} + two fixed points, rounds in two orbits of 5, optionally a multiplier ``x -> m x``
    fixing or swapping the two round orbits."""
    mates = [(a + 15) % 30 if a < 30 else 61 - a for a in range(N)]
    shift = cyclic_generator([15, 15, 1, 1], [5, 5])
    yield "Z15 15+15+1+1, rounds 5+5", [shift], mates
    for m in (2, 4, 7, 8, 11, 13, 14):
        for swap in (False, True):
            pts = np.asarray([(m * x) % 15 + 15 * i for i in range(2) for x in range(15)] + [30, 31])
            rds = np.asarray([5 * ((1 - j) if swap else j) + (m * g) % 5 for j in range(2) for g in range(5)])
            yield f"Z15 x{m} {'swap' if swap else 'fix'}", [shift, (pts, rds)], mates


def translations(mods: tuple[int, ...], stabilizers: list[list[tuple[int, ...]]], name: str
                 ) -> tuple[str, Gens, list[int]]:
    """An abelian group of order 16 translating both layers; one round orbit per stabilizer (given by
    generators); mates across the layers. The group and its action are those of
    :mod:`matchmaking.solvers.seating.layered` (whose mates lie within a layer)."""
    group = AbelianGroup(mods)
    combo = [group.closure(tuple(gen)) for gen in stabilizers]
    gens, _ = group.generators(combo, group.zero)
    if len(gens[0][1]) != R:
        raise ValueError(f"{name}: {len(gens[0][1])} rounds")
    return f"{'x'.join(map(str, mods))} translations, {name}", gens, LAYER_MATES


def translation_cases() -> Iterator[tuple[str, Gens, list[int]]]:
    yield translations((2, 2, 2, 2), [[(1, 0, 0, 0)], [(1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0)]], "8+2, s in H")
    yield translations((2, 2, 2, 2), [[(0, 0, 0, 1)], [(1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0)]], "8+2, s not in H")
    yield translations((2, 2, 2, 2), [[(1, 0, 0, 0), (0, 1, 0, 0)], [(0, 0, 1, 0), (0, 0, 0, 1)],
                                      [(1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0)]], "4+4+2")
    yield translations((16,), [[(8,)], [(2,)]], "8+2")
    yield translations((16,), [[(4,)], [(4,)], [(2,)]], "4+4+2")
    yield translations((8, 2), [[(4, 0)], [(2, 0), (0, 1)]], "8+2")
    yield translations((4, 4), [[(2, 0)], [(1, 1), (0, 2)]], "8+2")


def cyclic_cases() -> Iterator[tuple[str, Gens, list[int]]]:
    """One permutation: cycles paired into mates (same index; a cycle paired with itself: half a turn)."""
    cases = {
        "Z7 7x4+1x4, rounds 7+1+1+1": ([7] * 4 + [1] * 4, [(0, 1), (2, 3), (4, 5), (6, 7)], [7, 1, 1, 1]),
        "Z10 10x3+1x2, rounds 10": ([10] * 3 + [1] * 2, [(0, 0), (1, 2), (3, 4)], [10]),
        "Z10 10x3+1x2, rounds 5+5": ([10] * 3 + [1] * 2, [(0, 0), (1, 2), (3, 4)], [5, 5]),
        "Z6 6x5+1x2, rounds 6+2+2": ([6] * 5 + [1] * 2, [(0, 0), (1, 2), (3, 4), (5, 6)], [6, 2, 2]),
        "Z5 5x6+1x2, rounds 5+1x5": ([5] * 6 + [1] * 2, [(0, 1), (2, 3), (4, 5), (6, 7)], [5, 1, 1, 1, 1, 1]),
        "Z5 5x6+1x2, rounds 5+5": ([5] * 6 + [1] * 2, [(0, 1), (2, 3), (4, 5), (6, 7)], [5, 5]),
        "Z3 3x10+1x2, rounds 3+3+3+1": ([3] * 10 + [1] * 2, [(i, i + 1) for i in range(0, 12, 2)], [3, 3, 3, 1]),
    }
    for name, (cycles, pairing, orbits) in cases.items():
        starts = np.cumsum([0, *cycles])
        mates = [-1] * N
        for ci, cj in pairing:
            L = cycles[ci]
            for i in range(L):
                a, b = int(starts[ci]) + i, int(starts[cj]) + ((i + L // 2) % L if ci == cj else i)
                mates[a], mates[b] = b, a
        yield name, [cyclic_generator(cycles, orbits)], mates


def main(argv: list[str] | None = None) -> list[tuple[str, str, float, int]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the structures whose name contains this text")
    parser.add_argument("--effort", type=float, default=10.0, help="CP-SAT deterministic seconds per structure")
    parser.add_argument("--time-limit", type=float, default=60.0, help="CP-SAT wall-clock seconds per structure")
    args = parser.parse_args(argv)
    rows = []
    for source in (gf16_multiplier(5), gf16_multiplier(3), z15(), translation_cases(), cyclic_cases()):
        for name, gens, mates in source:
            if args.only and args.only not in name:
                continue
            start = time.perf_counter()
            res = solve_orbital(N, S, R, gens, mates, effort=args.effort, time_limit=args.time_limit)
            rows.append((name, res.status, time.perf_counter() - start, res.variables))
            print(f"{name:42s} {res.status:11s} {rows[-1][2]:7.2f} s  {res.variables:5d} orbit variables", flush=True)
            if res.schedule is not None:
                np.save("golfer_8_4_10.npy", res.schedule)
                print("found: saved golfer_8_4_10.npy")
                return rows
    return rows


if __name__ == "__main__":
    main()
