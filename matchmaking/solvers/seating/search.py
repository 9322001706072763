"""The improvement phase: simulated annealing over swaps and moves, on the compiled kernel.

The walk maximises the value minus a penalty per repeat with the Metropolis rule, one
geometric cooling over the budget (a proposal count with ``iterations=``, else the clock); the
best plan is kept lexicographically (no repeats first, then the objective).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from matchmaking.solvers.seating import kernel as K
from matchmaking.solvers.seating.cooling import next_chunk
from matchmaking.solvers.seating.problem import movable

if TYPE_CHECKING:
    from matchmaking.solvers.seating.tracker import Tracker

__all__ = ["GAINS_BELOW", "GAINS_MAX_BYTES", "anneal"]

#: Share of accepted proposals below which the gain table pays: on 2,000 people a proposal costs
#: 1.9 microseconds by scanning and 0.54 from the table, but a swap made costs 2 more by scanning
#: and about 20 more with the table (it moves a member's pair values through a whole round), so the
#: table wins below about 7% (measured on one core of this machine).
GAINS_BELOW = 0.07
#: Largest gain table kept (:func:`~.kernel.gain_table_bytes`; 2,000 people at 200 tables over 3
#: rounds: 14 MB); bigger events price every swap by scanning.
GAINS_MAX_BYTES = 1 << 30


def anneal(search: Tracker, seed: int, *, guide: float = 0.5, partners: int = 20, cool: float = 300.0,
           temperatures: tuple[float, float] | None = None, p_move: float = 0.1, p_group: float = 0.1,
           gains: bool = True) -> None:
    """Simulated annealing over swaps and moves (the compiled kernel), one geometric cooling.

    The walk maximises the value minus a penalty per repeat (the objective's, at least twice
    the starting temperature) with the Metropolis rule, so it may pass through plans with
    repeats; the best plan is kept lexicographically (fewest repeats, then most value). A share
    ``guide`` of the proposals is guided: member ``i`` goes to the table of one of its ``partners``
    best partners (swapping with someone there); the rest are uniform; a share ``p_move`` are moves
    to a table with room, and a share ``p_group`` swap a together-block with as many free
    members of another table. The starting temperature is the median change in value of
    proposals that keep the repeats, the final one ``cool`` times lower, unless ``temperatures``
    (start, end) are given. With ``gains`` the kernel evaluates swaps from a gain table it keeps
    current (:mod:`.kernel.gains`: four reads instead of scanning both tables; the same proposals
    and acceptance rule, the values equal up to rounding, so the walks can part after an exact tie)
    once fewer than :data:`GAINS_BELOW` of a chunk's proposals pass; without, by
    scanning both tables, as a textbook annealing does.

    Budget: ``search.max_iterations`` proposals when set (the cooling follows the count: the
    same seed gives the same plan), else the clock up to ``search.deadline``. The kernel runs in
    chunks; between chunks the callback hears of improvements and may stop the search.
    """
    state, p = search.state, search.state.p
    rounds = [r for r in range(p.rounds) if r not in p.locked_rounds]
    k = min(partners, p.n - 1)
    best_partners = np.argpartition(-p.weights, k, axis=1)[:, :k] if guide > 0 and k > 0 else None
    arrays = K.search_arrays(p, rounds, movable(p), best_partners)
    if not len(arrays["slot_r"]) and not len(arrays["grp_r"]):
        return
    kern = K.Kernel(p, state.tab)
    rng = K.rng_state(seed)
    best_tab = kern.tab.copy()
    best = np.asarray([float(kern.repeats > 0), kern.total(), 0.0, kern.repeats])
    moves = {"guide": guide, "p_move": p_move, "p_group": p_group}
    table = None  # the gain table, once few proposals pass
    if temperatures is None:
        samples = np.zeros(200)
        got = K.run_anneal(kern, arrays, rng, n_iter=2000, t_from=1.0, t_to=1.0, lam=0.0, best_tab=best_tab,
                           best=best, probe=samples, **moves)
        t_hi = float(np.median(samples[:got])) if got else 1.0
        t_lo = t_hi / cool
    else:
        t_hi, t_lo = temperatures
    lam = max(float(p.objective.repeat_penalty), 2.0 * t_hi)
    budget = None if search.max_iterations is None else max(search.max_iterations - search.iterations, 0)
    start = time.perf_counter()
    span = max(search.deadline - start, 1e-3)
    done, chunk = 0, 20_000
    while not search.out_of_budget():
        step = next_chunk(done, budget, time.perf_counter() - start, span, chunk, most=100_000, seconds=0.1,
                          cap=2_000_000)
        if step is None:
            break
        chunk, f0, f1 = step
        got = K.run_anneal(kern, arrays, rng, n_iter=chunk, t_from=t_hi * (t_lo / t_hi) ** f0,
                           t_to=t_hi * (t_lo / t_hi) ** f1, lam=lam, best_tab=best_tab, best=best, gains=table,
                           **moves)
        if gains and table is None and got < GAINS_BELOW * chunk and K.gain_table_bytes(kern) <= GAINS_MAX_BYTES:
            table = K.make_gains(kern)
        done += chunk
        search.iterations += chunk
        search.offer(best_tab, (int(best[0]), -float(best[1])), int(best[3]))
        search.record()
    state.load(search.best_tab)


