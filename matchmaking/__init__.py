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
from matchmaking.solvers.control import (
    AnyOf,
    GapReached,
    MaxIterations,
    MaxRuntime,
    Monitor,
    NoImprovement,
    Progress,
)

__version__ = "0.1.0"

# Entry points that live in their own modules, imported on first use (``mm.seat`` ...).
_LAZY = {
    "seat": "matchmaking.solvers.seating",
    "form_cohorts": "matchmaking.solvers.cohorts",
    "help_squad": "matchmaking.solvers.squads",
    "pair": "matchmaking.solvers.pairing",
    "MeetingHistory": "matchmaking.history",
    "simulate": "matchmaking.research.simulate",
    "widgets": "matchmaking.widgets",
}


def __getattr__(name: str) -> object:
    import importlib

    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        return module if name == "widgets" else getattr(module, name)
    raise AttributeError(f"module 'matchmaking' has no attribute {name!r}")

__all__ = [
    "Affinity",
    "AnyOf",
    "GapReached",
    "MaxIterations",
    "MaxRuntime",
    "Monitor",
    "NoImprovement",
    "Progress",
    "Community",
    "InfeasibleError",
    "InputError",
    "LabelIndex",
    "Objective",
    "Plan",
    "MeetingHistory",
    "Requests",
    "affinity",
    "check_plan",
    "datasets",
    "form_cohorts",
    "help_squad",
    "normalize_label",
    "pair",
    "read_pairs",
    "seat",
    "simulate",
    "widgets",
]
