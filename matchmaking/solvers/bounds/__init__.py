"""Proven upper bounds for grouping problems, each taken from a dual certificate.

- :func:`partition_bound`: one round of groups (the maximally diverse grouping problem, tables
  of given capacities with empty seats, pins, together and apart pairs): the semidefinite
  relaxation of the same-group matrix (PSD, unit diagonal, row sums, ``0 <= X <= 1``).
- :func:`rounds_bound` over :func:`build`: several rounds, a pair's value counted once and
  repeats penalised; rounds coupled by pair prices (the joint relaxation).
- :func:`pairing_bound`: groups of two over rounds (coffee roulette): Lagrangian relaxation
  with exact maximum-weight matchings.

A bound is never the primal value of an approximate solver: it is the value of a dual point,
evaluated with a proven eigenvalue bound (:mod:`.certify`), so the printed number is at least
the optimum whatever the solver's accuracy. :func:`certify` recomputes it from the certificate.
"""

from __future__ import annotations

from matchmaking.solvers.bounds.certify import lambda_max_upper
from matchmaking.solvers.bounds.pairs import pairing_bound
from matchmaking.solvers.bounds.rounds import (
    Certificate,
    PairBound,
    RoundsData,
    build,
    certify,
    partition_bound,
    rounds_bound,
)

__all__ = ["Certificate", "PairBound", "RoundsData", "build", "certify", "lambda_max_upper", "pairing_bound",
           "partition_bound", "rounds_bound"]
