"""Small blocks finished exactly: CP-SAT over the cohort counts, checked against the incumbent."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from matchmaking.solvers.cohorts.blocks import Block
from matchmaking.solvers.cohorts.state import State


def block_score(b: Block, lab: np.ndarray) -> float:
    """The shared objective of one block's labels (pairs, needs covered, spread; no balance)."""
    W = b.W.tocoo()
    same = lab[W.row] == lab[W.col]
    out = float(W.data[same].sum()) / 2.0
    for c in np.unique(lab):
        idx = np.flatnonzero(lab == c)
        if b.needs_weight and b.offers.shape[1]:
            others = b.offers[idx].sum(axis=0)[None, :] - b.offers[idx]
            out += b.needs_weight * float((b.needs[idx].astype(bool) & (others > 0)).sum())
        for codes, w in b.spread:
            v = codes[idx]
            out += w * max(len(np.unique(v[v >= 0])) - 1, 0)
    return out


def exact_block(b: Block, ks: Sequence[int], incumbent: np.ndarray | None,
                 time_limit: float) -> tuple[np.ndarray, int] | None:
    """Best valid labels of a small block over the cohort counts ``ks`` (CP-SAT, one model per
    count), if better than ``incumbent`` (or valid when there is none); else None."""
    from ortools.sat.python import cp_model

    n = len(b.members)
    scale = 1000.0
    W = b.W.toarray()
    best_val = block_score(b, incumbent) if incumbent is not None else -np.inf
    best: tuple[np.ndarray, int] | None = None
    deadline = time.perf_counter() + time_limit
    ks = [k for k in ks if k >= 1 and k * b.lo <= n <= k * b.hi]
    for r, k in enumerate(ks):
        left = (deadline - time.perf_counter()) / (len(ks) - r)  # the time left, shared by the counts left
        if left <= 0.02:
            break
        lo, hi = b.lo, b.hi
        m = cp_model.CpModel()
        x = [[m.NewBoolVar("") for _ in range(k)] for _ in range(n)]
        for i in range(n):
            m.AddExactlyOne(x[i])
            for c in range(i + 1, k):
                m.Add(x[i][c] == 0)  # symmetry: member i opens at most cohort i
        for c in range(k):
            m.AddLinearConstraint(sum(x[i][c] for i in range(n)), lo, hi)
        same = {}
        for i in range(n):
            for j in range(i + 1, n):
                ys = []
                for c in range(k):
                    y = m.NewBoolVar("")
                    m.AddImplication(y, x[i][c])
                    m.AddImplication(y, x[j][c])
                    m.AddBoolOr([x[i][c].Not(), x[j][c].Not(), y])
                    ys.append(y)
                s_ = m.NewBoolVar("")
                m.Add(s_ == sum(ys))
                same[i, j] = same[j, i] = s_
        terms = []
        for i in range(n):
            for j in range(i + 1, n):
                w = int(round((W[i, j] + W[j, i]) / 2.0 * scale))
                if w:
                    terms.append(w * same[i, j])
        if b.needs_weight and b.offers.shape[1]:
            nw = int(round(b.needs_weight * scale))
            for i in range(n):
                for sk in np.flatnonzero(b.needs[i]):
                    givers = [same[i, j] for j in np.flatnonzero(b.offers[:, sk]) if j != i]
                    if givers:
                        cov = m.NewBoolVar("")
                        m.Add(cov <= sum(givers))
                        terms.append(nw * cov)
        for codes, w in b.spread:
            ww = int(round(w * scale))
            values = np.unique(codes[codes >= 0])
            for c in range(k):
                has = []
                for v in values:
                    h = m.NewBoolVar("")
                    m.Add(h <= sum(x[i][c] for i in np.flatnonzero(codes == v)))
                    has.append(h)
                anyv = m.NewBoolVar("")
                for h in has:
                    m.AddImplication(h, anyv)
                terms.append(ww * (sum(has) - anyv))
        for codes in b.protect:
            for v in np.unique(codes[codes >= 0]):
                who = np.flatnonzero(codes == v)
                for c in range(k):
                    z = m.NewBoolVar("")
                    cnt = sum(x[i][c] for i in who)
                    m.Add(cnt >= 2 * z)
                    m.Add(cnt <= len(who) * z)
        total = int(b.lead.sum())
        if total:
            for c in range(k):
                m.AddLinearConstraint(sum(x[i][c] for i in np.flatnonzero(b.lead)), total // k, -(-total // k))
        for i, j in b.together:
            m.Add(same[min(i, j), max(i, j)] == 1)
        for i, j in b.apart:
            m.Add(same[min(i, j), max(i, j)] == 0)
        m.Maximize(sum(terms))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = left
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = int(b.seed % (2**31))
        if solver.Solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        lab = np.asarray([next(c for c in range(k) if solver.Value(x[i][c])) for i in range(n)], dtype=np.int64)
        val = block_score(b, lab)
        if val > best_val + 1e-9 and not len(State(replace(b, k=k), lab).violations()):
            best_val, best = val, (lab, k)
    return best
