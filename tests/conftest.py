"""Shared fixtures (small communities, a checker of problem lists) and the hypothesis profiles.

Profiles (see tests/README.md): ``ci`` (the default: few examples, derandomized, no example
database, so CI is bounded and repeatable) and ``long`` (a thousand random examples per test, for local
fuzzing runs: ``HYPOTHESIS_PROFILE=long pytest tests/fuzz``). Tests that set their own
``max_examples`` keep it under both.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

import matchmaking as mm

_RELAXED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture]
settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True, database=None, print_blob=True,
                          suppress_health_check=_RELAXED)
settings.register_profile("long", max_examples=1000, deadline=None, print_blob=True, suppress_health_check=_RELAXED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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


@pytest.fixture
def cli(capsys):
    """Run the command line in this process: ``code, text = cli("seat", path, ...)``.

    Arguments are turned into text; the exit code is argparse's where it refuses an option value,
    and the text is what was printed to stdout and stderr.
    """
    from matchmaking.cli import main

    def run(*argv: object) -> tuple[int, str]:
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse refuses an option value
            code = exc.code
        out = capsys.readouterr()
        return code, out.out + out.err

    return run


@pytest.fixture(scope="module")
def client():
    """For the engines' tests: a Dask client on an in-process LocalCluster (one worker, two threads), for the ``client=`` tests."""
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                       dashboard_address=None, silence_logs=40)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()
