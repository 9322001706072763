"""The compiled (numba) kernel of the seating search: state and moves, annealing, repeat tabu search.

:mod:`.core` keeps every objective term of a seating in flat arrays with exact incremental
updates; :mod:`.anneal` and :mod:`.tabu` are the compiled searches over that state (the
annealing evaluates swaps from the gain table of :mod:`.gains`). The
readable Python reference of the same terms is
:class:`matchmaking.solvers.seating.state.SeatingState`; the tests compare both move by move.
numba does not check array bounds: the Python wrappers (:func:`run_anneal`, :class:`Tabu`)
validate what the compiled code writes to. numba keeps each compiled function in
``__pycache__`` keyed on its own file only: after editing a function that another file inlines
or calls (:mod:`.core` and :mod:`.gains` into :mod:`.anneal`), delete ``kernel/__pycache__``.
"""

from matchmaking.solvers.seating.kernel.anneal import (
    anneal,
    gain_table_bytes,
    make_gains,
    run_anneal,
    search_arrays,
)
from matchmaking.solvers.seating.kernel.core import (
    MET,
    TOGETHER,
    Kernel,
    add,
    apart_ok,
    csr,
    load_tab,
    rand,
    randint,
    relocate,
    remove,
    rng_state,
    swap_delta,
    swap_ok,
    swap_rest,
)
from matchmaking.solvers.seating.kernel.gains import swap_mates, swap_pairs
from matchmaking.solvers.seating.kernel.tabu import Tabu, tabu

__all__ = ["MET", "TOGETHER", "Kernel", "Tabu", "add", "anneal", "apart_ok", "csr", "gain_table_bytes", "load_tab",
           "make_gains", "rand", "randint", "relocate", "remove", "rng_state", "run_anneal", "search_arrays", "swap_delta",
           "swap_mates", "swap_ok", "swap_pairs", "swap_rest", "tabu"]
