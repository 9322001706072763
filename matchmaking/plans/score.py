"""A fast, exact re-scoring of one plan's edits with the shared :class:`~matchmaking.Objective`.

:meth:`Objective.evaluate <matchmaking.scoring.objective.Objective.evaluate>` works on any
``DataFrame`` (about 50 ms for 300 attendees over 4 rounds). A hand-editing panel re-scores
after every move, so :class:`PlanScorer` keeps the plan as integer arrays (``slots[round,
member]`` = group number) and computes the same terms with numpy: the distinct co-grouped
pairs come from a padded member-per-group matrix, their affinity from a cache filled by
:meth:`Affinity.score <matchmaking.scoring.affinity.Affinity.score>` (the same numbers the
objective adds up), needs covered from the offers and needs incidence, spread from attribute
codes and repeats from co-grouping counts. Same terms, same totals, a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from matchmaking.scoring.objective import Objective, attribute_keys, together_closure

#: Plans with at most this many members keep their pair values as one dense block.
DENSE_UP_TO = 3000


class PlanScorer:
    """Objective terms of a plan held as ``slots[round, member]`` (group number, -1 = absent).

    Parameters
    ----------
    objective : Objective
        The objective whose terms are computed.
    members : sequence of str
        The plan's members (columns of ``slots``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from matchmaking import Community, affinity, Objective
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"], "offers": ["x", "", ""],
    ...     "needs": ["", "x", "x"], "sector": ["art", "art", "crafts"]}))
    >>> obj = Objective(affinity(c), needs=0.5, spread={"sector": 1.0}, repeat_penalty=2.0)
    >>> scorer = PlanScorer(obj, ["a", "b", "c"])
    >>> scorer.evaluate(np.array([[1, 1, 2], [1, 2, 1]]))
    {'pairs': 2.0, 'needs': 1.0, 'spread:sector': 1.0, 'repeats': 0.0, 'total': 4.0}
    """

    def __init__(self, objective: Objective, members: Sequence[str]) -> None:
        self.objective = objective
        self.members = [str(m) for m in members]
        aff = objective.affinity
        c = aff.community
        idx = c.index_of(self.members)
        self.n = len(self.members)
        self._cache_keys = np.zeros(0, dtype=np.int64)
        self._cache_vals = np.zeros(0)
        # event-sized plans: the whole block of pair values at once (a few MB); larger ones fill a cache
        self._dense = aff.dense(self.members) if self.n <= DENSE_UP_TO else None
        pos = {m: i for i, m in enumerate(self.members)}
        self._together = self._keys_of(together_closure(objective.together), pos)
        met = aff.met
        pairs = [frozenset((a, b)) for a, b in zip(met["a"], met["b"], strict=True)] if len(met) else []
        self._met = self._keys_of(pairs, pos)
        if objective.needs:
            offers = c.incidence("offers")[idx].toarray() > 0
            needs = c.incidence("needs")[idx].toarray() > 0
            used = needs.any(axis=0)
            self._offers, self._needs = offers[:, used], needs[:, used]
        self._codes = {attr: c.attribute_codes(attr)[idx] for attr in objective.spread}
        self._z = {}  # balance: standardised distance of each member to their block's mean
        keys = attribute_keys(c, objective.balance_by)[idx] if objective.balance else None
        for attr in objective.balance:
            x = c.members[attr].astype(float).to_numpy()
            sd = float(np.nanstd(x)) or 1.0
            frame = pd.DataFrame({"x": x[idx], "key": keys})
            mu = frame.groupby("key")["x"].transform("mean").to_numpy()
            self._z[attr] = np.nan_to_num((x[idx] - mu) / sd)

    def _keys_of(self, pairs: object, pos: dict[str, int]) -> np.ndarray:
        keys = []
        for pair in pairs:  # type: ignore[attr-defined]
            a, b = sorted(pair)
            if a in pos and b in pos:
                i, j = sorted((pos[a], pos[b]))
                keys.append(i * self.n + j)
        return np.unique(np.asarray(keys, dtype=np.int64))

    def _values(self, keys: np.ndarray) -> np.ndarray:
        """Affinity of the pairs ``keys`` (``i * n + j``), computed once and cached."""
        if self._dense is not None:
            return self._dense[keys // self.n, keys % self.n]
        if len(self._cache_keys):
            at = np.minimum(np.searchsorted(self._cache_keys, keys), len(self._cache_keys) - 1)
            missing = keys[self._cache_keys[at] != keys]
        else:
            missing = keys
        if len(missing):
            ia, ib = missing // self.n, missing % self.n
            vals = self.objective.affinity.score([self.members[i] for i in ia], [self.members[j] for j in ib])
            all_keys = np.concatenate([self._cache_keys, missing])
            all_vals = np.concatenate([self._cache_vals, vals["total"].to_numpy(dtype=float)])
            order = np.argsort(all_keys, kind="stable")
            self._cache_keys, self._cache_vals = all_keys[order], all_vals[order]
        return self._cache_vals[np.searchsorted(self._cache_keys, keys)]

    def _groups(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(group index of each placed (round, member), padded member matrix groups x size)."""
        rounds, cols = np.nonzero(slots >= 0)
        width = int(slots.max()) + 1 if slots.size else 1
        gid_raw = rounds * width + slots[rounds, cols]
        uniq, gid = np.unique(gid_raw, return_inverse=True)
        order = np.argsort(gid, kind="stable")
        sizes = np.bincount(gid, minlength=len(uniq))
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        pad = np.full((len(uniq), int(sizes.max()) if len(sizes) else 0), -1, dtype=np.int64)
        rank = np.arange(len(order)) - starts[gid[order]]
        pad[gid[order], rank] = cols[order]
        full = np.full(slots.shape, -1, dtype=np.int64)
        full[rounds, cols] = gid
        return full, pad

    def evaluate(self, slots: np.ndarray) -> dict[str, float]:
        """The objective's terms and ``total`` for ``slots`` (rounds x members, group or -1)."""
        obj = self.objective
        slots = np.asarray(slots, dtype=np.int64)
        if type(obj).evaluate is not Objective.evaluate and slots.shape[0] == 1:
            # an engine's own objective (help squads): its evaluate, on the one-round plan
            placed = slots[0] >= 0
            frame = pd.DataFrame({"cohort": slots[0][placed], "member": np.asarray(self.members, dtype=object)[placed]})
            return obj.evaluate(frame, "cohorts")
        gid, pad = self._groups(slots)
        iu, ju = np.triu_indices(pad.shape[1], k=1)
        a, b = pad[:, iu].ravel(), pad[:, ju].ravel()
        ok = (a >= 0) & (b >= 0)
        lo, hi = np.minimum(a[ok], b[ok]), np.maximum(a[ok], b[ok])
        keys, counts = np.unique(lo * self.n + hi, return_counts=True)
        out: dict[str, float] = {"pairs": float(self._values(keys).sum()) if len(keys) else 0.0}
        if obj.needs:
            covered = np.zeros_like(self._needs)
            offers = self._offers.astype(np.int64)
            for r in range(slots.shape[0]):
                here = np.flatnonzero(gid[r] >= 0)
                per_group = np.zeros((len(pad), offers.shape[1]), dtype=np.int64)
                np.add.at(per_group, gid[r, here], offers[here])
                others = per_group[gid[r, here]] - offers[here]
                covered[here] |= self._needs[here] & (others > 0)
            out["needs"] = obj.needs * float(covered.sum())
        for attr, w in obj.spread.items():
            codes = self._codes[attr]
            where = np.nonzero(gid >= 0)
            g, v = gid[where], codes[where[1]]
            keep = v >= 0
            distinct = np.unique(g[keep] * (int(codes.max()) + 1) + v[keep]) // (int(codes.max()) + 1)
            per = np.bincount(distinct, minlength=len(pad))
            out[f"spread:{attr}"] = w * float(np.clip(per - 1, 0, None).sum())
        for attr, w in obj.balance.items():
            where = np.nonzero(gid >= 0)
            sums = np.bincount(gid[where], weights=self._z[attr][where[1]], minlength=len(pad))
            size = np.bincount(gid[where], minlength=len(pad))
            out[f"balance:{attr}"] = -w * float(np.abs(sums[size > 0] / size[size > 0]).sum())
        free = ~np.isin(keys, self._together)
        repeats = int((counts[free] - 1).sum())
        if len(self._met):
            repeats += int(counts[free & np.isin(keys, self._met)].sum())
        out["repeats"] = 0.0 - obj.repeat_penalty * float(repeats)
        out["total"] = float(sum(out.values()))
        return out


__all__ = ["PlanScorer"]
