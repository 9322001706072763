"""Shared fixtures: small communities and the location of ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import matchmaking as mm

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def tiny_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["ana", "ben", "chloe", "dan", "eve", "fay"],
            "name": ["Ana", "Ben", "Chloé", "Dan", "Eve", "Fay"],
            "offers": ["SEO; copywriting", "accounting", "S.E.O.", "pricing", "", "branding; seo "],
            "needs": ["accounting", "seo", "pricing", "", "branding", "accounting"],
            "goals": ["first client", "first client", "scale up", "", "first client", "scale up"],
            "city": ["Lyon", "Paris", "Lyon", "Paris", "Nice", "Lyon"],
            "sector": ["art", "crafts", "art", "writing", "art", "crafts"],
        }
    )


@pytest.fixture
def tiny(tiny_frame: pd.DataFrame) -> mm.Community:
    return mm.Community.from_frame(tiny_frame)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared data folder not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def expect_problems():
    """Check a checker's problem list: each fragment names a problem, and no problem goes unexpected."""

    def check(problems: list[str], *fragments: str) -> None:
        missing = [f for f in fragments if not any(f in p for p in problems)]
        unexpected = [p for p in problems if not any(f in p for f in fragments)]
        assert not missing and not unexpected, f"missing {missing}; unexpected {unexpected}"

    return check
