"""``matchmaking report`` from the files alone, and ``--report`` on the solving verbs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.cli import main

N = 12


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A 12-member community and one plan of each kind, as files."""
    demo = mm.datasets.demo_community()
    members = tmp_path / "members.csv"
    demo.subset(demo.ids[:N]).to_frame().to_csv(members, index=False)
    ids = demo.ids[:N]
    plans = {
        "seating": pd.DataFrame({"round": [1] * N + [2] * N, "table": [i % 3 + 1 for i in range(N)]
                                 + [(i // 4) + 1 for i in range(N)], "member": ids * 2}),
        "cohorts": pd.DataFrame({"cohort": [i % 2 + 1 for i in range(N)], "member": ids}),
        "pairs": pd.DataFrame({"round": [1] * N, "group": [i // 2 + 1 for i in range(N)], "member": ids}),
    }
    out = {"members": members}
    for kind, frame in plans.items():
        out[kind] = tmp_path / f"{kind}_plan.csv"
        frame.to_csv(out[kind], index=False)
    return out


@pytest.mark.parametrize("kind", ["seating", "cohorts", "pairs"])
def test_report_verb_detects_the_kind_and_writes_the_three_files(files: dict, tmp_path: Path, kind: str) -> None:
    out = tmp_path / "room"
    assert main(["report", str(files["members"]), str(files[kind]), "--out", str(out), "--color-by", "city"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(["index.html", f"{kind}.pdf", f"{kind}.xlsx"])
    text = subprocess.run(["pdftotext", str(out / f"{kind}.pdf"), "-"], capture_output=True, text=True).stdout
    names = pd.read_csv(files["members"])["name"]
    assert all(name in text for name in names)
    sheets = openpyxl.load_workbook(out / f"{kind}.xlsx").sheetnames
    assert sheets == {"seating": ["round 1", "round 2"], "cohorts": ["cohorts"], "pairs": ["round 1"]}[kind]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="{kind}.pdf"' in html and "city" in html


def test_report_verb_marks_hosts_and_writes_one_format(files: dict, tmp_path: Path) -> None:
    ids = pd.read_csv(files["members"])["id"].tolist()
    plan = pd.read_csv(files["seating"])
    hosts = [plan.query("round == 1 and table == @t")["member"].iloc[0] for t in (1, 2, 3)]
    out = tmp_path / "cards"
    code = main(["report", str(files["members"]), str(files["seating"]), "--out", str(out), "--format", "html",
                 "--hosts", ",".join(hosts)])
    assert code == 0 and [p.name for p in out.iterdir()] == ["index.html"]
    assert ids and "hosts this table" in (out / "index.html").read_text(encoding="utf-8")


def test_an_exported_plan_reports_its_hosts_and_leads_from_the_files_alone(files: dict, tmp_path: Path) -> None:
    m = str(files["members"])
    plan = pd.read_csv(files["seating"])
    hosts = [plan.query("round == 1 and table == @t")["member"].iloc[0] for t in (1, 2, 3)]
    assert main(["report", m, str(files["seating"]), "--out", str(tmp_path / "a"), "--format", "csv",
                 "--hosts", ",".join(hosts)]) == 0
    exported = tmp_path / "a" / "seating.csv"
    assert main(["report", m, str(exported), "--out", str(tmp_path / "b"), "--format", "html"]) == 0
    html = (tmp_path / "b" / "index.html").read_text(encoding="utf-8")
    names = pd.read_csv(files["members"]).set_index("id")["name"]
    assert all(f"★ {names[h]} hosts this table" in html for h in hosts)
    assert main(["report", m, str(files["cohorts"]), "--out", str(tmp_path / "c"), "--format", "csv",
                 "--leads", hosts[0]]) == 0
    assert main(["report", m, str(tmp_path / "c" / "cohorts.csv"), "--out", str(tmp_path / "d"),
                 "--format", "html"]) == 0
    assert "led by" in (tmp_path / "d" / "index.html").read_text(encoding="utf-8")
    assert main(["report", m, str(files["cohorts"]), "--out", str(tmp_path / "e"), "--format", "html"]) == 0
    assert "led by" not in (tmp_path / "e" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("extra, message", [
    (["--color-by", "colour"], "no attribute 'colour'"),
    (["--format", "html,docx"], "unknown format 'docx'"),
    (["--hosts", "nobody"], "unknown member 'nobody'"),
])
def test_bad_options_exit_2_and_write_nothing(files: dict, tmp_path: Path, capsys: pytest.CaptureFixture,
                                              extra: list, message: str) -> None:
    out = tmp_path / "room"
    assert main(["report", str(files["members"]), str(files["seating"]), "--out", str(out), *extra]) == 2
    assert message in capsys.readouterr().err and not out.exists()


def test_a_bad_plan_or_an_output_on_an_input_exits_2(files: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("round,table,member\n1,1,m0000\n1,1,ghost\n", encoding="utf-8")
    assert main(["report", str(files["members"]), str(bad), "--out", str(tmp_path / "r")]) == 2
    assert "row 3" in capsys.readouterr().err and not (tmp_path / "r").exists()
    before = files["seating"].read_bytes()
    assert main(["report", str(files["members"]), str(files["seating"]), "--out", str(files["seating"]),
                 "--format", "csv"]) == 2
    assert files["seating"].read_bytes() == before


def test_solving_verbs_write_their_report_through_the_same_layer(files: dict, tmp_path: Path) -> None:
    m = str(files["members"])
    assert main(["seat", m, "--tables", "2", "--table-size", "6", "--rounds", "2", "--time-limit", "2",
                 "--iterations", "2000", "--out", str(tmp_path / "p.csv"), "--report", str(tmp_path / "seat")]) == 0
    assert {p.name for p in (tmp_path / "seat").iterdir()} == {"index.html", "seating.pdf", "seating.xlsx"}
    assert main(["cohorts", m, "--size", "5-7", "--time-limit", "2", "--out", str(tmp_path / "c.csv"),
                 "--report", str(tmp_path / "c.html")]) == 0
    assert "Cohort 1" in (tmp_path / "c.html").read_text(encoding="utf-8")
    assert main(["pairs", m, "--out", str(tmp_path / "i.csv"), "--report", str(tmp_path / "i.xlsx")]) == 0
    assert openpyxl.load_workbook(tmp_path / "i.xlsx").sheetnames == ["round 1"]
