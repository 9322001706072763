"""One round whose value has need and spread terms too: the memetic search of :mod:`.groups` on the whole value.

Given the other rounds, the value of round ``r`` is the sum of its pair values ``E`` (as in
:mod:`.rounds`), plus ``needs`` per *open* need covered at the member's table (a need no
tablemate of another round covers), plus each table's spread (distinct values beyond the
first, per attribute). :class:`MixedSearch` is :class:`.groups.GroupSearch` with its tabu search
on that whole value (exact O(labels) changes, :mod:`.kernel.mixed`); the crossover still
recombines by pair values and the tabu search then repairs the rest.

Examples
--------
>>> import numpy as np
>>> import matchmaking as mm
>>> from matchmaking.solvers.seating import build_problem
>>> from matchmaking.solvers.seating.baselines import greedy_plan
>>> prob = build_problem(mm.datasets.synthetic_community(24, seed=0), tables=4, table_size=6, rounds=2,
...                      spread=["sector"])
>>> tab = greedy_plan(prob, seed=0)
>>> x = round_extras(prob, tab, 1, np.flatnonzero(prob.attend[1]))
>>> x["UO"].shape[0], x["codes"].shape, bool(x["UO"].any())
(24, (1, 24), True)
"""

from __future__ import annotations

import numpy as np

from matchmaking.solvers.seating.groups import GroupSearch
from matchmaking.solvers.seating.kernel import mixed as X
from matchmaking.solvers.seating.kernel.core import csr

__all__ = ["MixedSearch", "round_extras"]


def round_extras(prob, tab: np.ndarray, r: int, idx: np.ndarray) -> dict:
    """The need and spread data of round ``r`` given the other rounds of ``tab``, for the attendees ``idx``.

    ``UO[i, k]``: ``idx[i]`` needs ``k`` and no tablemate of another round offers it.
    """
    n = len(idx)
    needs_w = float(prob.objective.needs)
    K = max(prob.needs.shape[1], prob.offers.shape[1], 1)
    need = np.zeros((prob.n, K), dtype=bool)
    off = np.zeros((prob.n, K), dtype=bool)
    if needs_w:
        need[:, : prob.needs.shape[1]] = prob.needs
        off[:, : prob.offers.shape[1]] = prob.offers
    covered = np.zeros((prob.n, K), dtype=bool)
    for q in range(prob.rounds):
        if q == r or not need.any():
            continue
        t = tab[q]
        here = t >= 0
        TO = np.zeros((prob.n_tables, K), dtype=np.int64)
        np.add.at(TO, t[here], off[here].astype(np.int64))
        covered[here] |= (TO[t[here]] - off[here]) > 0
    UO = (need & ~covered)[idx]
    OFF = off[idx]
    uptr, uidx = csr([np.flatnonzero(row) for row in UO])
    optr, oidx = csr([np.flatnonzero(row) for row in OFF])
    A = len(prob.spread_codes)
    codes = (np.stack([np.asarray(c, dtype=np.int64)[idx] for c in prob.spread_codes]) if A
             else np.zeros((0, n), dtype=np.int64))
    V = max(int(codes.max(initial=-1)) + 1, 1)
    return {"needs_w": needs_w, "sw": np.asarray(prob.spread_weights, dtype=np.float64).reshape(A),
            "optr": optr, "oidx": oidx, "uptr": uptr, "uidx": uidx, "OFF": OFF.astype(np.uint8),
            "UO": UO.astype(np.int64), "codes": codes, "V": V}


class MixedSearch(GroupSearch):
    """:class:`.groups.GroupSearch` on the whole round value (pairs, open needs covered, spread).

    Parameters
    ----------
    E, target, free, lo, hi
        As :class:`.groups.GroupSearch`.
    extras : dict
        :func:`round_extras` of the round.
    **kw
        Passed to :class:`.groups.GroupSearch` (no pair-only annealing first: ``big`` is the whole round;
        the engine anneals every term over all rounds before, and bigger events anneal throughout).

    Examples
    --------
    >>> import numpy as np
    >>> E = np.zeros((4, 4))
    >>> x = {"needs_w": 1.0, "sw": np.ones(1), "optr": np.array([0, 1, 1, 1, 1]), "oidx": np.array([0]),
    ...      "uptr": np.array([0, 0, 1, 1, 1]), "uidx": np.array([0]), "OFF": np.array([[1], [0], [0], [0]], np.uint8),
    ...      "UO": np.array([[0], [1], [0], [0]]), "codes": np.array([[0, 0, 1, 1]]), "V": 2}
    >>> s = MixedSearch(E, np.array([2, 2]), np.ones(4, bool), np.array([2, 2]), np.array([2, 2]), x)
    >>> s.value(np.array([0, 0, 1, 1])), s.value(np.array([0, 1, 0, 1]))
    (1.0, 2.0)
    >>> from matchmaking.solvers.seating.groups import Budget
    >>> g, v = s.run(np.array([0, 0, 1, 1]), Budget(float("inf"), effort=1000))
    >>> float(v)
    2.0
    """

    tabu_chunk = 20

    def __init__(self, E: np.ndarray, target: np.ndarray, free: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 extras: dict, **kw) -> None:
        kw["big"] = len(E) + 1
        super().__init__(E, target, free, lo, hi, **kw)
        self.x = extras

    def _args(self) -> tuple:
        x = self.x
        return (x["optr"], x["oidx"], x["uptr"], x["uidx"], x["OFF"])

    def value(self, g: np.ndarray) -> float:
        x = self.x
        return super().value(g) + float(X.extra_value(g, self.m, x["needs_w"], x["sw"], *self._args(), x["codes"],
                                                      x["V"]))

    def _tabu_counts(self, g: np.ndarray) -> tuple:
        """The need and spread counts of ``g`` (:func:`.kernel.mixed.counts_init`)."""
        return X.counts_init(g, self.m, *self._args(), self.x["codes"], self.x["V"])

    def _tabu_run(self, g, GW, mem, size, pos, counts, chunk, tabu, info, cur, best, best_g) -> int:
        """The tabu search on the whole value (:func:`.kernel.mixed.tabu_mixed`), at most ``chunk`` iterations."""
        x = self.x
        return X.tabu_mixed(self.E, g, GW, mem, size, pos, self.free, self.lo, self.hi, x["needs_w"], x["sw"],
                            *self._args(), x["UO"], x["codes"], *counts, chunk, self.stall, self.tenure[0],
                            self.tenure[1], tabu, info, cur, best, best_g, self.rng, *self.hard)
