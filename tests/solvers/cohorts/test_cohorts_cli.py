"""The cohorts command."""

from __future__ import annotations

import pandas as pd

import matchmaking as mm
from matchmaking.cli import main


def test_cli_writes_cohorts_and_reports_bad_input(tmp_path, capsys):
    members = tmp_path / "members.csv"
    mm.datasets.synthetic_members(150, seed=9, cities=["Lyon", "Nice"], lead_share=0.1, minority_share=0).to_csv(
        members, index=False)
    out = tmp_path / "cohorts.csv"
    rc = main(["cohorts", str(members), "--size", "8-12", "--similar", "city", "--spread", "sector",
               "--protect", "gender", "--leaders", "role=lead", "--out", str(out), "--report", str(tmp_path / "r.html")])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "bound" in text and "gap" in text and "feasible" in text
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["cohort", "member"] and len(frame) == 150
    assert main(["score", str(members), str(out)]) == 0
    grown = tmp_path / "grown.csv"
    rc = main(["cohorts", str(members), "--previous", str(out), "--move-budget", "0", "--out", str(grown)])
    assert rc == 0
    assert pd.read_csv(grown).set_index("member")["cohort"].equals(frame.set_index("member")["cohort"])
    bad = tmp_path / "constraints.csv"
    bad.write_text("kind,a,b\ntogether,m0001,zz\n")
    rc = main(["cohorts", str(members), "--constraints", str(bad), "--out", str(tmp_path / "x.csv")])
    err = capsys.readouterr().err
    assert rc == 2 and "constraints.csv, row 2, column 'b'" in err
    assert not (tmp_path / "x.csv").exists()
