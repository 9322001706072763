"""Notebook 02 in a real JupyterLab: the seating panel renders as widgets and answers clicks."""

from __future__ import annotations

import shutil

import pytest
from e2e_support import ROOT, server_env
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_seating_notebook_panel_renders_and_answers_a_click(page, server, python, port, tmp_path):
    work = tmp_path / "lab"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / "02_seating.ipynb", work / "02_seating.ipynb")
    home = tmp_path / "home"
    env = server_env(home)
    news = home / "lab-settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')  # no news toast over the panel
    lab = server([python, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                  "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={work}",
                  "--ServerApp.allow_root=True", "--ServerApp.terminals_enabled=False",
                  "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=", "--LabApp.extension_manager=readonly",
                  "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"], cwd=work, env=env)
    lab.wait_for("is running at", timeout=120)

    page.goto(f"http://127.0.0.1:{port}/lab/tree/02_seating.ipynb")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session", timeout=120_000)
    page.step("opened")
    cell = page.locator(".jp-CodeCell", has_text="mm.widgets.seating_panel(").first
    cell.locator(".jp-InputArea-editor").click()
    page.evaluate("async () => { const c = window.jupyterapp.commands;"
                  " await c.execute('notebook:run-all-above'); await c.execute('notebook:run-cell'); }")
    panel = cell.locator(".mm-panel")
    panel.wait_for(timeout=180_000)
    expect(cell.locator(".mm-board")).to_have_count(1, timeout=120_000)
    assert cell.locator(".jupyter-widgets").count() > 5
    page.step("panel")

    limit = panel.locator(".widget-text:has-text('time limit') input")
    limit.fill("2")
    limit.press("Enter")
    panel.locator("button:has-text('Solve')").click()
    panel.locator(".mm-objective").wait_for(timeout=180_000)
    expect(panel.locator(".mm-chip[data-member]")).to_have_count(120, timeout=120_000)  # the board arrives after the summary
    page.step("solved")
    chip = panel.locator(".mm-chip[data-member]").first
    member = chip.get_attribute("data-member")
    chip.click()
    panel.locator(f".mm-explain:has-text('({member}) in round 1')").wait_for()
    page.step("clicked")
