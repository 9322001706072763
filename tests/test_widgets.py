"""The panels without a browser: background solves, stop/wait, hand edits, locks, every solver, bad settings."""

import io
import json
import time
from contextlib import redirect_stdout

import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.cli import main as cli
from matchmaking.errors import InfeasibleError


def test_affinity_panel_reacts_and_escapes(tiny_frame):
    frame = tiny_frame.copy()
    frame.loc[1, "name"] = "<script>alert(1)</script>"
    c = mm.Community.from_frame(frame)
    panel = mm.widgets.affinity_panel(c, similar=["city"], top=3)
    assert "<script>" not in panel.result.value and "&lt;script&gt;" in panel.result.value
    panel.member.value = "ben"
    assert "ana" in panel.result.value  # ana offers seo, which ben needs
    before = panel.result.value
    panel.sliders["complementarity"].value = 0.0
    panel.sliders["goals"].value = 0.0
    assert panel.affinity.weights["complementarity"] == 0.0
    assert panel.result.value != before


@pytest.fixture(scope="module")
def event():
    return mm.datasets.synthetic_community(24, seed=1)


def _solved(panel, timeout=120):
    panel.solve()
    return panel.wait(timeout)


def test_solve_returns_at_once_and_stop_keeps_the_best_plan(event):
    panel = mm.widgets.seating_panel(event, tables=4, table_size=6, rounds=3, time_limit=60)
    assert panel.settings_box.selected_index == 0  # settings open until the first plan, then folded
    t0 = time.perf_counter()
    panel.solve()
    assert time.perf_counter() - t0 < 1.0 and panel.busy and panel.stop_button.disabled is False
    panel.solve()  # a second solve while one runs is refused, not queued
    assert "already solving" in panel.message.value
    time.sleep(0.5)
    panel.stop()
    plan = panel.wait(timeout=120)
    assert not panel.busy and panel.job.stop_requested and not panel.solve_button.disabled
    assert plan.kind == "seating" and len(plan.assignments) == 72 and panel.problems == []
    assert "solved (stopped early" in panel.message.value and panel.settings_box.selected_index is None


def test_integer_settings_arrive_as_ints(event):
    panel = mm.widgets.seating_panel(event, tables=4, table_size=6, rounds=2, time_limit=1)
    panel.rounds.value = 3
    kwargs = panel.engine_kwargs()
    assert kwargs["rounds"] == 3 and type(kwargs["rounds"]) is int
    assert kwargs["capacities"] == [6, 6, 6, 6] and all(type(x) is int for x in kwargs["capacities"])
    assert type(kwargs["seed"]) is int and type(kwargs["time_limit"]) is float


def test_moves_are_rescored_like_matchmaking_score(event, tmp_path):
    members = tmp_path / "members.csv"
    event.to_frame().to_csv(members, index=False)
    community = mm.Community.from_csv(members)
    panel = mm.widgets.seating_panel(community, tables=4, table_size=7, rounds=2, spread=["sector"], time_limit=1)
    plan = _solved(panel)
    a = plan.assignments["member"].iloc[0]
    where = plan.assignments.query("round == 1").set_index("member")["table"]
    other = next(t for t in range(1, 5) if t != where[a])
    round2 = plan.assignments.query("round == 2").set_index("member")["table"]
    b = next(m for m in round2.index if round2[m] != round2[a])  # a real swap, not a no-op
    panel.move(a, other, round=1)
    panel.swap(a, b, round=2)
    assert len(panel.editor.history) == 2 and panel.plan.method.endswith("2 hand edit(s)")
    paths = panel.export(tmp_path / "out")
    out = io.StringIO()
    with redirect_stdout(out):
        status = cli(["score", str(members), str(paths["csv"]), "--spread", "sector", "--json"])
    scored = json.loads(out.getvalue())
    assert status == 0 and scored["objective"]["total"] == pytest.approx(panel.plan.objective)
    assert scored["objective"] == pytest.approx(panel.editor.breakdown)
    assert (tmp_path / "out" / "plan.xlsx").exists()
    assert paths["report html"] == tmp_path / "out" / "plan-report" / "index.html" and paths["report pdf"].exists()
    assert "plan-report.zip" in panel.downloads.value


def test_export_button_gives_the_spreadsheets_at_once_and_the_report_in_the_background(event, tmp_path):
    panel = mm.widgets.seating_panel(event, tables=4, table_size=6, rounds=1, time_limit=1, folder=tmp_path)
    _solved(panel)
    panel.export_button.click()
    assert (tmp_path / "plan.csv").exists() and "plan.csv" in panel.downloads.value
    panel.export_job.wait(600)
    assert "plan-report.zip" in panel.downloads.value and (tmp_path / "plan-report" / "index.html").exists()
    assert "the printable report is ready" in panel.message.value and not panel.export_button.disabled


