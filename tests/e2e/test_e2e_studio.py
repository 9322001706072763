"""The studio in a real browser: upload members, solve a seating, move a member, download the plan."""

from __future__ import annotations

import io
import json
import re
import zipfile
from contextlib import redirect_stdout

import pandas as pd
import pytest
from e2e_support import server_env
from playwright.sync_api import expect

import matchmaking as mm
from matchmaking.cli import main as mm_cli

pytestmark = pytest.mark.e2e


def _objective(page) -> float:
    return float(page.inner_text(".mm-objective").replace(",", ""))


def test_studio_from_members_file_to_downloaded_hand_adjusted_plan(page, server, python, port, tmp_path):
    members = tmp_path / "members.csv"
    mm.datasets.synthetic_members(40, seed=5).to_csv(members, index=False)
    folder = tmp_path / "studio"
    home = tmp_path / "user-home"  # the user's home: the studio writes nothing there
    home.mkdir()
    env = {**server_env(tmp_path / "jupyter"), "HOME": str(home)}
    studio = server([python, "-m", "matchmaking.cli", "studio", "--port", str(port), "--dir", str(folder)],
                    cwd=tmp_path, env=env)
    url = re.search(r"open (http://127\.0\.0\.1:\d+/\S*)", studio.wait_for("matchmaking studio: open")).group(1)
    assert f"everything it writes goes into {folder}" in studio.wait_for("everything it writes")
    studio.wait_for("is running at")

    page.goto(url)
    page.wait_for_selector(".mm-studio")
    page.step("opened")
    with page.expect_file_chooser() as chooser:
        page.click(".widget-upload")
    chooser.value.set_files(str(members))
    page.wait_for_selector(".mm-panel")
    assert "40 members" in page.inner_text(".mm-studio")
    page.step("uploaded")

    limit = page.locator(".mm-panel .widget-text:has-text('time limit') input")
    limit.fill("2")
    limit.press("Enter")
    page.click(".mm-panel button:has-text('Solve')")
    page.wait_for_selector(".mm-objective", timeout=180_000)
    page.wait_for_selector(".mm-panel button:has-text('Solve'):not([disabled])")
    before = _objective(page)
    page.step("solved")

    chip = page.locator(".mm-chip[data-member]").first
    member = chip.get_attribute("data-member")
    chip.click()
    page.wait_for_selector(f".mm-explain:has-text('{member}')")
    cards = page.locator(".mm-card")
    source = int(cards.filter(has=page.locator(f"[data-member='{member}']")).get_attribute("data-group"))
    target = next(int(cards.nth(i).get_attribute("data-group")) for i in range(cards.count())
                  if int(cards.nth(i).get_attribute("data-group")) != source)
    chip.drag_to(page.locator(f".mm-card[data-group='{target}'] .mm-head"))  # onto the table, not a person
    page.wait_for_selector(".mm-delta")
    expect(page.locator(".mm-panel .mm-msg", has_text=f"to table {target}")).to_be_visible(timeout=60_000)  # said after the summary
    after = _objective(page)
    assert after != before
    page.step("moved")

    page.click(".mm-panel button:has-text('Export plan')")
    page.wait_for_selector(".mm-download")
    page.step("exported")
    with page.expect_download() as download:
        page.locator(".mm-download", has_text="plan.csv").click()
    plan = pd.read_csv(download.value.path())
    assert list(plan.columns) == ["round", "table", "member"]
    assert int(plan.query("round == 1 and member == @member")["table"].iloc[0]) == target
    assert len(plan) == 40 * 3
    saved = tmp_path / "downloaded.csv"
    plan.to_csv(saved, index=False)
    out = io.StringIO()
    with redirect_stdout(out):  # the hand-adjusted plan's objective is what `matchmaking score` recomputes
        assert mm_cli(["score", str(members), str(saved), "--spread", "sector", "--json"]) == 0
    assert json.loads(out.getvalue())["objective"]["total"] == pytest.approx(after, abs=0.01)  # shown to 2 decimals
    page.wait_for_selector(".mm-download:has-text('plan-report.zip')", timeout=600_000)  # built in the background
    expect(page.locator(".mm-panel .mm-msg", has_text="the printable report is ready")).to_be_visible(timeout=60_000)
    page.step("report")
    with page.expect_download() as download:
        page.locator(".mm-download", has_text="plan-report.zip").click()
    with zipfile.ZipFile(download.value.path()) as report:
        assert {"plan-report/index.html", "plan-report/seating.pdf"} <= set(report.namelist())
    written = sorted(p.name for p in folder.iterdir())
    assert {"plan.csv", "plan.xlsx", "plan-report", "uploads"} <= set(written)
    assert page.outside_requests == []
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []
