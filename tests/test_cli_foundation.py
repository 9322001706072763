import json

import pandas as pd

from matchmaking.cli import main


def test_demo_writes_report(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    html = (out / "index.html").read_text()
    assert "Directory" in html and "Affinity" in html
    assert (out / "top_pairs.csv").exists() and (out / "labels.csv").exists()
    # the room PDF: summary, charts (16 tables a page), cards and itineraries of the event; cohort rosters
    import math
    import subprocess

    seating, cohorts = pd.read_csv(out / "seating.csv"), pd.read_csv(out / "cohorts.csv")
    rounds, tables = seating["round"].nunique(), seating.groupby("round")["table"].nunique()
    expected = (1 + sum(math.ceil(t / 16) for t in tables) + int(tables.sum()) + seating["member"].nunique()
                + 1 + cohorts["cohort"].nunique())
    info = subprocess.run(["pdfinfo", str(out / "room.pdf")], capture_output=True, text=True, check=True).stdout
    assert f"Pages:           {expected}" in info and rounds == 3
    assert list(seating.columns[:4]) == ["round", "table", "member", "name"]


def test_score_reports_objective_and_violations(tiny_frame, tmp_path, capsys):
    members = tmp_path / "members.csv"
    tiny_frame.to_csv(members, index=False)
    plan = tmp_path / "plan.csv"
    pd.DataFrame({"round": [1, 1, 1, 1, 1, 1], "table": [1, 1, 1, 2, 2, 2],
                  "member": ["ana", "ben", "chloe", "dan", "eve", "fay"]}).to_csv(plan, index=False)
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("a,b,weight\nana,ben,2\nben,chloe,1.5\ndan,eve,-1\nana,fay,10\n")
    assert main(["score", str(members), str(plan), "--pairs", str(pairs), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["kind"] == "seating"
    # with --pairs the objective is the pairs file alone: 2 + 1.5 - 1 (ana-fay never meet)
    assert result["objective"]["total"] == 2.5
    cons = tmp_path / "c.csv"
    cons.write_text("kind,a,b\napart,ana,ben\ntogether,ana,fay\n")
    assert main(["score", str(members), str(plan), "--constraints", str(cons), "--table-size", "2"]) == 1
    text = capsys.readouterr().out
    assert "apart ana-ben broken" in text and "together ana-fay broken" in text and "3 members for 2 seats" in text


def test_score_accepts_cohorts_and_pairs_shapes(tiny_frame, tmp_path, capsys):
    members = tmp_path / "members.xlsx"
    tiny_frame.to_excel(members, index=False)
    plan = tmp_path / "cohorts.csv"
    pd.DataFrame({"cohort": [1, 1, 1, 2, 2, 2], "member": tiny_frame["id"]}).to_csv(plan, index=False)
    assert main(["score", str(members), str(plan)]) == 0
    assert "cohorts plan" in capsys.readouterr().out


def test_score_recomputes_a_cohort_plan_objective(tmp_path, capsys):
    """score and form_cohorts agree on the objective when given the same spread."""
    import matchmaking as mm

    c = mm.datasets.demo_community()
    members = tmp_path / "m.csv"
    c.to_frame().to_csv(members, index=False)
    plan = mm.form_cohorts(c, size="8-12", similar=["city"], spread=["sector"], time_limit=3, seed=0)
    plan.to_csv(tmp_path / "c.csv")
    main(["score", str(members), str(tmp_path / "c.csv"), "--spread", "sector", "--json"])
    assert abs(json.loads(capsys.readouterr().out)["objective"]["total"] - plan.objective) < 1e-6
    assert main(["score", str(members), str(tmp_path / "c.csv"), "--spread", "planet"]) == 2


def test_history_inputs_are_validated_and_never_created_by_reads(tiny_frame, tmp_path, capsys):
    members = tmp_path / "members.csv"
    tiny_frame.to_csv(members, index=False)
    plan = tmp_path / "plan.csv"
    pd.DataFrame({"cohort": [1, 1, 1, 2, 2, 2], "member": tiny_frame["id"]}).to_csv(plan, index=False)
    assert main(["score", str(members), str(plan), "--history", str(tmp_path / "typo.db")]) == 2
    assert "history file not found" in capsys.readouterr().err
    assert main(["history", str(tmp_path / "typo.db"), "events"]) == 2
    assert not (tmp_path / "typo.db").exists()
    hist = tmp_path / "met.csv"
    hist.write_text("a,b,count\nana,ben,2\nana,chloe,x\n")
    assert main(["score", str(members), str(plan), "--history", str(hist)]) == 2
    assert "met.csv, row 3, column 'count'" in capsys.readouterr().err
    hist.write_text("a,b,count\nana,ben,2\n")
    assert main(["score", str(members), str(plan), "--history", str(hist), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"]["repeats"] == 1  # ana-ben met before, meet again


def test_same_plan_on_two_dates_is_two_events(tmp_path, capsys):
    from matchmaking.history import MeetingHistory

    plan = tmp_path / "plan.csv"
    pd.DataFrame({"round": [1, 1], "group": [1, 1], "member": ["a", "b"]}).to_csv(plan, index=False)
    db = tmp_path / "h.db"
    assert main(["history", str(db), "record", str(plan), "--date", "2026-01-01"]) == 0
    assert main(["history", str(db), "record", str(plan), "--date", "2026-02-01"]) == 0
    assert main(["history", str(db), "record", str(plan), "--date", "2026-02-01"]) == 0  # same event again: no-op
    h = MeetingHistory(db)
    assert len(h) == 2 and h.times_met("a", "b") == 2


def test_score_recomputes_a_cohort_objective_with_balance(tmp_path, capsys):
    """score --balance (--balance-by the cohorts' similar) gives the solver's objective, balance terms included."""
    import matchmaking as mm

    c = mm.datasets.demo_community()
    members = tmp_path / "m.csv"
    c.to_frame().to_csv(members, index=False)
    plan = mm.form_cohorts(c, size="8-12", similar=["city"], spread=["sector"], balance=["seniority"],
                           time_limit=3, seed=0)
    assert plan.breakdown["balance:seniority"] < 0
    plan.to_csv(tmp_path / "c.csv")
    main(["score", str(members), str(tmp_path / "c.csv"), "--spread", "sector", "--balance", "seniority",
          "--balance-by", "city", "--json"])
    result = json.loads(capsys.readouterr().out)["objective"]
    assert abs(result["total"] - plan.objective) < 1e-6
    assert abs(result["balance:seniority"] - plan.breakdown["balance:seniority"]) < 1e-9
    assert main(["score", str(members), str(tmp_path / "c.csv"), "--balance", "city"]) == 2