def test_undo_and_broken_rules(event):
    panel = mm.widgets.seating_panel(event, tables=4, table_size=6, rounds=1, time_limit=1)
    plan = _solved(panel)
    m = plan.assignments["member"].iloc[0]
    table = int(plan.assignments.set_index("member").loc[m, "table"])
    target = table % 4 + 1
    panel.move(m, target)
    assert panel.problems == [f"round 1, table {target}: 7 members for 6 seats"]
    assert panel.plan.problems == panel.problems and "hard rule(s) broken" in panel.summary.value
    members, groups = panel.editor.flags()
    assert (1, target) in groups
    panel.undo()
    assert panel.problems == [] and panel.plan.objective == plan.objective
    with pytest.raises(mm.InputError, match="nothing to undo"):
        panel.undo()


def test_lock_round_and_member_then_replan_around_them(event):
    panel = mm.widgets.seating_panel(event, tables=4, table_size=6, rounds=2, time_limit=1)
    plan = _solved(panel)
    r1 = plan.assignments.query("round == 1")
    a, b = r1["member"].iloc[0], r1["member"].iloc[-1]
    panel.swap(a, b, round=1)  # a hand edit inside the round we then hold
    held = panel.plan.assignments.query("round == 1").reset_index(drop=True)
    panel.lock(round=1)
    c = plan.assignments.query("round == 2")["member"].iloc[3]
    seat_c = int(panel.editor.where(c)[2])
    panel.lock(member=c, round=2)
    with pytest.raises(mm.InputError, match="round 1 is locked"):
        panel.move(a, 2, round=1)
    with pytest.raises(mm.InputError, match="locked in place"):
        panel.move(c, seat_c % 4 + 1, round=2)
    again = _solved(panel)
    assert again.assignments.query("round == 1").reset_index(drop=True).equals(held)
    assert panel.editor.where(c)[2] == seat_c and panel.problems == []
    panel.unlock()
    assert not panel.locked_rounds and not panel.locked_members


def test_every_solver_through_its_panel():
    c = mm.datasets.demo_community()
    small = c.subset(c.ids[:60])
    panels = [
        mm.widgets.cohorts_panel(small, size="8-12", similar=["city"], spread=["sector"], time_limit=5),
        mm.widgets.cohorts_panel(small, size="6-10", balance=["seniority"], time_limit=5),
        mm.widgets.pairing_panel(small, "intro"),
        mm.widgets.pairing_panel(small, "mentor", mentors="role=lead", capacity=8),
        mm.widgets.pairing_panel(small, "roulette", rounds=2, time_limit=2),
        mm.widgets.pairing_panel(small, "welcome", newcomers="joined>=2026-01-01"),
        mm.widgets.squad_panel(small, [small.ids[3], small.ids[4]], k=3),
        mm.widgets.solve_panel(mm.seat, small, tables=6, table_size=10, time_limit=1),
    ]
    for panel in panels:
        plan = _solved(panel)
        assert plan.kind == panel.kind and len(plan.assignments), panel.title
        ed = panel.editor
        assert ed.objective_value == pytest.approx(plan.objective), panel.title
        rows = plan.assignments.query("round == 1") if panel.has_rounds else plan.assignments
        first, last = rows["member"].iloc[0], rows["member"].iloc[-1]
        panel.swap(first, last, 1 if panel.has_rounds else None)
        extra = ed.extra_terms(ed.assignments()) if ed.extra_terms else {}
        expected = ed.objective.evaluate(ed.assignments(), panel.kind)["total"] + sum(extra.values())
        assert panel.plan.objective == pytest.approx(expected), panel.title
        assert panel.plan.explain(first), panel.title


@pytest.mark.parametrize("setting, value, words", [
    ("capacities", "10,x", "capacities must be whole numbers"),
    ("tables", 1, "24 attendees for 6 seats"),
])
def test_bad_settings_show_a_message_and_never_leave_the_panel_stuck(event, setting, value, words):
    panel = mm.widgets.seating_panel(event, tables=4, table_size=6, rounds=1, time_limit=1)
    getattr(panel, setting).value = value
    panel.solve()
    with pytest.raises((mm.InputError, InfeasibleError), match=words):
        panel.wait(60)
    assert words in panel.message.value and not panel.busy and not panel.solve_button.disabled
    getattr(panel, setting).value = "" if setting == "capacities" else 4
    assert _solved(panel).kind == "seating" and panel.error is None


def test_bad_settings_of_other_panels():
    c = mm.datasets.demo_community().subset(mm.datasets.demo_community().ids[:30])
    for panel, words in ((mm.widgets.pairing_panel(c, "mentor"), "mentor mode needs mentors"),
                         (mm.widgets.cohorts_panel(c, size="40-50", time_limit=2), "cohort"),
                         (mm.widgets.squad_panel(c), "at least one member")):
        panel.solve()
        with pytest.raises(Exception, match=words):
            panel.wait(60)
        assert "could not solve" in panel.message.value and not panel.busy


