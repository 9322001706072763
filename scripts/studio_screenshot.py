"""Take the README's screenshot of the studio: ``python scripts/studio_screenshot.py [docs/studio.png]``.

Starts ``matchmaking studio`` on a free 127.0.0.1 port in a temporary folder, uploads the demo members,
solves a seating, colours the tables by city, clicks a member, and saves a palette PNG (Debian's chromium,
driven by Playwright; nothing is downloaded).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from e2e_support import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "studio.log"
        port = free_port()
        with open(log, "w") as f:
            proc = subprocess.Popen([sys.executable, "-m", "matchmaking.cli", "studio", "--port", str(port), "--dir",
                                     str(Path(tmp) / "studio")], stdout=f, stderr=subprocess.STDOUT,
                                    start_new_session=True, cwd=tmp)
        try:
            for _ in range(120):
                text = log.read_text()
                if "is running at" in text:
                    break
                time.sleep(0.5)
            url = re.search(r"open (\S+)", text).group(1)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1180, "height": 860})
                page.set_default_timeout(120_000)
                page.goto(url)
                page.wait_for_selector(".mm-studio")
                with page.expect_file_chooser() as chooser:
                    page.click(".widget-upload")
                chooser.value.set_files(str(ROOT / "datasets" / "demo_members.csv"))
                page.wait_for_selector(".mm-panel")
                limit = page.locator(".mm-panel .widget-text:has-text('time limit') input")
                limit.fill("5")
                limit.press("Enter")
                page.click(".mm-panel button:has-text('Solve')")
                page.wait_for_selector(".mm-objective")
                page.select_option(".mm-panel select:near(:text('colour by'))", label="city")
                time.sleep(1)
                page.locator(".mm-chip[data-member]").nth(3).click()
                time.sleep(1)
                page.locator(".mm-summary").scroll_into_view_if_needed()
                page.evaluate("window.scrollBy(0, -40)")
                time.sleep(0.5)
                shot = Path(tmp) / "shot.png"
                page.screenshot(path=str(shot))
                browser.close()
            Image.open(shot).convert("RGB").quantize(colors=64).save(out, optimize=True)
            print(f"{out}: {out.stat().st_size // 1024} KiB")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "studio.png")
