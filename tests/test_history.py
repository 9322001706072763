"""MeetingHistory: recording any plan, idempotence, crash safety, concurrent writers, queries, CLI."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import networkx as nx
import pandas as pd
import pytest

from matchmaking import Community, Plan
from matchmaking.cli import main
from matchmaking.errors import InputError
from matchmaking.history import SCHEMA_VERSION, MeetingHistory
from matchmaking.scoring.pairs_file import history_counts

SEATING = pd.DataFrame(
    {"round": [1, 1, 1, 1, 2, 2, 2, 2], "table": [1, 1, 2, 2, 1, 1, 2, 2],
     "member": ["a", "b", "c", "d", "a", "c", "b", "d"]}
)


@pytest.fixture
def history(tmp_path):
    return MeetingHistory(tmp_path / "h.db")


def test_record_seating_counts_pairs_per_round(history):
    assert history.record(SEATING, event="e1", date="2026-01-01") == 4
    counts = history.pair_counts()
    assert counts.values.tolist() == [["a", "b", 1], ["a", "c", 1], ["b", "d", 1], ["c", "d", 1]]
    assert history.schema_version == SCHEMA_VERSION
    assert history.events()[["event", "kind", "members", "encounters"]].values.tolist() == [["e1", "seating", 4, 4]]


def test_same_pair_twice_in_one_event_counts_twice(history):
    plan = pd.DataFrame({"round": [1, 1, 2, 2], "table": [1, 1, 3, 3], "member": ["x", "y", "y", "x"]})
    history.record(plan, event="e")
    assert history.times_met("y", "x") == 2


def test_cohorts_pairs_and_plan_objects(history):
    cohorts = pd.DataFrame({"cohort": [1, 1, 1, 2], "member": ["a", "b", "c", "d"]})
    assert history.record(cohorts, event="cohorts") == 3
    pairs = pd.DataFrame({"round": [1, 1, 1], "group": [1, 1, 1], "member": ["a", "d", "e"]})
    assert history.record(pairs, event="roulette") == 3
    plan = Plan("seating", SEATING, objective=0.0)
    history.record(plan, event="plan")
    assert history.times_met("a", "b") == 2
    assert history.times_met("a", "d") == 1
    assert set(history.events()["kind"]) == {"cohorts", "pairs", "seating"}


def test_double_import_does_not_double_count(tmp_path, history):
    path = tmp_path / "plan.csv"
    SEATING.to_csv(path, index=False)
    assert history.record(path) == 4
    assert history.record(path) == 0  # same file, default name from its content
    assert history.record(path, event="named", date="2026-02-01") == 4  # a different event name is a new event
    assert history.record(path, event="named", date="2026-02-01") == 0
    assert len(history) == 2
    assert history.times_met("a", "b") == 2


def test_conflicting_reimport_needs_replace(history):
    history.record(SEATING, event="e1", date="2026-01-01")
    other = SEATING.assign(member=["a", "d", "c", "b", "a", "c", "b", "d"])
    with pytest.raises(ValueError, match="replace=True"):
        history.record(other, event="e1", date="2026-01-01")
    assert history.times_met("a", "b") == 1  # nothing changed
    history.record(other, event="e1", date="2026-01-01", replace=True)
    assert history.times_met("a", "b") == 0 and history.times_met("a", "d") == 1
    assert len(history) == 1


def test_bad_plan_file_names_row_and_column(tmp_path, history):
    path = tmp_path / "bad.csv"
    path.write_text("round,table,member\n1,1,a\n1,x,b\n")
    with pytest.raises(InputError, match=r"bad.csv, row 3, column 'table'"):
        history.record(path)
    path.write_text("who,member\n1,a\n")
    with pytest.raises(InputError, match="round,table,member"):
        history.record(path)
    assert len(history) == 0


def test_queries_last_met_met_stale_graph(tmp_path, history):
    history.record(SEATING, event="jan", date="2026-01-10")
    again = pd.DataFrame({"round": [1, 1, 1, 1], "table": [1, 1, 2, 2], "member": ["a", "b", "c", "d"]})
    history.record(again, event="feb", date="2026-02-10")
    history.record(again, event="mar", date="2026-03-10")
    assert history.last_met("b", "a") == "2026-03-10"
    assert history.last_met("a", "d") is None
    met = history.met("a")
    assert met.values.tolist() == [["b", 3, 3, "2026-01-10", "2026-03-10"], ["c", 1, 1, "2026-01-10", "2026-01-10"]]
    stale = history.stale(2)
    assert stale["member"].tolist() == ["a", "b", "c", "d"]
    assert stale["last_new"].tolist() == ["jan"] * 4
    assert history.stale(3).empty  # everyone met someone new in January
    g = history.to_networkx()
    assert isinstance(g, nx.Graph) and g["a"]["b"] == {"count": 3, "events": 3, "first": "2026-01-10", "last": "2026-03-10"}
    out = history.to_csv(tmp_path / "enc.csv")
    assert len(pd.read_csv(out)) == 4 + 2 + 2
    assert history.remove("mar") and not history.remove("mar")
    assert history.times_met("a", "b") == 2


def test_history_feeds_solvers_through_history_counts(history):
    history.record(SEATING, event="e1")
    community = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"]}))
    counts = history_counts(history, community)
    assert counts.values.tolist() == [["a", "b", 1.0], ["a", "c", 1.0]]
    assert history.pair_counts(["a", "b"]).values.tolist() == [["a", "b", 1]]


def test_not_a_database(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(ValueError, match="not a meeting history"):
        MeetingHistory(path)


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    import pandas as pd
    import matchmaking.history as H

    def slow(rows):
        for k, row in enumerate(rows):
            if k == len(rows) // 2:
                print("mid-write", flush=True)
                time.sleep(120)
            yield row

    H._insert_stream = slow
    n = 60
    plan = pd.DataFrame({"cohort": [1] * n, "member": [f"m{i:03d}" for i in range(n)]})
    H.MeetingHistory(sys.argv[1]).record(plan, event="big")
    """
)


