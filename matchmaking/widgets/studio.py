"""The studio: the no-code dashboard (a Voila app over ``studio.ipynb``) for organizers.

Its flow: upload a members file (CSV or Excel; a problem is shown with its file, row and
column), choose seating, cohorts, pairings or help squads, set, solve, review, move people, and
download the plan and its reports. Every file it writes goes into one folder (the uploads in
``uploads/``, the exports beside them); ``matchmaking studio --dir FOLDER`` names it.
"""

from __future__ import annotations

import contextlib
import html
import math
import os
import re
from pathlib import Path
from typing import Any

import ipywidgets as w

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.model.io import atomic_write
from matchmaking.widgets.display import message_html
from matchmaking.widgets.panel import PlanPanel

ENV_DIR = "MATCHMAKING_STUDIO_DIR"
KINDS = (("Seating", "seating"), ("Cohorts", "cohorts"), ("Pairings", "pairings"), ("Help squads", "squads"))
NOTEBOOK = Path(__file__).with_name("studio.ipynb")


def safe_name(name: str) -> str:
    """A file name kept inside the folder: no path, only letters, digits, ``.-_`` and spaces.

    Examples
    --------
    >>> safe_name("../../etc/passwd"), safe_name("members (1).csv")
    ('passwd', 'members _1_.csv')
    """
    base = Path(str(name).replace("\\", "/")).name.strip() or "members.csv"
    cleaned = re.sub(r"[^\w.\- ]", "_", base).lstrip(".")
    return cleaned or "members.csv"


def default_settings(kind: str, community: Community) -> dict[str, Any]:
    """Starting settings that fit the community's size (the organizer changes them in the panel).

    Examples
    --------
    >>> import matchmaking as mm
    >>> default_settings("seating", mm.datasets.demo_community())["tables"]
    19
    """
    n = len(community)
    if kind == "seating":
        size = max(2, min(8, math.isqrt(max(n, 1))))  # no more seats than tables: few forced repeats
        return {"tables": max(1, math.ceil(n / size)), "table_size": size, "rounds": 3 if n > 24 else 2,
                "spread": [a for a in ("sector",) if a in community.attributes], "time_limit": 10.0}
    if kind == "cohorts":
        return {"size": "8-12" if n >= 24 else "2-4", "similar": [a for a in ("city",) if a in community.attributes],
                "time_limit": 20.0}
    if kind == "pairings":
        return {"time_limit": 10.0}
    return {"k": 3, "time_limit": 10.0}


class Studio(w.VBox):
    """The dashboard: upload, choose, then the chosen solver's panel (:mod:`matchmaking.widgets`).

    Parameters
    ----------
    folder : path
        Where everything is written (created if needed).
    """

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder).resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.community: Community | None = None
        self.source: Path | None = None
        self.panel: PlanPanel | None = None
        self.upload = w.FileUpload(accept=".csv,.xlsx,.parquet", multiple=False, description="Members file",
                                   button_style="primary")
        self.file_info = w.HTML()
        self.choice = w.ToggleButtons(options=list(KINDS), value="seating", description="plan",
                                      style={"description_width": "40px"})
        self.panel_box = w.VBox()
        self.upload.observe(self.uploaded, names="value")
        self.choice.observe(lambda _: self._build_panel(), names="value")
        intro = ("<h2 style='margin:4px 0'>Matchmaking studio</h2>"
                 "<p>1. Upload the members file (CSV or Excel: one row a member, an <code>id</code> column; "
                 "<code>name</code>, <code>offers</code>, <code>needs</code>, <code>goals</code> and any attribute "
                 "columns are optional). 2. Choose what to plan and set it. 3. Solve, review, move people by hand "
                 "(drag a name onto a table, or select it and use Move), then export.</p>"
                 f"<p style='color:#555'>Files are written to <code>{html.escape(str(self.folder))}</code> "
                 "and nowhere else.</p>")
        super().__init__([w.HTML(intro), w.HBox([self.upload]), self.file_info, self.choice, self.panel_box])
        self.add_class("mm-studio")
        self._build_panel()

    def load(self, path: str | os.PathLike) -> Community:
        """Read a members file (InputError names file, row and column) and show the chosen panel."""
        try:
            community = Community.from_csv(path)
        except InputError as exc:
            self.file_info.value = message_html(f"This file cannot be used: {exc}", "error")
            raise
        self.community, self.source = community, Path(path)
        attrs = ", ".join(community.attributes) or "none"
        self.file_info.value = message_html(
            f"{Path(path).name}: {len(community)} members; attributes: {attrs}", "info")
        self._build_panel()
        return community

    def uploaded(self, change: dict[str, Any]) -> None:
        """The upload box's observer: keep the first file under ``folder/uploads`` (a safe name) and load it."""
        files = change["new"]
        if not files:
            return
        item = files[0]
        target = self.folder / "uploads" / safe_name(item["name"])
        target.parent.mkdir(parents=True, exist_ok=True)
        content = bytes(item["content"])
        atomic_write(target, lambda tmp: tmp.write_bytes(content))  # a second upload never leaves half a file
        with contextlib.suppress(InputError):  # shown in file_info
            self.load(target)

    def _build_panel(self) -> None:
        if self.community is None:
            self.panel_box.children = [w.HTML("<p style='color:#666'>Upload a members file to start.</p>")]
            return
        from matchmaking import widgets

        kind = self.choice.value
        settings = default_settings(kind, self.community)
        factory = {"seating": widgets.seating_panel, "cohorts": widgets.cohorts_panel,
                   "pairings": widgets.pairing_panel, "squads": widgets.squad_panel}[kind]
        if self.panel is not None and self.panel.busy:
            self.panel.stop()
        self.panel = factory(self.community, folder=self.folder, **settings)
        self.panel_box.children = [self.panel]


def studio_from_env() -> Studio:
    """The studio of the folder named by ``$MATCHMAKING_STUDIO_DIR`` (what ``matchmaking studio`` sets)."""
    folder = os.environ.get(ENV_DIR)
    if not folder:
        raise InputError(f"${ENV_DIR} is not set: start the studio with `matchmaking studio --dir FOLDER`")
    return Studio(folder)


__all__ = ["NOTEBOOK", "Studio", "default_settings", "safe_name", "studio_from_env"]
