"""Fixtures of the cohort tests: a 400-member community in three cities and its plan."""

from __future__ import annotations

import pytest
from cohorts_helpers import KW

import matchmaking as mm


@pytest.fixture(scope="session")
def community() -> mm.Community:
    return mm.datasets.synthetic_community(
        400, seed=9, cities=["Paris", "Lyon", "Nice"], lead_share=0.1, minority_share=0.03
    )


@pytest.fixture(scope="session")
def plan(community: mm.Community) -> mm.Plan:
    return mm.form_cohorts(community, balance=["seniority"], seed=1, **KW)
