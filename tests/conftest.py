"""Shared fixtures: small communities and a checker of problem lists."""

from __future__ import annotations

import pandas as pd
import pytest

import matchmaking as mm


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


@pytest.fixture
def expect_problems():
    """Check a checker's problem list: each fragment names a problem, and no problem goes unexpected."""

    def check(problems: list[str], *fragments: str) -> None:
        missing = [f for f in fragments if not any(f in p for p in problems)]
        unexpected = [p for p in problems if not any(f in p for f in fragments)]
        assert not missing and not unexpected, f"missing {missing}; unexpected {unexpected}"

    return check
