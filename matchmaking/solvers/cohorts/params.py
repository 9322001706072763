"""Tuning values of the cohort engine, in one small validated dataclass."""

from __future__ import annotations

from dataclasses import dataclass, fields

from matchmaking.errors import InputError
from matchmaking.solvers.params import Params


@dataclass(frozen=True)
class CohortParams(Params):
    """Tuning of :func:`~matchmaking.solvers.cohorts.form_cohorts` (the defaults are the tested ones).

    Attributes
    ----------
    penalty : float
        Weight of one hard-rule violation inside the search (never accepted when avoidable).
    exact_max : int
        Blocks of at most this many members are finished exactly with CP-SAT (no balance, no growth).
    exact_seconds : float
        At most this long per exact block (within its time share); the best valid plan found is kept.
    repair_rounds : int
        Passes of the repair phase over the members in violation.
    repair_sample : int
        Random swap partners tried for each member in violation.
    patience : int
        Tries without improvement before the local search stops (at least the block size).
    tries_per_member, tries_extra : int
        The local search makes at most ``tries_per_member * n + tries_extra`` tries on a block of ``n``.
    screened_swaps : int
        Swap partners of a member evaluated exactly after the pair-part screening.
    other_counts : int
        Other cohort counts tried on a block when the hard rules fail with the first.
    reserve_share, reserve_per_member, reserve_vs_setup : float
        Time kept for the evaluation and the checks after the search: the largest of
        ``reserve_share`` of the limit, ``reserve_per_member`` seconds per member and
        ``reserve_vs_setup`` times the setup (reading the rules, cutting the blocks), which
        measures how fast the machine is at that moment.
    min_block_seconds : float
        The least time a block is given, even when the limit is spent.
    bound_share : float
        Share of the time left after the setup that the bound of the cities cut into sub-blocks
        may take (the rows not reached get a looser bound; see ``bound.city_bound``).

    Examples
    --------
    >>> CohortParams().penalty
    1000.0
    >>> CohortParams(exact_max=-1)
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: column 'exact_max': must be >= 0, not -1
    """

    penalty: float = 1000.0
    exact_max: int = 14
    exact_seconds: float = 3.0
    repair_rounds: int = 3
    repair_sample: int = 300
    patience: int = 300
    tries_per_member: int = 20
    tries_extra: int = 1000
    screened_swaps: int = 4
    other_counts: int = 8
    reserve_share: float = 0.1
    reserve_per_member: float = 2e-4
    reserve_vs_setup: float = 2.0
    min_block_seconds: float = 0.1
    bound_share: float = 0.15

    label = "cohort"

    def __post_init__(self) -> None:
        positive = {"penalty", "patience", "screened_swaps", "min_block_seconds"}
        for f in fields(self):
            value = getattr(self, f.name)
            kind = float if f.type in ("float", float) else int
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    kind is int and not float(value).is_integer()):
                raise InputError(f"must be a {'number' if kind is float else 'whole number'}, not {value!r}",
                                 column=f.name)
            if value != value or value < 0 or (f.name in positive and value <= 0):
                raise InputError(f"must be {'> 0' if f.name in positive else '>= 0'}, not {value!r}", column=f.name)
        for name in ("reserve_share", "bound_share"):
            if getattr(self, name) >= 1:
                raise InputError(f"must be below 1, not {getattr(self, name)!r}", column=name)
