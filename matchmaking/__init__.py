"""Matchmaking workbench: community model, affinity scoring, optimised encounters, research.

>>> import matchmaking as mm
>>> c = mm.datasets.demo_community()
>>> aff = mm.affinity(c, similar=["city"])
>>> len(c), aff.terms[:2]
(150, ['complementarity', 'goals'])
"""

from matchmaking import datasets
from matchmaking.errors import InfeasibleError, InputError
from matchmaking.model import Community, LabelIndex, normalize_label
from matchmaking.plans import Plan, check_plan
from matchmaking.scoring import Affinity, Objective, Requests, affinity, read_pairs

__version__ = "0.1.0"

__all__ = [
    "Affinity",
    "Community",
    "InfeasibleError",
    "InputError",
    "LabelIndex",
    "Objective",
    "Plan",
    "Requests",
    "affinity",
    "check_plan",
    "datasets",
    "normalize_label",
    "read_pairs",
]
