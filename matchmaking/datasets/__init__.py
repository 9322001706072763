"""Shipped demo communities, a seeded synthetic generator, and real-data loaders."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matchmaking.datasets.real import (
    contact_days,
    contact_episodes,
    contact_graph,
    daily_tie_graphs,
    davis_southern_women,
    invs_offices,
    karate_club,
    read_sociopatterns,
    read_sociopatterns_metadata,
    sfhh_contacts,
    sociopatterns_file,
)
from matchmaking.datasets.synthetic import synthetic_community, synthetic_members
from matchmaking.model.community import Community

#: How the committed demo files were made (``datasets/make_datasets.py`` runs exactly this).
DEMO_RECIPES = {
    "demo_members.csv": {"n": 150, "seed": 2026, "lead_share": 0.06},
    "event_300.csv": {"n": 300, "seed": 300, "lead_share": 0.1},
}


def data_dir() -> Path:
    """The repository's ``datasets/`` folder (where the committed demo files live)."""
    return Path(__file__).resolve().parents[2] / "datasets"


def _demo_frame(name: str) -> pd.DataFrame:
    path = data_dir() / name
    if path.exists():
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    return synthetic_members(**DEMO_RECIPES[name])  # installed without the repository: same recipe


def demo_community() -> Community:
    """The shipped demo community: 150 members of an online school of entrepreneurs.

    Examples
    --------
    >>> c = demo_community()
    >>> len(c)
    150
    """
    return Community.from_frame(_demo_frame("demo_members.csv"), name="datasets/demo_members.csv")


def demo_event() -> Community:
    """The shipped 300-attendee event (its attendees, in the ``members.csv`` shape).

    Examples
    --------
    >>> len(demo_event())
    300
    """
    return Community.from_frame(_demo_frame("event_300.csv"), name="datasets/event_300.csv")


__all__ = [
    "DEMO_RECIPES",
    "contact_days",
    "contact_episodes",
    "contact_graph",
    "daily_tie_graphs",
    "data_dir",
    "davis_southern_women",
    "demo_community",
    "demo_event",
    "invs_offices",
    "karate_club",
    "read_sociopatterns",
    "read_sociopatterns_metadata",
    "sfhh_contacts",
    "sociopatterns_file",
    "synthetic_community",
    "synthetic_members",
]
