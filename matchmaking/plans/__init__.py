"""Plans returned by the solvers, and an independent checker."""

from matchmaking.plans.check import check_plan
from matchmaking.plans.io import read_plan
from matchmaking.plans.plan import Plan

__all__ = ["Plan", "check_plan", "read_plan"]
