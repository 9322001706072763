"""End-to-end tests in a real browser: Debian's chromium driven by Playwright (never a downloaded one).

Each test records a screenshot per step; when it fails they are kept in ``reports/e2e-screenshots/<test>/``
(``.ci/run`` lists that folder; ``E2E_SCREENSHOTS=always`` keeps them every time, to look at). Servers are started on free 127.0.0.1 ports in their own process group
and ended by that group's id.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS, SHOTS, Server, free_port, server_env


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def server(tmp_path):
    started: list[Server] = []

    def start(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> Server:
        s = Server(cmd, env=env or server_env(tmp_path / "home"), cwd=cwd, log=tmp_path / f"server{len(started)}.log")
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def page(request, tmp_path):
    """A chromium page; ``page.step(name)`` screenshots a step (kept when the test fails)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright

    shots = tmp_path / "shots"
    shots.mkdir()
    kept = SHOTS / request.node.name
    shutil.rmtree(kept, ignore_errors=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        outside: list[str] = []
        local = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
        pg.on("requestfinished", lambda r: None if r.url.startswith(local) else outside.append(r.url))
        count = [0]

        def step(name: str) -> None:
            count[0] += 1
            pg.screenshot(path=str(shots / f"{count[0]:02d}-{name}.png"), full_page=True)

        pg.step = step
        pg.outside_requests = outside
        yield pg
        rep = getattr(request.node, "rep_call", None)
        failed = rep is not None and rep.failed
        if failed or os.environ.get("E2E_SCREENSHOTS") == "always":
            if failed:
                with contextlib.suppress(Exception):  # the page may be gone
                    step("failure")
            kept.mkdir(parents=True, exist_ok=True)
            for f in sorted(shots.iterdir()):
                shutil.copy(f, kept / f.name)
        context.close()
        browser.close()


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def python() -> str:
    return sys.executable
