"""Outputs never destroy inputs, and every command writes all of its outputs or none (issue 13)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from matchmaking.cli import main
from matchmaking.model import io as mio

MEMBERS = "id,name,offers,needs,city\na,Ana,seo,accounting,Paris\nb,Ben,accounting,seo,Lyon\n" \
          "c,Cleo,pricing,,Paris\nd,Dan,,pricing,Lyon\ne,Eve,branding,,Paris\nf,Fay,,branding,Nice\n"
SEAT = ["--tables", "2", "--table-size", "3", "--rounds", "2", "--time-limit", "1"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "m.csv").write_text(MEMBERS)
    return tmp_path


def _plan(folder: Path) -> Path:
    plan = folder / "plan.csv"
    plan.write_text("round,table,member\n1,1,a\n1,1,b\n1,1,c\n1,2,d\n1,2,e\n1,2,f\n")
    return plan


@pytest.mark.parametrize("case", [
    "seat-out-members", "cohorts-out-members", "seat-report-members", "pairs-pairs-out",
    "out-report-same", "link-to-members", "history-export-db", "squad-out-members",
])
def test_an_output_equal_to_an_input_is_refused_before_solving(folder, capsys, monkeypatch, case, cli):
    m = folder / "m.csv"
    w = folder / "w.csv"
    w.write_text("a,b,weight\na,b,1\n")
    db = folder / "h.db"
    assert main(["history", str(db), "record", str(_plan(folder))]) == 0
    capsys.readouterr()
    (folder / "link.csv").symlink_to(m)
    argv = {
        "seat-out-members": ["seat", m, *SEAT, "--out", m],
        "cohorts-out-members": ["cohorts", m, "--size", "2-3", "--time-limit", "1", "--out", folder / "." / "m.csv"],
        "seat-report-members": ["seat", m, *SEAT, "--out", folder / "p.csv", "--report", m],
        "pairs-pairs-out": ["pairs", m, "--pairs", w, "--out", w],
        "out-report-same": ["seat", m, *SEAT, "--out", folder / "p.csv", "--report", folder / "p.csv"],
        "link-to-members": ["seat", m, *SEAT, "--out", folder / "link.csv"],
        "history-export-db": ["history", db, "export", db],
        "squad-out-members": ["squad", m, "--member", "a", "--out", m],
    }[case]
    before = {p: p.read_bytes() for p in (m, w, db)}
    import matchmaking.solvers.seating as seating

    monkeypatch.setattr(seating, "seat", lambda *a, **k: pytest.fail("solved before refusing the output"))
    code, text = cli(*argv)
    assert code == 2
    assert "would destroy the input" in text or "would overwrite the other" in text
    assert {p: p.read_bytes() for p in before} == before
    assert not (folder / "p.csv").exists()


def test_missing_folder_and_folder_as_output_are_clear_errors(folder, cli):
    m = folder / "m.csv"
    code, text = cli("seat", m, *SEAT, "--out", folder / "nowhere" / "p.csv")
    assert code == 2 and "does not exist" in text and "Traceback" not in text
    assert not (folder / "nowhere").exists()
    (folder / "adir").mkdir()
    code, text = cli("seat", m, *SEAT, "--out", folder / "adir")
    assert code == 2 and "is a folder" in text and "Errno" not in text
    with pytest.raises(mio.InputError, match="does not exist"):  # the library too
        mio.write_table(pd.DataFrame({"a": [1]}), folder / "nowhere" / "x.csv")


def test_a_later_failing_output_leaves_none_of_them(folder, cli, monkeypatch):
    from matchmaking.reports import render

    old = folder / "p.csv"
    old.write_text("previous plan\n")
    real = render.atomic_write

    def broken(path, write):  # the report fails after the plan was written
        if str(path).endswith(".html"):
            raise OSError("disk full")
        return real(path, write)

    monkeypatch.setattr(render, "atomic_write", broken)
    code, _ = cli("seat", folder / "m.csv", *SEAT, "--out", old, "--report", folder / "r.html")
    assert code == 1
    assert old.read_text() == "previous plan\n"
    assert sorted(p.name for p in folder.iterdir()) == ["m.csv", "p.csv"]  # no temp file left either


def test_both_outputs_written_when_all_goes_well(folder, cli):
    code, _ = cli("seat", folder / "m.csv", *SEAT, "--out", folder / "p.csv", "--report", folder / "r.html")
    assert code == 0
    assert (folder / "p.csv").read_text().startswith("round,table,member")
    assert "<html" in (folder / "r.html").read_text()


def test_out_on_a_symlink_writes_its_target_and_keeps_the_link(folder, cli):
    real = folder / "plans" / "real.csv"
    real.parent.mkdir()
    real.write_text("old\n")
    link = folder / "current.csv"
    link.symlink_to(real)
    code, _ = cli("seat", folder / "m.csv", *SEAT, "--out", link)
    assert code == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("round,table,member")


def test_files_follow_the_umask_and_a_replaced_file_keeps_its_mode(tmp_path):
    old = os.umask(0o022)
    try:
        path = mio.write_table(pd.DataFrame({"a": [1]}), tmp_path / "x.csv")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        os.umask(0o077)
        path2 = mio.write_table(pd.DataFrame({"a": [1]}), tmp_path / "y.csv")
        assert stat.S_IMODE(path2.stat().st_mode) == 0o600
        os.chmod(path, 0o640)
        mio.write_table(pd.DataFrame({"a": [2]}), path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_a_stale_temp_file_of_a_killed_writer_is_cleaned_by_the_next_write(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".plan.csv.{mio.TEMP_TAG}-{dead.pid}-abcd1234.tmp"
    stale.write_text("member data")
    mine = tmp_path / f".plan.csv.{mio.TEMP_TAG}-{os.getpid()}-abcd1234.tmp"  # a live writer's: kept
    mine.write_text("being written")
    other = tmp_path / ".notes.tmp"  # not ours: kept
    other.write_text("x")
    mio.write_table(pd.DataFrame({"a": [1]}), tmp_path / "plan.csv")
    assert not stale.exists() and mine.exists() and other.exists()


_SLOW_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from matchmaking.cli import guarded
    from matchmaking.model.io import atomic_write, output_batch

    def slow(p: Path) -> None:
        p.write_text("member data " * 1000)
        print("writing", flush=True)
        time.sleep(30)

    with guarded(), output_batch():
        atomic_write(sys.argv[1], slow)
""")


