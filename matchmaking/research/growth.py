"""The parameters of the network-growth model (:class:`GrowthModel`), its growth curve and metric names.

See :mod:`matchmaking.research.simulate` for the model itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matchmaking.errors import InputError

METRICS = [
    "members", "joined", "left", "retention", "attendees", "contacts", "new_contacts", "repeat_share",
    "active_ties", "new_ties", "lost_ties", "ties", "mean_degree", "isolated", "giant", "clustering",
    "modularity", "bridging", "mean_path",
]


MAX_MEMBERS = 1_000_000  # size guards, checked before anything is allocated
MAX_EVENTS = 10_000
MAX_TABLE_SIZE = 10_000
MAX_ROUNDS = 1_000


@dataclass(frozen=True)
class GrowthModel:
    """Parameters of the growth model (see the module docstring for their role).

    Attributes
    ----------
    members : int
        Size of the synthetic community when none is given.
    events : int
        Number of events.
    initial : float
        Share of members already there at the first event.
    growth : str or sequence of int
        ``"logistic"``, ``"linear"``, ``"all"`` (everyone from the start) or the cumulative
        number of members at each event.
    attendance : float
        Probability that an active member attends an event.
    event_size : int, optional
        Cap on attendees (a random subset when more would come).
    table_size : int
        Seats per table.
    rounds : int or tuple of int
        Rounds (table changes) per event, or one number per event.
    tie_rate : float
        Tie hazard per shared round at zero affinity.
    affinity_effect : float
        Relative increase of the hazard per point of affinity.
    similar : tuple of str
        Attributes where sameness adds affinity (homophily of tie formation).
    sociability : float
        Spread (log-normal sigma) of members' sociability: a pair's tie hazard is multiplied
        by both members' sociability (mean 1); 0 = everyone alike. Real contact networks
        have broad degree distributions (SFHH: sigma about 0.6).
    fade, min_weight : float
        Weight lost per event without contact; ties below ``min_weight`` are lost.
    leave, leave_isolated : float
        Chance of leaving after an event with ``k`` ties or more / with none (linear between).
    k : int
        A member with fewer than ``k`` ties counts as isolated.
    cohort : str
        The attribute whose partition ``modularity`` and ``bridging`` measure.
    path_samples : int
        Sources sampled for the mean shortest path.
    """

    members: int = 2000
    events: int = 20
    initial: float = 0.2
    growth: str | tuple[int, ...] = "logistic"
    attendance: float = 0.15
    event_size: int | None = None
    table_size: int = 8
    rounds: int | tuple[int, ...] = 2
    tie_rate: float = 0.2
    affinity_effect: float = 0.5
    similar: tuple[str, ...] = ("city", "sector")
    sociability: float = 0.0
    fade: float = 0.15
    min_weight: float = 0.5
    leave: float = 0.005
    leave_isolated: float = 0.06
    k: int = 2
    cohort: str = "city"
    path_samples: int = 64

    def validate(self) -> GrowthModel:
        """Check every parameter; returns self. Raises :class:`~matchmaking.errors.InputError` naming the parameter."""
        checks = {
            "members": self.members >= 2, "events": self.events >= 1, "initial": 0 <= self.initial <= 1,
            "attendance": 0 <= self.attendance <= 1, "table_size": self.table_size >= 2, "rounds": min(np.atleast_1d(self.rounds)) >= 1,
            "tie_rate": self.tie_rate >= 0, "affinity_effect": self.affinity_effect >= 0,
            "fade": 0 <= self.fade <= 1, "sociability": self.sociability >= 0, "min_weight": self.min_weight >= 0, "leave": 0 <= self.leave <= 1,
            "leave_isolated": 0 <= self.leave_isolated <= 1, "k": self.k >= 1, "path_samples": self.path_samples >= 1,
            "event_size": self.event_size is None or self.event_size >= 2,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise InputError(f"invalid growth-model parameter(s): {', '.join(f'{b}={getattr(self, b)!r}' for b in bad)}")
        limits = {"members": MAX_MEMBERS, "events": MAX_EVENTS, "table_size": MAX_TABLE_SIZE,
                  "rounds": MAX_ROUNDS, "k": MAX_TABLE_SIZE, "path_samples": MAX_MEMBERS}
        for name, high in limits.items():
            value = max(np.atleast_1d(getattr(self, name)))
            if value > high:
                raise InputError(f"{name}={value:,} is more than {high:,}: is this the right number?", column=name)
        if isinstance(self.growth, str) and self.growth not in ("logistic", "linear", "all"):
            raise InputError(f"growth must be 'logistic', 'linear', 'all' or a list of counts, not {self.growth!r}")
        if not np.isscalar(self.rounds) and len(self.rounds) != self.events:
            raise InputError(f"rounds: expected one number per event ({self.events}), got {len(self.rounds)}")
        return self

    def rounds_at(self, event: int) -> int:
        """Rounds of event ``event`` (from 1)."""
        return int(self.rounds) if np.isscalar(self.rounds) else int(self.rounds[event - 1])


def growth_curve(model: GrowthModel, n: int) -> np.ndarray:
    """Cumulative number of members at each event (non-decreasing, ends at ``n``).

    Examples
    --------
    >>> growth_curve(GrowthModel(events=5, initial=0.2, growth="linear"), 100).tolist()
    [20, 40, 60, 80, 100]
    """
    e = model.events
    if not isinstance(model.growth, str):
        counts = np.asarray(model.growth, dtype=int)
        if len(counts) != e or (np.diff(counts) < 0).any() or counts.min() < 0 or counts.max() > n:
            raise InputError(f"growth: expected {e} non-decreasing counts between 0 and {n}")
        return counts
    if model.growth == "all" or e == 1:
        return np.full(e, n)
    if model.growth == "linear":
        f = np.linspace(0.0, 1.0, e)
    else:
        s = 1.0 / (1.0 + np.exp(-np.linspace(-5.0, 5.0, e)))
        f = (s - s[0]) / (s[-1] - s[0])
    return np.round(n * (model.initial + (1.0 - model.initial) * f)).astype(int)
