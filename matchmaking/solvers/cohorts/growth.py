"""Growth: existing cohorts kept (within a move budget), newcomers placed where they fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from matchmaking.errors import InputError
from matchmaking.solvers.cohorts.blocks import Block


def grow_start(b: Block, rng: np.random.Generator) -> np.ndarray:
    """Growth start: existing members where they were, newcomers into the cohorts that fit them best.

    Cohorts ``0..n_old-1`` are the previous ones; any further cohorts (opened when the
    newcomers do not fit) take the newcomers with the weakest ties to the existing cohorts.
    """
    lab = b.init.copy()  # type: ignore[union-attr]
    k = b.k
    n_old = int(lab.max()) + 1 if (lab >= 0).any() else 0
    size = np.bincount(lab[lab >= 0], minlength=k)
    new = np.flatnonzero(lab < 0)
    if not len(new):
        return lab
    old = np.flatnonzero(lab >= 0)
    Z = sp.csr_matrix((np.ones(len(old)), (old, lab[old])), shape=(len(lab), k))
    S = np.asarray((b.W[new] @ Z).todense())
    room = int(np.clip(b.hi - size[:n_old], 0, None).sum())
    to_new = len(new) - room if k > n_old else 0
    if k > n_old:
        to_new = min(len(new), max(to_new, b.lo * (k - n_old)))
    tie = rng.random(len(new))
    order = np.lexsort((tie, -(S[:, :n_old].max(axis=1) if n_old else np.zeros(len(new)))))
    keep_old, go_new = order[: len(new) - to_new], order[len(new) - to_new:]
    for r in keep_old:
        i = new[r]
        free = size[:n_old] < b.hi
        if not free.any():
            free = size[:n_old] == size[:n_old].min()
        score = np.where(free, S[r, :n_old] - 1e-3 * size[:n_old], -np.inf)
        c = int(np.argmax(score))
        lab[i] = c
        size[c] += 1
    for q, r in enumerate(go_new):
        c = n_old + q % (k - n_old)
        lab[new[r]] = c
        size[c] += 1
    return lab


def growth_keys(keys: np.ndarray, prev_lab: np.ndarray) -> np.ndarray:
    """In growth, a previous cohort stays whole: its members take the cohort's majority block."""
    keys = keys.copy()
    frame = pd.DataFrame({"c": prev_lab, "k": keys})
    old = frame[frame["c"] >= 0]
    if len(old):
        major = old.groupby("c")["k"].agg(lambda s: s.value_counts().index[0])
        keys[prev_lab >= 0] = major.loc[prev_lab[prev_lab >= 0]].to_numpy()
    return keys


def growth_labels(prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local labels for a growth block: previous cohorts keep a local index; -1 for newcomers."""
    olds = np.unique(prev[prev >= 0])
    local = {int(c): r for r, c in enumerate(olds)}
    home = np.asarray([local[int(c)] if c >= 0 else -1 for c in prev], dtype=np.int64)
    return home, olds


def share_budget(problems: list[Block], budget: int, lo: int, hi: int) -> None:
    """Share the move budget by newcomers; open cohorts where newcomers do not fit."""
    weights = np.asarray([float((b.home < 0).sum()) + 1e-9 for b in problems])  # type: ignore[operator]
    shares = np.floor(budget * weights / weights.sum()).astype(int)
    shares[np.argsort(-weights, kind="stable")[: budget - shares.sum()]] += 1
    for b, share in zip(problems, shares, strict=True):
        home = b.home  # type: ignore[assignment]
        b.budget = int(share)
        n_old = len(b.olds)  # type: ignore[arg-type]
        size = np.bincount(home[home >= 0], minlength=n_old)
        new = int((home < 0).sum())
        room = int(np.clip(hi - size, 0, None).sum())
        extra = -(-(new - room) // hi) if new > room else 0
        # more leads than cohorts: open cohorts for the extra leads when the newcomers left after
        # filling shrunken cohorts can make them up (at least lo each); fall back to fewer if the
        # rules then fail (see solve_block_any_k)
        spare = new - int(np.clip(lo - size, 0, None).sum())
        for_leads = min(int(b.lead.sum()) - n_old, max(spare, 0) // max(lo, 1))
        b.k = max(n_old + extra, 1)
        if for_leads > extra:
            b.k_options = (b.k,)
            b.k = n_old + for_leads
        b.init = home.copy()


def growth_numbers(problems: list[Block], labels: np.ndarray, prev_max: int) -> np.ndarray:
    """Cohort numbers after growth: previous cohorts keep theirs, new ones come after."""
    out = np.zeros(len(labels), dtype=np.int64)
    nxt = prev_max + 1
    for b in problems:
        olds = b.olds  # type: ignore[assignment]
        number = {r: int(c) for r, c in enumerate(olds)}
        for r in range(len(olds), b.k):
            number[r] = nxt
            nxt += 1
        out[b.members] = [number[int(x)] for x in labels[b.members]]
    return out


def moved_count(prev: pd.DataFrame, frame: pd.DataFrame) -> int:
    """Existing members of ``prev`` in another cohort in ``frame``."""
    before = dict(zip(prev["member"].astype(str), prev["cohort"].astype(int), strict=True))
    return int(sum(1 for m, c in zip(frame["member"], frame["cohort"], strict=True)
                   if m in before and before[m] != int(c)))


def previous_labels(previous: object, ids: list[str], notes: list[str]) -> tuple[np.ndarray, pd.DataFrame | None]:
    """Each member's previous cohort number (-1: newcomer) and the previous ``cohort,member`` table."""
    from matchmaking.plans.plan import Plan

    prev_lab = np.full(len(ids), -1, dtype=np.int64)
    if previous is None:
        return prev_lab, None
    prev = previous.assignments if isinstance(previous, Plan) else previous
    if not isinstance(prev, pd.DataFrame) or not {"cohort", "member"} <= set(prev.columns):
        raise InputError("previous must be a plan or a table cohort,member", column="previous")
    pos = {m: i for i, m in enumerate(ids)}
    gone = 0
    for m, c in zip(prev["member"].astype(str), prev["cohort"], strict=True):
        if m in pos:
            prev_lab[pos[m]] = int(c)
        else:
            gone += 1
    if gone:
        notes.append(f"{gone} member(s) of the previous cohorts are no longer in the community")
    return prev_lab, prev
