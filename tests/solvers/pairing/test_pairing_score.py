"""`matchmaking score` recomputes the pairing modes' objectives from the files alone."""

import json

import pytest

import matchmaking as mm
from matchmaking.cli import main


@pytest.mark.parametrize(("mode", "kwargs", "extra"), [
    ("intro", {}, []),
    ("roulette", {"rounds": 3, "time_limit": 2}, []),
    ("welcome", {"newcomers": "joined>=2026-01-01", "k": 2}, ["--similar", "city"]),
])
def test_score_matches_pairing_objective(tmp_path, capsys, mode, kwargs, extra):
    c = mm.datasets.demo_community()
    members = tmp_path / "m.csv"
    c.to_frame().to_csv(members, index=False)
    plan = mm.pair(c, mode, seed=0, **kwargs)
    plan.to_csv(tmp_path / "p.csv")
    assert main(["score", str(members), str(tmp_path / "p.csv"), "--json", *extra]) == 0
    assert json.loads(capsys.readouterr().out)["objective"]["total"] == pytest.approx(plan.objective)


def test_roulette_needs_a_round():
    with pytest.raises(mm.InputError, match="rounds must be a whole number"):
        mm.pair(mm.datasets.demo_community(), "roulette", rounds=0)