def test_requests_editor_refuses_impossible_requests(event):
    panel = mm.widgets.seating_panel(event, tables=4, table_size=6, rounds=2, time_limit=1)
    ed = panel.requests_editor
    a, b = event.ids[:2]
    ed.add("together", panel.names.label(a), b)  # by picker label or id
    with pytest.raises(mm.InputError, match=f"apart {b}-{a} contradicts together {a}-{b}"):
        ed.add("apart", b, a)
    with pytest.raises(mm.InputError, match=r"table that does not exist \(1..4\)"):
        ed.add("pin", a, group=9)
    with pytest.raises(mm.InputError, match="round that does not exist"):
        ed.add("pin", a, group=2, round=3)
    ed.kind.value, ed.a.value, ed.b.value = "apart", a, b
    ed.add_button.click()
    assert "refused" in ed.message.value and len(ed.items) == 1
    assert panel.engine_kwargs()["requests"].together == [(a, b)]


def test_stale_after_a_setting_changes(event):
    panel = mm.widgets.seating_panel(event, tables=4, table_size=6, rounds=1, time_limit=1)
    _solved(panel)
    assert not panel.stale
    panel.weights["goals"].value = 2.0
    assert panel.stale and "Stale" in panel.summary.value
    _solved(panel)
    assert not panel.stale


def test_board_shows_names_hosts_and_colours(event):
    host = event.ids[5]
    panel = mm.widgets.seating_panel(event, tables=4, table_size=6, rounds=2, hosts=[host], time_limit=1)
    _solved(panel)
    panel.color_by.value = "city"
    data = panel.board.data
    assert [r["round"] for r in data["rounds"]] == [1, 2] and data["legend"]
    chip = next(m for g in data["rounds"][0]["groups"] for m in g["members"] if m["id"] == host)
    assert chip["host"] and chip["name"] == event.members.loc[host, "name"]
    panel.board.selected = host
    assert "table 1" in panel.explanation.value
    panel.board_edit("move", host, 2, 1)  # a host dragged away: flagged, not refused
    assert any("host" in p for p in panel.problems)
    label = panel.names.label(host)  # the summary names people, the problem list keeps ids
    assert f"host {label} must stay at table 1" in panel.summary.value and f"move {label} to table 2" in panel.summary.value


def test_export_is_formula_safe(tmp_path):
    frame = pd.DataFrame({"id": ["=cmd", "b", "c", "d"], "name": ["A", "B", "C", "D"]})
    c = mm.Community.from_frame(frame)
    panel = mm.widgets.seating_panel(c, tables=2, table_size=2, time_limit=1)
    _solved(panel)
    paths = panel.export(tmp_path, report=False)
    assert "'=cmd" in paths["csv"].read_text()
    assert "plan.csv" in panel.downloads.value and "data:text/csv;base64," in panel.downloads.value


def _html_values(widget):
    """Every HTML string a panel shows (HTML widgets anywhere in its tree)."""
    import ipywidgets as w

    out, todo = [], [widget]
    while todo:
        x = todo.pop()
        if isinstance(x, w.HTML):
            out.append(x.value)
        todo += list(getattr(x, "children", ()))
    return out


def test_member_data_stays_inert_in_cards_explanations_and_messages(tiny_frame):
    evil = "<script>alert(1)</script>"
    frame = tiny_frame.copy()
    frame.loc[1, "name"] = evil  # ben
    frame.loc[2, "city"] = "<img src=x onerror=alert(2)>"
    panel = mm.widgets.seating_panel(mm.Community.from_frame(frame), tables=3, table_size=2, rounds=1,
                                     spread=["city"], time_limit=1)
    _solved(panel)
    panel.color_by.value = "city"
    panel.board.selected = "ben"
    table = panel.editor.where("ben")[1]
    panel.move("ben", table % 3 + 1)  # a broken rule naming ben, a message naming ben
    shown = _html_values(panel)
    assert panel.problems and any("&lt;script&gt;alert(1)&lt;/script&gt;" in v for v in shown)
    assert not any("<script" in v or "<img" in v for v in shown)
    chip = next(m for g in panel.board.data["rounds"][0]["groups"] for m in g["members"] if m["id"] == "ben")
    assert chip["name"] == evil  # as data: the board draws it with textContent, never as HTML
    assert "textContent = " in mm.widgets.board.ESM and "innerHTML" not in mm.widgets.board.ESM


def test_cohorts_and_pairing_panels_pass_requests_not_the_old_constraints_name():
    c = mm.datasets.synthetic_community(24, seed=2)
    a, b = c.ids[:2]
    old = mm.Requests(together=[(a, b)])
    for panel, column in ((mm.widgets.cohorts_panel(c, size="4-6", constraints=old, time_limit=5), "cohort"),
                          (mm.widgets.pairing_panel(c, "intro", constraints=old, time_limit=5), "group")):
        kwargs = panel.engine_kwargs()
        assert "constraints" not in kwargs and kwargs["requests"].together == [(a, b)], panel.title
        where = _solved(panel).assignments.set_index("member")[column]
        assert where[a] == where[b] and panel.problems == [], panel.title
