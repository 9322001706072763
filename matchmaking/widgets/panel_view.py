"""What a :class:`~matchmaking.widgets.panel.PlanPanel` shows: messages, progress, summary, board.

:class:`PanelDisplay` is mixed into the panel; it reads the panel's state (``editor``,
``job``, the locks) and writes the widgets :func:`~matchmaking.widgets.layout.build_layout`
creates. The public methods are those the layout wires to buttons and the board.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from matchmaking.errors import InputError
from matchmaking.widgets import display as D
from matchmaking.widgets.board import board_data, sparkline_svg
from matchmaking.widgets.jobs import SolveJob


class PanelDisplay:
    """The display half of a solving panel (a mixin of :class:`~matchmaking.widgets.panel.PlanPanel`)."""

    def say(self, text: str, level: str = "info") -> None:
        """Show ``text`` in the message line (``level``: info, note, warn or error)."""
        self.message.value = D.message_html(text, level)

    def _set_busy(self, busy: bool) -> None:
        self.solve_button.disabled = busy
        self.stop_button.disabled = not busy

    def show_progress(self, job: SolveJob, final: bool = False) -> None:
        """Show how the solve goes: the progress bar, its last record and the objective's sparkline."""
        limit = max(float(self.time_limit.value), 1e-9)
        self.progress.value = 1.0 if final else min(job.elapsed / limit, 1.0)
        rec = job.last
        bits = [f"{job.elapsed:.1f} s"]
        if rec.get("phase") and not (final and rec.get("phase") == "done"):
            bits.append(str(rec["phase"]))
        for key in ("objective", "bound", "repeats"):
            v = rec.get(key)
            if isinstance(v, (int, float)):
                bits.append(f"{key} {v:,.1f}" if isinstance(v, float) else f"{key} {v}")
        state = "done" if final else ("stopping" if job.stop_requested else "solving")
        self.progress_text.value = D.message_html(f"{state}: " + " · ".join(bits), "note")
        self.chart.value = sparkline_svg(job.history[-400:])

    def named(self, text: str) -> str:
        """Member ids in ``text`` written as "Name (id)" (for display)."""
        ids = set(re.findall(r"[\w.@'-]+", text)) & set(self.names.labels)
        if not ids:
            return text
        pattern = "|".join(re.escape(m) for m in sorted(ids, key=len, reverse=True))
        return re.sub(rf"(?<![\w.@'-])(?:{pattern})(?![\w.@'-])", lambda mo: self.names.label(mo.group(0)), text)

    def redraw(self, board: bool = True) -> None:
        """Show the current plan: the summary, the edit buttons and (with ``board``) the board."""
        ed = self.editor
        plan = ed.plan if ed is not None else None
        with self._lock:
            self.summary.value = D.summary_html(
                plan, ed.breakdown if ed else None, ed.problems if ed else [], delta=self._delta, stale=self.stale,
                solver_objective=ed.base.objective if ed and not ed.history else None, named=self.named)
            self.undo_button.disabled = not (ed and ed.history)
            if not board or ed is None:
                return
            rounds = ed.rounds if self.has_rounds else [1]
            options = [(f"{self.word} {g}", g) for g in ed.groups_allowed()]
            if list(self.move_to.options) != options:  # re-setting them resets the choice in the browser
                self.move_to.options = options
            self.lock_round_button.disabled = not self.has_rounds
            if self.board.round not in rounds:
                self.board.round = rounds[0]
            self.board.data = board_data(
                ed.assignments(), self.community, word=self.word, color_by=self.color_by.value or None,
                locked_rounds=self.locked_rounds, locked_members=self.locked_members, flagged=ed.flags(),
                shown=self.board.round if self.has_rounds else None, **self.board_options())
            self.show_selected()

    def show_selected(self, *_: object) -> None:
        """Explain where the member selected on the board sits, and offer their table to move to."""
        m = self.board.selected
        if not m or self.editor is None:
            self.explanation.value = '<span style="color:#666">Click a member to see why they sit there.</span>'
            return
        plan = self.editor.plan
        try:
            text = plan.explain(m)
        except Exception as exc:  # noqa: BLE001 - an explanation must never break the panel
            text = f"(no explanation: {exc})"
        self.explanation.value = D.explanation_html(self.names.label(m), self.named(text))
        self.selected_label.value = f"<b>{html.escape(self.names.label(m))}</b>"
        here = self.editor.where(m).get(self.board.round if self.has_rounds else 1) if m in self.editor.members else None
        if here is not None and here in [v for _, v in self.move_to.options]:
            self.move_to.value = here

    def run_ui(self, action: Callable[[], object]) -> None:
        """Run a button's ``action``: a bad input is shown in the message line, never raised."""
        try:
            action()
        except InputError as exc:
            self.say(words(exc), "error")


def words(exc: BaseException) -> str:
    """An error for a person: its message, with file and row when it names them (not a bare column)."""
    if isinstance(exc, InputError) and exc.file is None and exc.row is None:
        return exc.message
    return str(exc)
