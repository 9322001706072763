"""The tuning constants of the seating engine, in one validated dataclass."""

from __future__ import annotations

from dataclasses import dataclass, fields

from matchmaking.errors import InputError
from matchmaking.solvers.params import Params, check_number, check_whole

__all__ = ["SeatingParams"]


@dataclass(frozen=True)
class SeatingParams(Params):
    """Tuning of :func:`matchmaking.seat` (``params=``); the defaults are what the benchmarks measured.

    Attributes
    ----------
    guide : float
        Share of annealing proposals that send a member to the table of one of its best partners.
    partners : int
        Best partners per member for those guided proposals.
    p_move : float
        Share of proposals that move a member to a table with room (instead of a swap).
    p_group : float
        Share of proposals that swap a together-group with free members of another table.
    cool : float
        Starting over final temperature of the geometric cooling, when the rounds are re-seated in
        turn after it (``mixed_size``).
    cool_alone : float
        The same when the annealing is the whole search (bigger rounds, or ``anneal_share=1``):
        measured at 2,000 people in 200 tables over 3 rounds, 120 s, a ratio of 30 ended 0.35% and
        0.5% above 300 (seeds 0, 1), and 10 no better; before the re-seating turns 300 stays (120
        people: 30 ended 1% lower).
    repair_share : float
        Share of the time limit the repeat repair may use.
    repair_iterations : int
        Most tabu iterations of the repeat repair (6-3-8 needs up to about 200,000; on big events the time
        share comes first).
    repair_give_up : int
        Tabu iterations without fewer repeats before the repair gives up.
    tabu_tenure : int
        Iterations a member may not return to a table it left (plus a random 0-11).
    tabu_stall : int
        Tabu iterations without a new best before a restart near the best plan.
    lns_share : float
        Share of the time left after the repair kept for CP-SAT re-solving tables (measured at 300 and
        2,000 people: 0.1 of the time added 0 to 4 points, the search more).
    lns_tables : int
        Tables of one round re-solved together.
    lns_step_time : float
        CP-SAT seconds per re-solve (deterministic time with a fixed effort).
    lns_patience : int
        Re-solves without improvement before the large-neighbourhood search stops.
    lns_every : int
        With ``iterations=``: one re-solve per this many annealing proposals.
    population : int
        Seatings in the pool of the round-by-round grouping search (pairwise objectives).
    group_stall : int
        Tabu iterations without a new best before one tabu search of that pool ends.
    group_tenure : int or None
        Tabu tenure there: a member may not return to a table for ``tenure`` to
        ``3 * tenure + 2`` iterations. None (the default): by the round's size, one per 48
        free members, at least 2 (measured on MDGP instances of 240 to 960 people: the best
        tenure grows with the round; 2 left n = 480 0.5% lower).
    group_restart : int
        Children without a new best before the pool is rebuilt around its best seating.
    round_sweeps : int
        With several rounds: turns of every round (more if the time allows).
    anneal_share : float
        With needs or spread terms: share of the search the annealing over every round gets before
        the rounds are re-seated in turn on their whole value.
    mixed_sweeps : int
        Turns of every round there (more if the time allows): 12 short turns ended above 3 long ones at
        300 people in 30 tables over 4 rounds (a long turn's tabu search stalls and rebuilds its pool from
        random seatings), and 24 or 48 no better.
    mixed_tenure : int or None
        Tabu tenure there (``group_tenure`` does not apply to these turns); None (the default): half of
        ``group_tenure``'s default, at least 2
        (measured at 300 people: 3 against the default 6, 2 and 4 about as good, 10 worse).
    mixed_size : int
        Largest round (free members) re-seated there (a tabu iteration costs O(members x tables x
        table size)); events with a bigger round anneal for the whole search (measured better at 2,000).
    exact_size : int
        Largest single-round event (every seat taken) that CP-SAT solves whole.
    exact_share : float
        Share of the time such an event gives CP-SAT.
    bound_share : float
        Share of the time limit kept for the semidefinite bound at the end (0: the term-by-term
        relaxation bound only). Not kept when the relaxation's solver cannot do enough iterations
        in it (large events), nor when the plan already meets the cheap bound.
    bound_seconds : float
        At most this many seconds for the semidefinite bound.
    bound_iterations : int
        With ``iterations=`` (a fixed effort): the bound's solver iterations (same plan, same bound).

    Examples
    --------
    >>> SeatingParams(guide=0.5).guide
    0.5
    >>> SeatingParams(guide=2)
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: column 'params.guide': guide must be between 0 and 1, not 2
    """

    guide: float = 0.8
    partners: int = 20
    p_move: float = 0.1
    p_group: float = 0.1
    cool: float = 300.0
    cool_alone: float = 30.0
    repair_share: float = 0.6
    repair_iterations: int = 2_000_000
    repair_give_up: int = 400_000
    tabu_tenure: int = 4
    tabu_stall: int = 500
    lns_share: float = 0.03
    lns_tables: int = 2
    lns_step_time: float = 1.0
    lns_patience: int = 200
    lns_every: int = 20_000
    population: int = 10
    group_stall: int = 5000
    group_tenure: int | None = None
    group_restart: int = 60
    round_sweeps: int = 3
    anneal_share: float = 0.4
    mixed_sweeps: int = 12
    mixed_tenure: int | None = None
    mixed_size: int = 800
    exact_size: int = 40
    exact_share: float = 0.9
    bound_share: float = 0.1
    bound_seconds: float = 30.0
    bound_iterations: int = 150

    label = "seating"

    def __post_init__(self) -> None:
        shares = {"guide", "p_move", "p_group", "repair_share", "lns_share", "exact_share", "bound_share",
                  "anneal_share"}
        for f in fields(self):
            if f.default is None and getattr(self, f.name) is None:  # optional whole numbers (None: by size)
                continue
            if f.type in ("int", int) or f.default is None:
                check_whole(self, [f.name], minimum=0 if f.name == "exact_size" else 1, column_prefix="params.")
            elif f.name in shares:
                check_number(self, f.name, high=1, column_prefix="params.")
            else:
                check_number(self, f.name, low_open=True, column_prefix="params.")
        if self.population < 2:
            raise InputError(f"population must be at least 2, not {self.population!r}", column="params.population")
        for name in ("cool", "cool_alone"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be >= 1 (the temperature falls), not {getattr(self, name)!r}",
                                 column=f"params.{name}")
