"""Network-growth research: an agent-based model of a community meeting at events.

``mm.simulate(...)`` (:mod:`matchmaking.research.simulate`) runs the model for one or more
strategies; :func:`~matchmaking.research.sweep.sweep` runs strategies x parameters x seeds
on Dask; :mod:`matchmaking.research.calibration` compares the tie model with the SFHH
conference contacts.
"""

from matchmaking.research.metrics import network_metrics
from matchmaking.research.simulate import METRICS, GrowthModel, Simulation, growth_curve
from matchmaking.research.strategies import (
    familiar_seating,
    homophily_seating,
    mingling_seating,
    novelty_seating,
    optimised_seating,
    random_seating,
    table_layout,
)

__all__ = [
    "METRICS",
    "GrowthModel",
    "Simulation",
    "familiar_seating",
    "growth_curve",
    "homophily_seating",
    "mingling_seating",
    "network_metrics",
    "novelty_seating",
    "optimised_seating",
    "random_seating",
    "table_layout",
]
