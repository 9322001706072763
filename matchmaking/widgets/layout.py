"""The widgets of a :class:`~matchmaking.widgets.panel.PlanPanel` and their wiring (buttons, board, bars).

Kept apart from the panel's behaviour: :func:`build_layout` creates the buttons, the progress
line, the summary, the edit and lock bars, the board and the downloads, connects each to the
panel's methods, and arranges them under the settings (folded once a plan arrives).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as w

from matchmaking.widgets import display as D
from matchmaking.widgets.board import PlanBoard
from matchmaking.widgets.fields import STYLE
from matchmaking.widgets.jobs import SolveJob

if TYPE_CHECKING:
    from matchmaking.widgets.panel import PlanPanel


def build_layout(panel: PlanPanel, sections: list[tuple[str, list[w.Widget]]]) -> None:
    """Create and wire the panel's widgets; ``sections`` are its titled settings."""
    panel.solve_button = w.Button(description="Solve", button_style="primary", icon="play")
    panel.stop_button = w.Button(description="Stop", icon="stop", disabled=True)
    panel.undo_button = w.Button(description="Undo", icon="undo", disabled=True)
    panel.progress = w.FloatProgress(value=0.0, min=0.0, max=1.0, layout=w.Layout(width="300px"))
    panel.progress_text, panel.chart, panel.message = w.HTML(), w.HTML(), w.HTML()
    panel.summary, panel.explanation, panel.downloads = w.HTML(), w.HTML(), w.HTML()
    panel.selected_label = w.HTML()
    panel.color_by = w.Dropdown(options=[("(none)", "")] + [(a, a) for a in panel.community.attributes],
                               description="colour by", style=STYLE)
    panel.move_to = w.Dropdown(options=[], description="move to", style={"description_width": "60px"},
                              layout=w.Layout(width="160px"))
    panel.move_button = w.Button(description="Move", icon="arrow-right", layout=w.Layout(width="90px"))
    panel.swap_with = panel.names.picker("swap with")
    panel.swap_with.layout = w.Layout(width="300px")
    panel.swap_with.style = {"description_width": "70px"}
    panel.swap_button = w.Button(description="Swap", icon="exchange", layout=w.Layout(width="90px"))
    panel.lock_member_button = w.Button(description="Lock member", icon="lock")
    panel.lock_round_button = w.Button(description="Lock round", icon="lock")
    panel.unlock_button = w.Button(description="Unlock all", icon="unlock")
    panel.export_button = w.Button(description="Export plan", icon="download")
    panel.board = PlanBoard(on_edit=panel.board_edit)
    panel.solve_button.on_click(lambda _: panel.solve())
    panel.stop_button.on_click(lambda _: panel.stop())
    panel.undo_button.on_click(lambda _: panel.run_ui(panel.undo))
    panel.move_button.on_click(lambda _: panel.run_ui(lambda: panel.move(
        panel.board.selected, panel.move_to.value, panel.board.round if panel.has_rounds else None)))
    panel.swap_button.on_click(lambda _: panel.run_ui(lambda: panel.swap(
        panel.board.selected, panel.swap_with.value, panel.board.round if panel.has_rounds else None)))
    panel.lock_member_button.on_click(lambda _: panel.run_ui(lambda: panel.lock(member=panel.board.selected)))
    panel.lock_round_button.on_click(lambda _: panel.run_ui(lambda: panel.lock(round=panel.board.round)))
    panel.unlock_button.on_click(lambda _: panel.run_ui(panel.unlock))
    panel.export_button.on_click(lambda _: panel.run_ui(lambda: export_in_background(panel)))
    panel.color_by.observe(lambda _: panel.run_ui(panel.redraw), names="value")
    panel.board.observe(panel.show_selected, names="selected")
    panel.board.observe(lambda _: panel.run_ui(panel.redraw), names="round")
    boxes = [w.VBox([w.HTML(f"<b>{t}</b>"), *ws]) for t, ws in sections]
    boxes.append(w.VBox([w.HTML("<b>Solve</b>"), panel.time_limit, panel.seed]))
    settings = w.GridBox(boxes, layout=w.Layout(grid_template_columns="repeat(auto-fill, 470px)",
                                                grid_gap="4px 16px"))
    tabs = w.Tab(children=[settings, panel.weights_box, panel.requests_editor])
    for i, t in enumerate(("Settings", "Weights", "Requests")):
        tabs.set_title(i, t)
    # folded once the first plan arrives (the board comes into view); a click opens it again
    panel.settings_box = w.Accordion(children=[tabs], selected_index=0)
    panel.settings_box.set_title(0, "Settings, weights and requests")
    actions = w.HBox([panel.solve_button, panel.stop_button, panel.undo_button, panel.progress, panel.chart])
    edit_bar = w.HBox([panel.selected_label, panel.move_to, panel.move_button, panel.swap_with, panel.swap_button])
    lock_bar = w.HBox([panel.lock_member_button, panel.lock_round_button, panel.unlock_button, panel.color_by])
    panel.children = [w.HTML(f"<h3 style='margin:4px 0'>{panel.title}</h3>"), panel.settings_box, actions, panel.progress_text,
                     panel.message, panel.summary, lock_bar, edit_bar, panel.board, panel.explanation,
                     w.HBox([panel.export_button]), panel.downloads]
    panel.add_class("mm-panel")
    panel.redraw()
    panel.show_selected()


def export_in_background(panel: PlanPanel) -> None:
    """The spreadsheets at once; the printable report (slow on a large event) in the background."""
    from matchmaking.widgets.panel_view import words

    plan = panel.need_plan()
    kept = panel.folder is not None
    target = panel.folder if kept else Path(tempfile.mkdtemp(prefix="matchmaking-export-"))
    paths = panel.export(target, report=False)
    said = f"written: {', '.join(str(p) for p in paths.values())}" if kept else \
        "downloads ready (nothing kept: give the panel a folder= to keep files)"
    panel.say(said + "; preparing the printable report in the background...", "info")
    panel.export_button.disabled = True

    def done(job: SolveJob) -> None:
        try:
            if job.error is not None:
                panel.say("the printable report could not be written: " + words(job.error), "error")
            else:
                paths, note = job.result
                panel.downloads.value = D.download_links(paths, target) + D.message_html(note, "note")
                panel.say(said + ("; the printable report is ready" if not note else ""), "info")
        finally:
            panel.export_button.disabled = False
            if not kept:
                shutil.rmtree(target, ignore_errors=True)

    panel.export_job = SolveJob(D.export_files, (plan, target), {
        "stem": "plan", "community": panel.community, "report_options": panel.report_options()}, on_done=done)
    panel.export_job.start()


__all__ = ["build_layout", "export_in_background"]
