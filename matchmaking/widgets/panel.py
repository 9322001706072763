"""The shared design of every solving panel: settings, requests, background solve, picture, edits.

:class:`PlanPanel` holds what seating, cohorts, pairing and squad panels share; each subclass
(:mod:`matchmaking.widgets.panels`) only lists its settings and turns them into the engine's
keyword arguments. The Python contract the tests (and scripts) use: :meth:`solve` (returns at
once), :meth:`stop` (keeps the best plan so far), :meth:`wait`, :attr:`plan`, :meth:`move`,
:meth:`swap`, :meth:`undo`, :attr:`problems`, :meth:`lock` and :attr:`stale`. The logic lives in
the library (:class:`~matchmaking.widgets.jobs.SolveJob`,
:class:`~matchmaking.plans.edit.PlanEditor`); the panel displays it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from matchmaking.errors import InfeasibleError, InputError
from matchmaking.model.community import Community
from matchmaking.plans.edit import PlanEditor
from matchmaking.plans.plan import GROUP_WORD, Plan
from matchmaking.scoring.requests import Requests
from matchmaking.widgets import display as D
from matchmaking.widgets.fields import MemberNames, float_field, int_field, weight_slider
from matchmaking.widgets.jobs import SolveJob
from matchmaking.widgets.layout import build_layout
from matchmaking.widgets.panel_view import PanelDisplay, words
from matchmaking.widgets.requests_editor import RequestsEditor


class PlanPanel(PanelDisplay, w.VBox):
    """Base of the solving panels (see the module docstring). Subclasses define :meth:`engine_kwargs`."""

    kind = "seating"
    title = "Plan"
    request_kinds: tuple[str, ...] = ("together", "apart", "pin")
    has_rounds = True

    def __init__(self, community: Community, engine: Callable[..., Plan], *, time_limit: float = 30.0,
                 seed: int = 0, requests: object = None, folder: str | Path | None = None,
                 fixed: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.community = community
        self.engine = engine
        self.fixed = dict(fixed or {})
        self.folder = Path(folder) if folder is not None else None
        self.word = GROUP_WORD[self.kind]
        self.names = MemberNames(community)
        self.editor: PlanEditor | None = None
        self.job: SolveJob | None = None
        self.error: BaseException | None = None
        self.stale = False
        self.locked_rounds: set[int] = set()
        self.locked_members: dict[str, dict[int, int]] = {}
        self.last_edit_seconds: float | None = None
        self._version = self._job_version = 0
        self._solve_requests = Requests()
        self._delta: float | None = None
        self.export_job: SolveJob | None = None
        self._lock = threading.RLock()
        self.time_limit = float_field("time limit (s)", time_limit, lo=0.1, hi=24 * 3600)
        self.seed = int_field("seed", seed, hi=2**31 - 1)
        self.requests_editor = RequestsEditor(self.names, word=self.word, limits=self.request_limits,
                                              kinds=self.request_kinds, rounds=self.has_rounds,
                                              on_change=self._changed)
        self._seed_requests(Requests.coerce(requests, community) if requests is not None else Requests())
        self.weights: dict[str, w.FloatSlider] = {}
        self.weights_box = w.VBox()
        sections = self.settings_sections()
        self._watch([x for _, ws in sections for x in ws] + [self.time_limit, self.seed])
        self._sync_weights()
        build_layout(self, sections)

    # ------------------------------------------------------------------ subclass hooks
    def settings_sections(self) -> list[tuple[str, list[w.Widget]]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def weight_terms(self) -> dict[str, float]:
        """Objective terms with a weight slider, and their default weights (from the settings)."""
        return {}

    def weight(self, term: str, default: float = 0.0) -> float:
        """The current weight of ``term`` (its slider's value)."""
        slider = self.weights.get(term)
        return float(slider.value) if slider is not None else default

    def engine_args(self) -> tuple:
        return (self.community,)

    def engine_kwargs(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def request_limits(self) -> tuple[Requests, dict[str, Any]]:
        """Requests given as settings (hosts) and the numbers new requests are checked against."""
        return Requests(), {}

    def editor_options(self, plan: Plan) -> dict[str, Any]:
        """Requests, rules and checker for plans that do not carry their own (older engines)."""
        return {}

    def board_options(self) -> dict[str, Any]:
        return {}

    def lock_round(self, round: int) -> None:
        raise InputError(f"{self.title.lower()} cannot hold a round yet: lock members instead", column="round")

    def lock_member(self, member: str, round: int | None) -> None:
        raise InputError(f"{self.title.lower()} cannot keep a member in place yet", column="member")

    # ------------------------------------------------------------------ the Python contract
    @property
    def plan(self) -> Plan | None:
        """The current plan, hand edits included (None before the first solve)."""
        return self.editor.plan if self.editor is not None else None

    @property
    def problems(self) -> list[str]:
        """The hard rules the current plan breaks (empty: valid, or no plan)."""
        return self.editor.problems if self.editor is not None else []

    @property
    def busy(self) -> bool:
        return self.job is not None and self.job.running

    def solve(self) -> None:
        """Start solving in the background with the current settings; returns at once."""
        with self._lock:
            if self.busy:
                self.say("already solving: Stop first, or wait", "warn")
                return
            self.error = None
            try:
                kwargs = {**self.fixed, **self.engine_kwargs()}
                args = self.engine_args()
            except Exception as exc:  # noqa: BLE001 - any bad setting: say it, stay usable
                self.job = None
                self._failed(exc)
                return
            self._job_version = self._version
            self.job = SolveJob(self.engine, args, kwargs, on_done=self._finished)
            self._set_busy(True)
            self.say("solving in the background... (the kernel stays free; Stop keeps the best plan so far)", "note")
            self.job.start()
            threading.Thread(target=self._tick, args=(self.job,), daemon=True).start()

    def stop(self) -> None:
        """Stop the solve: the engine returns the best plan found so far."""
        if self.busy:
            self.job.stop()  # type: ignore[union-attr]
            self.say("stopping: the best plan found so far is kept", "note")

    def wait(self, timeout: float | None = None) -> Plan:
        """Wait for the solve and return the plan; re-raises a failed solve's error."""
        if self.job is not None:
            self.job.wait(timeout)
        if self.error is not None:
            raise self.error
        if self.plan is None:
            raise InputError("no plan yet: call solve() first")
        return self.plan

    def move(self, member: str, table: int, round: int | None = None) -> dict[str, float]:
        """Move a member to another table (cohort, group) in ``round`` (None: every round)."""
        member = self.names.member(member)
        self._check_unlocked(member, round)
        return self._edit(lambda ed: ed.move(member, table, round))

    def swap(self, a: str, b: str, round: int | None = None) -> dict[str, float]:
        """Swap two members' places in ``round`` (None: every round both are in)."""
        a, b = self.names.member(a), self.names.member(b, what="second member")
        self._check_unlocked(a, round)
        self._check_unlocked(b, round)
        return self._edit(lambda ed: ed.swap(a, b, round))

    def undo(self) -> dict[str, float]:
        """Take back the last hand edit."""
        return self._edit(lambda ed: ed.undo())

    def lock(self, round: int | None = None, member: str | None = None) -> None:
        """Hold ``round`` as it is, or keep ``member`` where they are (in ``round``, or every round).

        The next :meth:`solve` re-plans the rest around the locks (and around the hand edits
        inside them).
        """
        self.need_plan()
        if round is None and member is None:
            raise InputError("lock(round=R) holds a round; lock(member=M) keeps a member where they are")
        if member is not None:
            self.lock_member(self.names.member(member), round)
        else:
            self.lock_round(int(round))  # type: ignore[arg-type]
        self.redraw()

    def unlock(self, round: int | None = None, member: str | None = None) -> None:
        """Release a lock (no arguments: every lock)."""
        if round is None and member is None:
            self.locked_rounds.clear()
            self.locked_members.clear()
        if member is not None:
            self.locked_members.pop(self.names.member(member), None)
        elif round is not None:
            self.locked_rounds.discard(int(round))
        self.redraw()

    def export(self, folder: str | Path | None = None, stem: str = "plan", *, report: bool = True) -> dict[str, Path]:
        """Write the plan as CSV and Excel (formula-safe) and, with ``report``, its printable report
        (``plan.report``: HTML, PDF, Excel) into ``folder``; the panel shows them as downloads."""
        plan = self.need_plan()
        target = Path(folder) if folder is not None else self.folder
        if target is None:
            raise InputError("export needs a folder", column="folder")
        paths, note = D.export_files(plan, target, stem=stem, community=self.community,
                                     report_options=self.report_options(), report=report)
        self.downloads.value = D.download_links(paths, target) + D.message_html(note, "note")
        return paths

    def report_options(self) -> dict[str, Any]:
        """Keyword arguments of ``plan.report`` from the settings (colour, hosts)."""
        hosts = self._solve_requests.hosts
        return {"color_by": self.color_by.value or None, **({"hosts": dict(hosts)} if hosts else {})}

    # ------------------------------------------------------------------ internals: solving
    def _finished(self, job: SolveJob) -> None:
        if job.error is not None:
            self._failed(job.error)
        else:
            try:
                self._adopt(job.result)
            except Exception as exc:  # noqa: BLE001
                self._failed(exc)
        self._set_busy(False)
        self.show_progress(job, final=True)

    def _adopt(self, plan: Plan) -> None:
        options = self.editor_options(plan)
        if self.editor is None:  # the first plan: fold the settings, the board comes into view
            self.settings_box.selected_index = None
        self.editor = PlanEditor(plan, **options)
        self.stale = self._version != self._job_version
        self._delta = None
        stopped = " (stopped early: best plan so far)" if self.job is not None and self.job.stop_requested else ""
        self.say(f"solved{stopped}: {plan.status}, objective {plan.objective:,.2f} in {plan.time:.1f} s", "info")
        self.redraw()

    def _failed(self, exc: BaseException) -> None:
        self.error = exc
        if isinstance(exc, (InputError, InfeasibleError)):
            text = words(exc)
        else:
            text = f"{type(exc).__name__}: {exc}"
        self.say("could not solve: " + text, "error")
        self._set_busy(False)

    def _tick(self, job: SolveJob) -> None:
        while job.running:
            self.show_progress(job)
            time.sleep(0.3)

    # ------------------------------------------------------------------ internals: editing
    def need_plan(self) -> Plan:
        """The current plan; an InputError when there is none yet (solve first)."""
        if self.editor is None:
            raise InputError("no plan yet: solve first")
        return self.editor.plan

    def _check_unlocked(self, member: str, round: int | None) -> None:
        ed = self.editor
        if ed is None:
            return
        rounds = [int(round)] if round is not None else list(ed.where(member)) if member in ed.members else []
        held = sorted(set(rounds) & self.locked_rounds)
        if held:
            raise InputError(f"round {held[0]} is locked: unlock it to edit", column="round")
        kept = self.locked_members.get(member, {})
        if any(r in kept for r in rounds):
            raise InputError(f"{self.names.label(member)} is locked in place: unlock them first", column="member")

    def _edit(self, action: Callable[[PlanEditor], dict[str, float]]) -> dict[str, float]:
        self.need_plan()
        ed = self.editor
        assert ed is not None
        t0 = time.perf_counter()
        before = ed.objective_value
        out = action(ed)
        self._delta = ed.objective_value - before
        self.redraw()
        self.last_edit_seconds = time.perf_counter() - t0
        last = self.named(ed.history[-1].what if ed.history else "back to the solver's plan")
        self.say(f"{last}: objective {before:,.2f} -> {ed.objective_value:,.2f}", "info")
        return out

    def board_edit(self, kind: str, member: str, target: Any, round: int) -> None:
        """A drag on the board: ``kind`` "move" (``target`` a table) or "swap" (``target`` a member).

        A refused edit is shown in the message line, not raised.
        """
        try:
            if kind == "move":
                self.move(member, int(target), round if self.has_rounds else None)
            else:
                self.swap(member, str(target), round if self.has_rounds else None)
        except InputError as exc:
            self.say(words(exc), "error")

    # ------------------------------------------------------------------ internals: display
    def _changed(self, *_: object) -> None:
        self._version += 1
        if self.editor is not None and not self.stale:
            self.stale = True
            self.redraw(board=False)

    def _sync_weights(self, *_: object) -> None:
        """One slider per objective term of the current settings (kept when a term stays)."""
        terms = self.weight_terms()
        for term, default in terms.items():
            if term not in self.weights:
                hi = max(3.0, 2 * float(default))
                self.weights[term] = slider = weight_slider(term, default, hi=hi)
                slider.observe(self._changed, names="value")
        self.weights_box.children = [self.weights[t] for t in terms] or [w.HTML("no weights to tune")]

    def _watch(self, widgets: Iterable[w.Widget]) -> None:
        for x in widgets:
            x.observe(self._changed, names="value")

    def _seed_requests(self, requests: Requests) -> None:
        ed = self.requests_editor
        ed.items += [("together", *p) for p in requests.together] + [("apart", *p) for p in requests.apart]
        ed.items += [("pin", *p) for p in requests.pins]
        ed.refresh(notify=False)

def group_rows(plan: Plan, column: str, values: Iterable[int]) -> pd.DataFrame:
    """The rows of a plan whose ``column`` is in ``values`` (e.g. the rounds held)."""
    keep = set(int(v) for v in values)
    frame = plan.assignments
    return frame[frame[column].isin(keep)].reset_index(drop=True)


__all__ = ["PlanPanel", "group_rows", "words"]
