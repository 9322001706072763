"""Bad values are refused with a clear message, and what the CLI shows is safe and precise (issue 13)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.errors import InputError

MEMBERS = ("id,name,offers,needs,city,role,joined\n"
           "a,Ana,seo,accounting,Paris,lead,2025-01-01\nb,Ben,accounting,seo,Lyon,member,2025-12-01\n"
           "c,Cleo,pricing,,Paris,member,2026-02-01\nd,Dan,,pricing,Lyon,lead,2025-11-15\n"
           "e,Eve,branding,,Paris,member,2026-03-01\nf,Fay,,branding,Nice,member,2025-09-01\n")
SEAT = ["--tables", "2", "--table-size", "3", "--rounds", "2", "--time-limit", "1"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "m.csv").write_text(MEMBERS)
    return tmp_path


# ------------------------------------------------------------------ selections


def test_a_selection_matching_nobody_is_refused_not_everyone(folder, cli):
    m = folder / "m.csv"
    code, text = cli("pairs", m, "--only", "city=Pariss", "--out", folder / "p.csv")
    assert code == 2 and "matches nobody" in text and "'Paris'" in text
    code, text = cli("pairs", m, "--mode", "mentor", "--mentors", "role=laed", "--out", folder / "p.csv")
    assert code == 2 and "matches nobody" in text
    assert not (folder / "p.csv").exists()
    c = mm.Community.from_csv(m)
    with pytest.raises(InputError, match="matches nobody"):
        mm.pair(c, members="city=Pariss")
    with pytest.raises(InputError, match="matches nobody"):
        mm.pair(c, members=[])


def test_selection_dates_compare_as_dates(folder, cli):
    m = folder / "m.csv"
    plans = []
    for when in ("2026-1-1", "2026-01-01"):
        out = folder / f"p{len(plans)}.csv"
        assert cli("pairs", m, "--only", f"joined<{when}", "--out", out)[0] == 0
        plans.append(out.read_text())
    assert plans[0] == plans[1]
    c = mm.Community.from_csv(m)
    assert c.select("joined<2026-1-1") == c.select("joined<2026-01-01") == ["a", "b", "d", "f"]


# ------------------------------------------------------------------ bad values


@pytest.mark.parametrize("argv", [
    ["seat", *SEAT[:-1], "-1"],
    ["cohorts", "--size", "2-3", "--time-limit", "-1"],
    ["pairs", "--time-limit", "0"],
    ["squad", "--member", "a", "--time-limit", "-5"],
    ["squad", "--member", "a", "--load-cap", "-1"],
    ["cohorts", "--size", "2-3", "--workers", "-3"],
    ["seat", *SEAT, "--iterations", "0"],
    ["pairs", "--mode", "roulette", "--rounds", "0"],
    ["seat", *SEAT, "--seed", "-1"],
])
def test_negative_or_zero_options_are_refused(folder, cli, argv):
    code, text = cli(argv[0], folder / "m.csv", *argv[1:], "--out", folder / "p.csv")
    assert code == 2 and "must be" in text
    assert not (folder / "p.csv").exists()


def test_library_refuses_bad_time_limits_load_caps_and_dates(folder):
    c = mm.Community.from_csv(folder / "m.csv")
    with pytest.raises(InputError, match="time limit"):
        mm.pair(c, "roulette", time_limit=-1)
    with pytest.raises(InputError, match="time limit"):
        mm.help_squad(c, "a", k=2, time_limit=-1)
    with pytest.raises(InputError, match="load cap"):
        mm.help_squad(c, "a", k=2, load_cap=-1)
    with pytest.raises(InputError, match="not a date"):
        mm.help_squad(c, "a", k=2, since="notadate")


def test_squad_since_compares_dates_as_dates(folder, cli):
    h = mm.MeetingHistory(folder / "h.db")
    h.record(pd.DataFrame({"cohort": [1, 1], "member": ["b", "e"]}), event="june", date="2026-06-10")
    h.record(pd.DataFrame({"cohort": [1, 1], "member": ["c", "f"]}), event="may", date="2026-05-20")
    c = mm.Community.from_csv(folder / "m.csv")
    plan = mm.help_squad(c, "a", k=2, history=h, load_cap=1, since="2026-6-1")
    assert "2 helper(s) left out: load at or above the cap of 1" in plan.notes  # b and e (June), not c, f (May)
    code, text = cli("squad", folder / "m.csv", "--member", "a", "--since", "notadate",
                      "--out", folder / "s.csv")
    assert code == 2 and "not a date" in text and not (folder / "s.csv").exists()


def test_mentor_capacity_zero_or_negative_is_refused(folder, cli):
    m = folder / "m.csv"
    for value in ("0", "-2"):
        code, text = cli("pairs", m, "--mode", "mentor", "--mentors", "role=lead", "--capacity", value,
                          "--out", folder / "p.csv")
        assert code == 2 and ">= 1" in text and "no attribute" not in text
    seats = folder / "seats.csv"  # a capacity column that gives every mentor 0
    seats.write_text("id,role,seats\na,lead,0\nb,lead,0\nc,member,\nd,member,\n")
    code, text = cli("pairs", seats, "--mode", "mentor", "--mentors", "role=lead", "--capacity", "seats",
                      "--out", folder / "p.csv")
    assert code == 2 and "capacity is 0 for every mentor" in text
    assert not (folder / "p.csv").exists()
    with pytest.raises(InputError, match="capacity"):
        mm.pair(mm.Community.from_csv(m), "mentor", mentors="role=lead", capacity=0)


def test_a_constraint_for_a_round_that_does_not_exist_names_its_row(folder, cli):
    cons = folder / "c.csv"
    cons.write_text("kind,a,b,round\npin,a,1,1\npin,b,2,9\n")
    code, text = cli("seat", folder / "m.csv", *SEAT, "--constraints", cons, "--out", folder / "p.csv")
    assert code == 2 and f"{cons}, row 3, column 'round'" in text and "round 9" in text


@pytest.mark.parametrize("verb", [["seat", *SEAT], ["cohorts", "--size", "2-3"], ["pairs"], ["squad", "-k", "2",
                                                                                            "--skills", "seo"]])
def test_a_header_only_members_file_is_an_error_not_an_empty_plan(folder, cli, verb):
    empty = folder / "empty.csv"
    empty.write_text("id,name,city\n")
    code, text = cli(verb[0], empty, *verb[1:], "--out", folder / "p.csv")
    assert code == 2 and f"{empty}, row 2: the file has a header but no member rows" in text
    assert not (folder / "p.csv").exists()


# ------------------------------------------------------------------ messages and output


def test_terminal_escapes_in_member_data_do_not_reach_the_terminal(folder, cli):
    evil = folder / "evil.csv"
    evil.write_text("id,name,offers,needs\na,Ana,,seo\nb\x1b]0;owned\x07\x1b[2J,Ben\x1b[31m,seo,\n")
    code, text = cli("squad", evil, "--member", "a", "-k", "1", "--out", folder / "s.csv")
    assert code == 0
    assert "\x1b" not in text and "\x07" not in text
    assert "b\\x1b]0;owned\\x07\\x1b[2J" in text  # shown escaped, still readable
    assert pd.read_csv(folder / "s.csv")["member"].str.contains("\x1b[2J", regex=False).any()  # data kept


def test_a_locked_or_previous_plan_of_the_wrong_kind_names_its_file(folder, cli):
    cohorts = folder / "cohorts.csv"
    cohorts.write_text("cohort,member\n1,a\n1,b\n")
    seating = folder / "seating.csv"
    seating.write_text("round,table,member\n1,1,a\n")
    code, text = cli("seat", folder / "m.csv", *SEAT, "--locked", cohorts, "--out", folder / "p.csv")
    assert code == 2 and f"{cohorts}, row 1: a cohorts plan (cohort,member) where a seating plan" in text
    code, text = cli("cohorts", folder / "m.csv", "--size", "2-3", "--previous", seating,
                      "--out", folder / "p.csv")
    assert code == 2 and f"{seating}, row 1: a seating plan" in text


def test_a_together_group_larger_than_the_tables_names_its_rows(folder, cli):
    cons = folder / "c.csv"
    cons.write_text("kind,a,b\napart,e,f\ntogether,a,b\ntogether,b,c\ntogether,c,d\n")
    code, text = cli("seat", folder / "m.csv", *SEAT, "--constraints", cons, "--out", folder / "p.csv")
    assert code == 1 and f"({cons}, rows 3, 4, 5)" in text
    assert f"together a-b ({cons}, row 3)" in text
    r = mm.Requests.read(cons, mm.Community.from_csv(folder / "m.csv"))
    assert any(f"({cons}, rows 3, 4, 5) has 4 members" in c for c in r.conflicts(capacities=[3, 3]))


def test_a_time_limit_shorter_than_the_iterations_need_is_noted(folder):
    c = mm.datasets.synthetic_community(60, seed=1)
    plan = mm.seat(c, tables=6, table_size=10, rounds=2, time_limit=1, iterations=10**9, seed=0)
    assert any("fixed effort was cut short" in n and "1,000,000,000 iterations" in n for n in plan.notes)
    done = mm.seat(c, tables=6, table_size=10, rounds=2, time_limit=30, iterations=5000, seed=0)
    assert not any("cut short" in n for n in done.notes)


def test_the_demo_seating_repeats_by_seed(tmp_path, monkeypatch):
    from matchmaking.reports import demo_plans
    from matchmaking.reports.html import Report

    c = mm.datasets.synthetic_community(40, seed=2)
    monkeypatch.setattr(demo_plans, "demo_event", lambda: c)  # the demo's event section, on a small event
    monkeypatch.setattr(demo_plans, "EVENT", {"tables": 4, "table_size": 10, "rounds": 2, "spread": ["sector"]})
    monkeypatch.setattr(demo_plans, "EFFORT", {"time_limit": 30.0, "iterations": 20_000})
    plans = []
    for k in range(2):
        (tmp_path / str(k)).mkdir()
        demo_plans.seating_section(c, Report("demo"), tmp_path / str(k), 5)
        plans.append((tmp_path / str(k) / "seating.csv").read_text())
    assert plans[0] == plans[1]


def test_dask_without_loopback_is_a_clear_error(folder, cli, monkeypatch):
    import dask.distributed

    def no_loopback(*args, **kwargs):
        raise RuntimeError("Cluster failed to start: [Errno 99] Cannot assign requested address")

    monkeypatch.setattr(dask.distributed, "LocalCluster", no_loopback)
    code, text = cli("simulate", "--members", "30", "--events", "1", "--replicates", "1", "--dask")
    assert code == 2 and "127.0.0.1" in text and "loopback" in text and "Traceback" not in text


def test_version(cli):
    code, text = cli("--version")
    assert code == 0 and text.strip() == f"matchmaking {mm.__version__}"


def test_the_gap_is_n_a_when_the_bound_is_zero():
    from matchmaking.solvers.control import Progress

    plan = mm.Plan("cohorts", pd.DataFrame({"cohort": [1, 1], "member": ["a", "b"]}), objective=-3.0, bound=0.0)
    assert math.isinf(plan.gap) and "gap n/a" in plan.summary()
    assert math.isinf(Progress("search", 1.0, objective=-3.0, bound=0.0).gap)
    near = mm.Plan("cohorts", pd.DataFrame({"cohort": [1], "member": ["a"]}), objective=9.0, bound=10.0)
    assert near.gap == pytest.approx(0.1) and "gap 10.0%" in near.summary()


def test_a_pin_to_a_cohort_that_cannot_exist_names_its_row(folder, cli):
    cons = folder / "c.csv"
    cons.write_text("kind,a,b\ntogether,a,b\npin,c,99\n")
    code, text = cli("cohorts", folder / "m.csv", "--size", "2-3", "--time-limit", "1", "--constraints",
                      cons, "--out", folder / "p.csv")
    assert code == 1 and f"pin c -> cohort 99 ({cons}, row 3)" in text
    assert not (folder / "p.csv").exists()


def test_cohorts_library_refuses_bad_time_limits_and_workers(folder):
    c = mm.Community.from_csv(folder / "m.csv")
    with pytest.raises(InputError, match="time limit"):
        mm.form_cohorts(c, size="2-3", time_limit=-1)
    with pytest.raises(InputError, match="workers"):
        mm.form_cohorts(c, size="2-3", workers=-3)


# ------------------------------------------------------------------ size guards


@pytest.mark.parametrize("argv, message", [
    (["--tables", "10000000", "--table-size", "3"], "column 'tables': 10,000,000 tables is more than 100,000"),
    (["--tables", "2", "--table-size", "1000000000"], "column 'table_size': 1,000,000,000 seats at a table is more"),
    (["--capacities", "1000000000,3"], "column 'capacities': 1,000,000,000 seats at a table is more than 100,000"),
    (["--tables", "2", "--table-size", "3", "--rounds", "100000"], "column 'rounds': 100,000 rounds is more than 100"),
    (["--tables", "7", "--table-size", "3"], "7 tables for 6 members: at most one table per member"),
])
def test_absurd_seating_sizes_fail_fast_before_any_allocation(folder, cli, argv, message):
    # these ran for minutes (or took 16 GB) against a 5 s limit before the guard
    code, text = cli("seat", folder / "m.csv", *argv, "--time-limit", "5", "--out", folder / "p.csv")
    assert code == 2 and message in text and "Traceback" not in text
    assert not (folder / "p.csv").exists()
    with pytest.raises(InputError, match="tables is more than"):
        mm.seat(mm.Community.from_csv(folder / "m.csv"), capacities=[3] * 200_000, time_limit=5)


@pytest.mark.parametrize("argv, message", [
    (["--members", "100000000"], "column 'members': members=100,000,000 is more than 1,000,000"),
    (["--table-size", "1000000000"], "column 'table_size': table_size=1,000,000,000 is more than 10,000"),
    (["--events", "100000000"], "column 'events': events=100,000,000 is more than 10,000"),
])
def test_absurd_simulation_sizes_fail_fast_before_any_allocation(tmp_path, cli, argv, message):
    # --members 100000000 ended in a MemoryError after 7-10 GB before the guard
    code, text = cli("simulate", *argv, "--out", tmp_path / "s.csv")
    assert code == 2 and message in text and "Traceback" not in text
    assert not (tmp_path / "s.csv").exists()
    with pytest.raises(InputError, match="rounds=5,000 is more than 1,000"):
        mm.simulate(members=100, rounds=5000)
