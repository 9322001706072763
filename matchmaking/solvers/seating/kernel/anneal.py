"""Compiled simulated annealing over the seating state of :mod:`.core` (numba)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from matchmaking.solvers.seating.kernel.core import (
    Kernel,
    apart_ok,
    csr,
    rand,
    randint,
    relocate,
    swap_delta,
    swap_ok,
    swap_rest,
)
from matchmaking.solvers.seating.kernel.gains import (
    build_gains,
    build_needs,
    empty_gains,
    shift_needs,
    shift_others,
    shift_plain,
    shift_round,
    special,
    swap_mates,
    swap_pairs,
)


# ---------------------------------------------------------------------------------------------
# Simulated annealing, one chunk of iterations
# ---------------------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)  # the studio kernel stays responsive while a solve runs
def anneal(n_iter, t_from, t_to, lam, guide, p_move, p_group, penalty, needs_w,
           W, F, nptr, nidx, optr, oidx, OFF, codes, sw, aptr, aidx,
           tab, mem, size, pos, C, NC, TO, SC, D, acc,
           slot_r, slot_i, free, partners, lo, hi, grp_r, grp_ptr, grp_idx,
           GV, GR, fptr, fidx, stamp, spec, NEED, UNC, ONE, best_tab, best, rng, probe):
    """Run ``n_iter`` proposals at a temperature cooling geometrically from ``t_from`` to ``t_to``.

    Proposals: a member of a random slot ``(round, member)`` goes to another table (with
    probability ``guide`` the table of one of its best ``partners``) by a swap with a free
    member there, or (probability ``p_move``) by a move when sizes stay within ``lo`` and
    ``hi``; with probability ``p_group`` a together-group swaps with as many free members of
    another table. Metropolis acceptance on ``value - lam * repeats``. ``best`` = (has repeats,
    best total, current is the best, its repeats); ``best_tab`` holds the best plan when the
    chunk returns. Returns the number of accepted proposals.

    With a non-empty ``probe`` array nothing is accepted: the absolute value changes of the
    first proposals that leave the repeats unchanged are written there (to set the
    temperature), and the count written is returned.

    With a non-empty gain table ``GV, GR`` (:mod:`.gains`, current for the state) swaps are
    evaluated from it, and it is kept current as proposals are made; empty, every swap is
    evaluated by scanning both tables.
    """
    n_slots = slot_r.shape[0]
    n_groups = grp_r.shape[0]
    T = size.shape[1]
    P = partners.shape[1]
    mi = np.empty(64, dtype=np.int64)
    mt = np.empty(64, dtype=np.int64)
    leaving = np.empty(64, dtype=np.int64)
    pick = np.empty(mem.shape[2], dtype=np.int64)
    accepted = 0
    cached = GV.shape[0] > 0
    temp = t_from
    ratio = t_to / t_from if t_from > 0 else 1.0
    if n_slots == 0 and n_groups == 0:
        return 0
    for it in range(n_iter):
        if it % 64 == 0 and n_iter > 0:
            temp = t_from * ratio ** (it / n_iter)
        k = 0
        if n_groups > 0 and (n_slots == 0 or rand(rng) < p_group):
            g = randint(rng, n_groups)
            r = grp_r[g]
            i0 = grp_idx[grp_ptr[g]]
            a = tab[r, i0]
            b = randint(rng, T)
            if b == a or size[r, b] == 0:
                continue
            s = grp_ptr[g + 1] - grp_ptr[g]
            nf = 0
            for q in range(size[r, b]):
                j = mem[r, b, q]
                if free[r, j]:
                    pick[nf] = j
                    nf += 1
            if nf < s:
                continue
            for q in range(s):  # partial Fisher-Yates: s distinct free members of table b
                z = q + randint(rng, nf - q)
                pick[q], pick[z] = pick[z], pick[q]
            for q in range(s):
                mi[k] = grp_idx[grp_ptr[g] + q]
                mt[k] = b
                leaving[k] = mi[k]
                k += 1
            for q in range(s):
                mi[k] = pick[q]
                mt[k] = a
                leaving[k] = pick[q]
                k += 1
            ok = True
            for q in range(k):
                if not apart_ok(mi[q], r, mt[q], tab, aptr, aidx, leaving, k):
                    ok = False
                    break
            if not ok:
                continue
        else:
            z = randint(rng, n_slots)
            r = slot_r[z]
            i = slot_i[z]
            a = tab[r, i]
            if P > 0 and rand(rng) < guide:
                b = tab[r, partners[i, randint(rng, P)]]
                if b < 0:
                    continue
            else:
                b = randint(rng, T)
            if b == a or size[r, b] == 0:
                continue
            if rand(rng) < p_move and size[r, a] - 1 >= lo[r] and size[r, b] < hi[r, b]:
                if not apart_ok(i, r, b, tab, aptr, aidx, leaving, 0):
                    continue
                mi[0] = i
                mt[0] = b
                k = 1
            else:
                j = mem[r, b, randint(rng, size[r, b])]
                if not free[r, j]:
                    continue
                if not swap_ok(i, j, r, tab, aptr, aidx, leaving):
                    continue
                mi[0] = i
                mt[0] = b
                mi[1] = j
                mt[1] = a
                k = 2
        if k == 2 and mt[0] == tab[r, mi[1]] and mt[1] == tab[r, mi[0]]:  # a swap: evaluated read-only
            if cached:
                p1, r1 = swap_pairs(mi[0], mi[1], mt[1], mt[0], r, GV, GR, C, F, W)
                c1, s1 = swap_rest(mi[0], mi[1], r, nptr, nidx, OFF, codes, sw, tab, mem, size, NC, TO, SC, D, False)
                if nptr[-1] > 0:
                    c1 += swap_mates(mi[0], mi[1], mt[1], mt[0], r, optr, oidx, OFF, NEED, NC, UNC, ONE)
            else:
                p1, c1, s1, r1 = swap_delta(mi[0], mi[1], r, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                                            tab, mem, size, C, NC, TO, SC, D)
            dv = p1 + needs_w * c1 + s1
            dr = r1
        else:  # evaluated by making it and undoing it at once
            dv, dr = relocate(k, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                               tab, mem, size, pos, C, NC, TO, SC, D, acc, r, needs_w, False)
            relocate(k, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                      tab, mem, size, pos, C, NC, TO, SC, D, acc, r, needs_w, True)
        if probe.shape[0] > 0:
            if dr == 0 and dv != 0 and accepted < probe.shape[0]:
                probe[accepted] = abs(dv)
                accepted += 1
            continue
        d = dv - lam * dr
        if d < 0 and rand(rng) >= math.exp(d / temp):
            continue
        accepted += 1
        reps = acc[3] + dr
        total = acc[0] + needs_w * acc[1] + acc[2] - penalty * acc[3] + dv - penalty * dr
        rep = 1.0 if reps > 0 else 0.0
        better = rep < best[0] or (rep == best[0] and total > best[1] + 1e-9)
        if not better and best[2] == 1.0:  # leaving the best plan: save it first
            best_tab[:, :] = tab
            best[2] = 0.0
        if cached:
            for q in range(k):
                _relocate_cached(mi[q:q + 1], mt[q:q + 1], r, needs_w, W, F, nptr, nidx, optr, oidx, OFF, codes,
                                 sw, tab, mem, size, pos, C, NC, TO, SC, D, acc, GV, GR, fptr, fidx, stamp, spec,
                                 NEED, UNC, ONE)
        else:
            relocate(k, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                     tab, mem, size, pos, C, NC, TO, SC, D, acc, r, needs_w, False)
        if better:
            best[0] = rep
            best[1] = total
            best[2] = 1.0
            best[3] = reps
    if best[2] == 1.0:
        best_tab[:, :] = tab
        best[2] = 0.0
    return accepted


@nb.njit(cache=True)
def _relocate_cached(mi, mt, r, needs_w, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
                     tab, mem, size, pos, C, NC, TO, SC, D, acc, GV, GR, fptr, fidx, stamp, spec, NEED, UNC, ONE):
    """Relocate ``mi[0]`` to table ``mt[0]`` in round ``r`` and keep the gain table current."""
    x = mi[0]
    a = tab[r, x]
    b = mt[0]
    stamp[-1] += 1
    k = special(x, r, tab, mem, size, fptr, fidx, stamp, stamp[-1], spec)
    shift_round(x, r, a, -1, W, F, C, tab, spec, k, GV, GR)
    shift_others(x, r, a, b, -1, W, F, C, tab, mem, size, GV, GR)
    needs = nptr[-1] > 0
    if needs:
        shift_needs(r, a, b, -1, nptr, nidx, NC, tab, mem, size, UNC, ONE)
    relocate(1, mi, mt, W, F, nptr, nidx, optr, oidx, OFF, codes, sw,
             tab, mem, size, pos, C, NC, TO, SC, D, acc, r, needs_w, False)
    if needs:
        shift_needs(r, a, b, 1, nptr, nidx, NC, tab, mem, size, UNC, ONE)
    shift_plain(x, r, a, b, W, GV)
    shift_round(x, r, b, 1, W, F, C, tab, spec, k, GV, GR)
    shift_others(x, r, a, b, 1, W, F, C, tab, mem, size, GV, GR)


def search_arrays(prob, rounds: list[int], movable: np.ndarray, partners: np.ndarray | None) -> dict:
    """The proposal tables of :func:`anneal` for the free ``rounds`` (``movable``: rounds x n free singletons)."""
    R, n = prob.rounds, prob.n
    free = np.zeros((R, n), dtype=np.uint8)
    for r in rounds:
        free[r] = movable[r]
    slot_r, slot_i = np.nonzero(free)
    grp_r, grp_members = [], []
    for r in rounds:
        for blk in prob.blocks:
            who = [i for i in blk if prob.attend[r, i] and prob.fixed[r, i] < 0]
            if len(blk) > 1 and 0 < len(who) <= 32:  # bigger groups stay put (CP-SAT re-solves move them)
                grp_r.append(r)
                grp_members.append(who)
    grp_ptr, grp_idx = csr(grp_members)
    lo = np.zeros(R, dtype=np.int64)
    hi = np.zeros((R, prob.n_tables), dtype=np.int64)
    for r in rounds:  # moves keep tables within one seat of their balanced size
        tg = prob.targets[r]
        lo[r] = max(prob.min_size, 1, int(tg[tg > 0].min(initial=n)) - 1)
        hi[r] = np.minimum(prob.capacities, tg + 1)
    if partners is None:
        partners = np.zeros((n, 0), dtype=np.int64)
    return {"slot_r": slot_r.astype(np.int64), "slot_i": slot_i.astype(np.int64), "free": free,
            "partners": np.ascontiguousarray(partners, dtype=np.int64), "lo": lo, "hi": hi,
            "grp_r": np.asarray(grp_r, dtype=np.int64), "grp_ptr": grp_ptr, "grp_idx": grp_idx}


def run_anneal(kern: Kernel, arrays: dict, rng: np.ndarray, *, n_iter: int, t_from: float, t_to: float,
               lam: float, guide: float, best_tab: np.ndarray, best: np.ndarray,
               p_move: float = 0.1, p_group: float = 0.1, probe: np.ndarray | None = None,
               gains: tuple[np.ndarray, ...] | None = None) -> int:
    """One chunk of :func:`anneal` on ``kern`` (see there); returns the accepted proposals.

    ``gains``: the gain table of :func:`make_gains`, current for ``kern`` (the chunk keeps it
    so); None: swaps are evaluated by scanning both tables.
    """
    a = arrays
    GV, GR, fptr, fidx, stamp, spec, NEED, UNC, ONE = empty_gains() if gains is None else gains
    if GV.shape[0] and (GV.shape != GR.shape or GV.shape != kern.size.shape + (kern.tab.shape[1],)
                        or GV.dtype != np.float64 or GR.dtype != np.int32
                        or stamp.shape != (kern.tab.shape[1] + 1,) or spec.shape != (kern.tab.shape[1],)
                        or NEED.shape != kern.NC.shape or UNC.shape != kern.TO.shape or ONE.shape != UNC.shape
                        or fptr.shape != (kern.tab.shape[1] + 1,) or fidx.shape != (int(fptr[-1]),)):
        raise ValueError("the gain table must come from make_gains(kern)")
    # the kernel does not check bounds: check what it writes to
    if best.shape != (4,) or best_tab.shape != kern.tab.shape or best_tab.dtype != np.int64 or rng.shape != (1,):
        raise ValueError("best must have 4 entries, best_tab the kernel's shape and int64 type, rng one state")
    if len(a["grp_ptr"]) > 1 and int(np.diff(a["grp_ptr"]).max()) > 32:
        raise ValueError("together-groups of more than 32 members cannot move in the kernel")
    return anneal(int(n_iter), float(t_from), float(t_to), float(lam), float(guide), float(p_move),
                  float(p_group), kern.penalty, kern.needs_w, *kern.consts(), kern.aptr, kern.aidx, *kern.state(),
                  a["slot_r"], a["slot_i"], a["free"], a["partners"], a["lo"], a["hi"], a["grp_r"], a["grp_ptr"],
                  a["grp_idx"], GV, GR, fptr, fidx, stamp, spec, NEED, UNC, ONE, best_tab, best, rng,
                  np.zeros(0) if probe is None else probe)


def gain_table_bytes(kern: Kernel) -> int:
    """Memory of the gain table :func:`make_gains` builds for ``kern``: rounds x tables x members, 8 + 4 bytes."""
    return 12 * kern.size.size * kern.tab.shape[1]


def make_gains(kern: Kernel) -> tuple[np.ndarray, ...]:
    """The gain table (:mod:`.gains`) of the kernel's current state, for :func:`run_anneal`.

    ``(GV, GR, fptr, fidx, stamp, spec, NEED, UNC, ONE)``: the table; each member's list of others it
    has a flag with (met before, kept together; CSR); scratch for :func:`.gains.special`; the
    needs as a matrix and the need counts of :func:`.gains.build_needs`.
    """
    R, T = kern.size.shape
    n = kern.tab.shape[1]
    if np.diagonal(kern.W).any():
        raise ValueError("the gain table needs pair values of 0 on the diagonal")
    GV = np.zeros((R, T, n))
    GR = np.zeros((R, T, n), dtype=np.int32)
    build_gains(kern.W, kern.F, kern.C, kern.tab, kern.mem, kern.size, GV, GR)
    flagged = kern.F != 0
    np.fill_diagonal(flagged, False)
    fptr, fidx = csr([np.flatnonzero(row) for row in flagged])
    stamp = np.zeros(n + 1, dtype=np.int64)  # the last entry counts the calls
    spec = np.zeros(n, dtype=np.int64)
    NEED = np.zeros(kern.NC.shape, dtype=np.uint8)
    NEED[np.repeat(np.arange(n), np.diff(kern.nptr)), kern.nidx] = 1
    UNC = np.zeros(kern.TO.shape, dtype=np.int32)
    ONE = np.zeros(kern.TO.shape, dtype=np.int32)
    build_needs(kern.nptr, kern.nidx, kern.NC, kern.tab, UNC, ONE)
    return GV, GR, fptr, fidx, stamp, spec, NEED, UNC, ONE
