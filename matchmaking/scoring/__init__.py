"""Scoring: pairwise affinity, the plan objective, and the organizer's hard requests."""

from matchmaking.scoring.affinity import Affinity, affinity
from matchmaking.scoring.objective import Objective, co_groupings, plan_kind
from matchmaking.scoring.pairs_file import history_counts, read_pairs
from matchmaking.scoring.requests import Requests

__all__ = ["Affinity", "Objective", "Requests", "affinity", "co_groupings", "history_counts", "plan_kind", "read_pairs"]
