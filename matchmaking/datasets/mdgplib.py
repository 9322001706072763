"""Maximally diverse grouping (MDGP) instances: the MDGPLIB file format and the RanReal law.

One round of seating with pair weights only is the MDGP: split ``n`` people into groups so that
the sum of within-group pair values is largest. MDGPLIB files start with a line
``n m ss a_1 b_1 ... a_m b_m`` (group ``g`` holds between ``a_g`` and ``b_g`` people), then one
line ``i j d_ij`` per pair (0-based, ``i < j``). RanReal instances draw every pair value
uniformly in ``[0, 100]`` with three decimals.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass, field

import numpy as np

from matchmaking.errors import InputError


@dataclass
class MDGPInstance:
    """Pair values and group sizes of an MDGP instance."""

    weights: np.ndarray = field(repr=False)  # n x n symmetric, zero diagonal
    lower: np.ndarray  # per group: fewest members
    upper: np.ndarray  # per group: most members
    name: str = ""

    @property
    def n(self) -> int:
        return len(self.weights)

    def value(self, groups: np.ndarray) -> float:
        """Sum of within-group pair values of an assignment (group index per person)."""
        groups = np.asarray(groups)
        same = groups[:, None] == groups[None, :]
        return float(np.triu(np.where(same, self.weights, 0.0), 1).sum())


def ranreal(n: int, groups: int, seed: int) -> MDGPInstance:
    """A RanReal instance: ``groups`` equal groups, pair values uniform in [0, 100] (3 decimals).

    The values are one ``numpy.random.default_rng(seed)`` stream, pairs ``i < j`` row by row.

    Examples
    --------
    >>> inst = ranreal(6, 2, seed=1)
    >>> inst.n, inst.upper.tolist(), bool(np.allclose(inst.weights, inst.weights.T))
    (6, [3, 3], True)
    """
    if n % groups:
        raise ValueError(f"{n} people do not split into {groups} equal groups")
    rng = np.random.default_rng(seed)
    iu = np.triu_indices(n, 1)
    W = np.zeros((n, n))
    W[iu] = np.round(rng.uniform(0.0, 100.0, len(iu[0])), 3)
    W = W + W.T
    size = np.full(groups, n // groups)
    return MDGPInstance(W, size.copy(), size, name=f"ranreal_n{n}_s{seed}")


def read_mdgplib(path: str | os.PathLike) -> MDGPInstance:
    """Read an MDGPLIB instance (plain or ``.gz``)."""
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as fh:
        head = fh.readline().split()
        try:
            n, m = int(head[0]), int(head[1])
            sizes = np.asarray([int(x) for x in head[3:3 + 2 * m]], dtype=np.int64)
        except (IndexError, ValueError) as exc:
            raise InputError(f"not an MDGPLIB header: {' '.join(head[:6])}", file=path, row=1) from exc
        if len(sizes) != 2 * m:
            raise InputError(f"header names {m} groups but {len(sizes) // 2} size ranges", file=path, row=1)
        data = np.loadtxt(fh, ndmin=2) if n > 1 else np.zeros((0, 3))
    W = np.zeros((n, n))
    if len(data):
        i, j = data[:, 0].astype(np.int64), data[:, 1].astype(np.int64)
        if i.min() < 0 or j.max() >= n or (i == j).any():
            raise InputError(f"pair indices must be distinct and in 0..{n - 1}", file=path)
        W[i, j] = data[:, 2]
        W[j, i] = data[:, 2]
    name = os.path.basename(path).split(".")[0]
    return MDGPInstance(W, sizes[0::2], sizes[1::2], name=name)


#: The team's four benchmark instances (RanReal law; n, groups, seed): ``ranreal`` rebuilds them
#: bit for bit, so no file from outside the repository is needed.
BENCHMARK_INSTANCES = {
    "rr_n240_s2401": (240, 12, 2401),
    "rr_n240_s2402": (240, 12, 2402),
    "rr_n480_s4801": (480, 20, 4801),
    "rr_n960_s9601": (960, 24, 9601),
}

#: The published state of the art on them, run with their authors' programs on this project's 2-core
#: machine, one program at a time, wall-clock limits, seed 1 (TPSDP: Yang et al., EJOR 302(3), 2022;
#: IMS: Lai & Hao, EJOR 254(3), 2016). Objectives recomputed from the programs' solution files.
PEER_VALUES = {
    "rr_n240_s2401": {"TPSDP 30 s": 155186.155, "IMS 30 s": 155012.186, "TPSDP 120 s": 155213.852},
    "rr_n240_s2402": {"TPSDP 30 s": 156152.335, "IMS 30 s": 156085.638},
    "rr_n480_s4801": {"TPSDP 30 s": 376331.505, "IMS 30 s": 377115.294, "TPSDP 120 s": 377168.344},
    "rr_n960_s9601": {"TPSDP 30 s": 1213494.193, "IMS 30 s": 1213882.907},
}


def benchmark_instance(name: str) -> MDGPInstance:
    """One of :data:`BENCHMARK_INSTANCES`, rebuilt from its law and seed.

    Examples
    --------
    >>> inst = benchmark_instance("rr_n240_s2401")
    >>> inst.name, inst.n, len(inst.upper)
    ('rr_n240_s2401', 240, 12)
    """
    n, groups, seed = BENCHMARK_INSTANCES[name]
    inst = ranreal(n, groups, seed)
    inst.name = name
    return inst