def test_killed_writer_loses_nothing_and_leaves_no_half_event(tmp_path):
    db = tmp_path / "h.db"
    history = MeetingHistory(db)
    history.record(SEATING, event="before")
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "mid-write"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    after = MeetingHistory(db)
    assert after.events()["event"].tolist() == ["before"]
    assert len(after.encounters()) == 4
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # the ledger is usable again, and the event can be recorded whole
    plan = pd.DataFrame({"cohort": [1] * 60, "member": [f"m{i:03d}" for i in range(60)]})
    assert after.record(plan, event="big") == 60 * 59 // 2


_WRITER = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from matchmaking.history import MeetingHistory

    h = MeetingHistory(sys.argv[1])
    tag = sys.argv[2]
    for k in range(8):
        plan = pd.DataFrame({"round": [1] * 6, "table": [1, 1, 1, 2, 2, 2],
                             "member": [f"{tag}{i}" for i in range(6)]})
        h.record(plan, event=f"{tag}-{k}")
    """
)


def test_two_processes_writing_at_once(tmp_path):
    db = tmp_path / "h.db"
    MeetingHistory(db)
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(db), tag]) for tag in ("p", "q")]
    deadline = time.monotonic() + 60
    for proc in procs:
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        assert proc.returncode == 0
    history = MeetingHistory(db)
    assert len(history) == 16
    assert len(history.encounters()) == 16 * 6
    assert history.times_met("p0", "p1") == 8 and history.times_met("q3", "q5") == 8


def test_cli_record_and_query(tmp_path, capsys):
    plan = tmp_path / "plan.csv"
    SEATING.to_csv(plan, index=False)
    db = str(tmp_path / "h.db")
    assert main(["history", db, "record", str(plan), "--event", "e1", "--date", "2026-01-01"]) == 0
    assert "4 encounter(s) recorded" in capsys.readouterr().out
    assert main(["history", db, "record", str(plan), "--event", "e1", "--date", "2026-01-01"]) == 0
    assert "already recorded" in capsys.readouterr().out
    assert main(["history", db, "met", "a"]) == 0
    met = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in met[1:]] == [["b", "1"], ["c", "1"]]  # a met b and c once each
    out = tmp_path / "pairs.csv"
    assert main(["history", db, "pairs", str(out)]) == 0
    assert pd.read_csv(out)["count"].sum() == 4
    bad = tmp_path / "bad.csv"
    bad.write_text("round,table,member\n1,0,a\n")
    assert main(["history", db, "record", str(bad)]) == 2
    assert "row 2, column 'table'" in capsys.readouterr().err


def test_score_reads_history_db_on_the_command_line(tmp_path, capsys):
    import json

    import matchmaking as mm

    members = tmp_path / "members.csv"
    mm.datasets.synthetic_members(12, seed=1).to_csv(members, index=False)
    ids = pd.read_csv(members)["id"].tolist()
    plan = tmp_path / "plan.csv"
    pd.DataFrame({"round": 1, "table": [1] * 6 + [2] * 6, "member": ids}).to_csv(plan, index=False)
    db = tmp_path / "h.db"
    assert main(["score", str(members), str(plan), "--json"]) == 0
    fresh = json.loads(capsys.readouterr().out)["objective"]
    MeetingHistory(db).record(plan, event="last-month")
    assert main(["score", str(members), str(plan), "--history", str(db), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)["objective"]
    assert fresh["repeats"] == 0 and again["repeats"] < 0  # all 30 pairs met before: repeats
