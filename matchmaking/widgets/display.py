"""What the panels show, as escaped HTML: the plan's numbers, its broken rules, messages, downloads."""

from __future__ import annotations

import base64
import html
import inspect
import io
import math
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from matchmaking.model.io import write_table
from matchmaking.plans.plan import Plan

COLOURS = {"error": "#c62828", "warn": "#a65e00", "info": "#1b5e20", "note": "#444"}


def message_html(text: str, level: str = "info") -> str:
    """One escaped message line (``error``, ``warn``, ``info`` or ``note``); multi-line kept."""
    if not text:
        return ""
    body = html.escape(text).replace("\n", "<br>")
    return f'<div class="mm-msg mm-{level}" style="color:{COLOURS.get(level, "#444")};white-space:normal">{body}</div>'


def _num(v: float) -> str:
    if not math.isfinite(v):
        return "none"
    return f"{v:,.2f}".rstrip("0").rstrip(".") if v != int(v) else f"{int(v):,}"


def summary_html(plan: Plan | None, breakdown: dict[str, float] | None, problems: list[str], *,
                 delta: float | None = None, stale: bool = False, solver_objective: float | None = None,
                 named: Callable[[str], str] | None = None) -> str:
    """The plan in numbers: objective (and the last edit's change), terms, bound, gap, status, problems.

    ``named`` rewrites the problems and notes for a person (member ids as names) before escaping.

    Examples
    --------
    >>> import pandas as pd
    >>> p = Plan("cohorts", pd.DataFrame({"cohort": [1], "member": ["a"]}), objective=2.0, bound=4.0)
    >>> "objective" in summary_html(p, {"pairs": 2.0, "total": 2.0}, ["cohort 1: <x>"], delta=-1.0)
    True
    >>> "&lt;x&gt;" in summary_html(p, {"total": 2.0}, ["cohort 1: <x>"])
    True
    """
    if plan is None:
        return '<div class="mm-summary" style="color:#666">No plan yet.</div>'
    breakdown = breakdown or dict(plan.breakdown) or {"total": plan.objective}
    total = float(breakdown.get("total", plan.objective))
    gap = plan.gap
    change = ""
    if delta is not None:
        colour = "#1b5e20" if delta >= 0 else "#c62828"
        change = f' <span class="mm-delta" style="color:{colour}">({"+" if delta >= 0 else ""}{_num(delta)})</span>'
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td style='text-align:right'>{_num(float(v))}</td></tr>"
                   for k, v in breakdown.items() if k != "total")
    parts = [
        '<div class="mm-summary">',
        f'<span style="font-size:16px">objective <b class="mm-objective">{_num(total)}</b>{change}</span>',
        f" &nbsp; bound {_num(plan.bound)} &nbsp; gap {'n/a' if not math.isfinite(gap) else f'{100 * gap:.1f}%'}"
        f" &nbsp; status <b>{html.escape(plan.status)}</b>",
    ]
    if solver_objective is not None and abs(solver_objective - total) > 1e-9 * max(1.0, abs(total)):
        parts.append(f" &nbsp; <i>(the solver's own objective: {_num(solver_objective)})</i>")
    if stale:
        parts.append('<div class="mm-stale" style="color:#a65e00"><b>Stale:</b> the settings changed since this '
                     "plan was made. Solve again to use them.</div>")
    parts.append(f'<table style="font-size:12px;margin-top:4px">{rows}</table>')
    named = named or (lambda text: text)
    if problems:
        items = "".join(f"<li>{html.escape(named(p))}</li>" for p in problems[:12])
        more = f"<li>... and {len(problems) - 12} more</li>" if len(problems) > 12 else ""
        parts.append(f'<div class="mm-problems" style="color:#c62828"><b>{len(problems)} hard rule(s) broken:'
                     f"</b><ul style='margin:2px 0'>{items}{more}</ul></div>")
    else:
        parts.append('<div class="mm-valid" style="color:#1b5e20">Every hard rule holds.</div>')
    for note in plan.notes[:6]:
        parts.append(f'<div style="color:#555;font-size:12px">note: {html.escape(named(note))}</div>')
    parts.append("</div>")
    return "".join(parts)


def explanation_html(member_label: str, text: str) -> str:
    return (f'<div class="mm-explain"><b>{html.escape(member_label)}</b>'
            f'<pre style="white-space:pre-wrap;font-size:12px">{html.escape(text)}</pre></div>')


def _data_link(name: str, data: bytes, mime: str) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    return (f'<a class="mm-download" download="{html.escape(name)}" href="data:{mime};base64,{b64}" '
            f'style="margin-right:12px">{html.escape(name)}</a>')


def export_files(plan: Plan, folder: str | Path, *, stem: str = "plan", community: Any = None,
                 report_options: dict[str, Any] | None = None, report: bool = True) -> tuple[dict[str, Path], str]:
    """Write ``stem.csv`` and ``stem.xlsx`` (formula-safe) and, with ``report``, the printable report
    (``plan.report``: ``stem-report/index.html``, the PDF and the workbook) into ``folder``.

    Returns the paths written and a note about the report (empty when it was written or not asked).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"csv": write_table(plan.assignments, folder / f"{stem}.csv"),
             "xlsx": write_table(plan.assignments, folder / f"{stem}.xlsx")}
    note = ""
    if not report:
        return paths, note
    report = getattr(plan, "report", None)
    if report is None:
        note = ("printable reports (plan.report) are not available in this version yet; "
                "the CSV and Excel files are ready")
    else:
        options = dict(report_options or {})
        if community is not None:
            options["community"] = community
        accepted = inspect.signature(report).parameters
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
            options = {k: v for k, v in options.items() if k in accepted}
        written = report(folder / f"{stem}-report", **options)
        if isinstance(written, dict):
            paths.update({f"report {k}": Path(v) for k, v in written.items()})
        else:
            paths["report"] = folder / f"{stem}-report"
    return paths, note


def download_links(paths: dict[str, Path], folder: str | Path) -> str:
    """Download links (data URLs: nothing is served) for written files; a report folder is zipped."""
    links = []
    folder = Path(folder)
    report_files = []
    for key, path in paths.items():
        if key in ("csv", "xlsx"):
            mime = "text/csv" if key == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            links.append(_data_link(path.name, path.read_bytes(), mime))
        elif path.is_file():
            report_files.append(path)
        elif path.is_dir():
            report_files += [p for p in sorted(path.rglob("*")) if p.is_file()]
    if report_files:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in report_files:
                zf.write(p, p.relative_to(folder) if p.is_relative_to(folder) else p.name)
        links.append(_data_link("plan-report.zip", buffer.getvalue(), "application/zip"))
    where = html.escape(str(folder))
    return f'<div class="mm-downloads">Download: {"".join(links)}<br><small>written to {where}</small></div>'


def frame_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, border=0)


__all__ = ["download_links", "explanation_html", "export_files", "frame_html", "message_html", "summary_html"]
