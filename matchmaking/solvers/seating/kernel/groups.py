"""Compiled search over one round as a weighted grouping problem (the MDGP, numba).

One round whose objective is a sum of pair values is the maximally diverse grouping problem:
split the round's attendees into tables of given sizes so that the sum of the values ``E[i, j]``
of the pairs sharing a table is largest. ``E`` holds the effective value of each pair in this
round: its affinity, a large negative value for pairs asked apart, and the repeat cost for
pairs who meet in another round (see :mod:`matchmaking.solvers.seating.rounds`).

The state keeps, for every member ``k`` and table ``t``, ``GW[k, t]`` = the sum of ``E[k, j]``
over the members ``j`` at ``t`` (O(n) to update after a swap), so that a swap of ``i`` (table
``a``) and ``j`` (table ``b``) is worth ``GW[i, b] - GW[i, a] + GW[j, a] - GW[j, b] - 2 E[i, j]``
and a move of ``i`` to ``b`` ``GW[i, b] - GW[i, a]``, both in O(1). On that state:

- :func:`anneal_groups`: simulated annealing over swaps (and moves within table-size bounds);
- :func:`tabu_groups`: a tabu search taking the best swap or move of the whole neighbourhood at
  each iteration (a member may not return to a table it left for a few iterations unless that
  beats the best plan). A bound prunes the neighbourhood: for ``i`` at ``a`` and a table
  ``b``, no swap with a member ``j`` of ``b`` that is not a hard partner of ``i`` beats
  ``GW[i, b] - GW[i, a] + max_j (GW[j, a] - GW[j, b]) + soft[i]``; the hard partners (pairs priced
  far below any value: repeats, apart, :func:`hard_partners`) are evaluated one by one;
- :func:`cross_groups`: a group-based crossover of two seatings (the child inherits whole
  tables, alternately from each parent, the most valuable first, and seats the rest greedily);
- :func:`partition_distance`: how many members must change table to turn one seating into
  another (label free).

Members ``0..n-1`` are the round's attendees; ``free[i]`` says whether ``i`` may move.
Random numbers come from :func:`matchmaking.solvers.seating.kernel.core.rand`.

The code: the state in :mod:`.group_state` (with :func:`partition_distance`), the searches in
:mod:`.group_search`, the crossover in :mod:`.group_cross`; this module gathers them.
"""

from __future__ import annotations

from matchmaking.solvers.seating.kernel.group_cross import cross_groups
from matchmaking.solvers.seating.kernel.group_search import (
    anneal_groups,
    hard_partners,
    tabu_groups,
)
from matchmaking.solvers.seating.kernel.group_state import (
    FORBIDDEN,
    group_value,
    gw_init,
    move_member,
    partition_distance,
    swap_members,
    tables_of,
)

__all__ = ["FORBIDDEN", "anneal_groups", "cross_groups", "group_value", "gw_init", "move_member",
           "hard_partners", "partition_distance", "swap_members", "tables_of", "tabu_groups"]