def test_sigterm_during_a_write_leaves_the_previous_file_and_no_temp(tmp_path):
    target = tmp_path / "plan.csv"
    target.write_text("previous\n")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(target)], stdout=subprocess.PIPE, env=env,
                            text=True)
    assert proc.stdout.readline().strip() == "writing"
    assert len(list(tmp_path.iterdir())) == 2  # the temp file exists while writing
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 128 + signal.SIGTERM
    assert target.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]


def test_ctrl_c_leaves_the_previous_output(tmp_path):
    target = tmp_path / "plan.csv"
    target.write_text("previous\n")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(target)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, text=True)
    assert proc.stdout.readline().strip() == "writing"
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=20)
    assert target.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]


def test_every_verb_declares_the_files_it_writes():
    """A new verb with an --out/--report/--plot file must call commands.common.declare_paths (checked once)."""
    import argparse

    from matchmaking.cli import build_parser

    folders = {("demo", "out")}  # outputs that are folders, not files
    missing = []

    def visit(parser: argparse.ArgumentParser, name: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    visit(sub, f"{name} {sub_name}".strip())
            elif action.dest in ("out", "report", "plot") and (name, action.dest) not in folders:
                declared = {dest for dest, _ in parser.get_default("_outputs") or ()}
                if action.dest not in declared:
                    missing.append(f"{name}: {action.dest}")

    visit(build_parser(), "")
    assert not missing, f"call declare_paths(parser, inputs=..., outputs=...) for {missing}"
