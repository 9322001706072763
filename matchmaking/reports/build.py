"""Any plan to its room-ready documents: ``index.html``, ``<kind>.pdf``, ``<kind>.xlsx`` (and CSV).

:func:`write_report` is what ``plan.report(dir)``, ``matchmaking report`` and every ``--report``
use. Everything is rendered in memory first, then written: bad options write nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.reports.context import PlanContext, plan_context
from matchmaking.reports.render import Document, documents_pdf, render_documents, write_all

FORMATS = ("html", "pdf", "xlsx", "csv")
DEFAULT_FORMATS = ("html", "pdf", "xlsx")
TITLES = {"seating": "Seating plan", "cohorts": "Cohorts", "pairs": "Pairings"}


def plan_documents(ctx: PlanContext, *, attributes: list[str] | None = None) -> list[Document]:
    """The documents of a plan of any kind (see :mod:`matchmaking.reports.seating` and siblings)."""
    if ctx.plan.kind == "seating":
        from matchmaking.reports.seating import seating_documents

        return seating_documents(ctx)
    if ctx.plan.kind == "cohorts":
        from matchmaking.reports.cohorts import cohorts_documents

        return cohorts_documents(ctx, attributes=attributes)
    from matchmaking.reports.pairs import pairs_documents

    return pairs_documents(ctx)


def parse_formats(formats: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"html,pdf"`` or a list -> validated formats (default html, pdf, xlsx).

    Examples
    --------
    >>> parse_formats("pdf, xlsx"), parse_formats(None)
    (('pdf', 'xlsx'), ('html', 'pdf', 'xlsx'))
    """
    if formats is None:
        return DEFAULT_FORMATS
    items = [f.strip().lower().lstrip(".") for f in (formats.split(",") if isinstance(formats, str) else formats)]
    items = [f for f in items if f]
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise InputError(f"unknown format {bad[0] if bad else ''!r}; choose among {', '.join(FORMATS)}",
                         column="format")
    return tuple(dict.fromkeys(items))


def report_paths(out: str | os.PathLike, kind: str, formats: str | Iterable[str] | None = None) -> dict[str, Path]:
    """Where each format goes: ``out`` itself when it names a file (``plan.html``), else files in folder ``out``.

    Examples
    --------
    >>> {k: str(v) for k, v in report_paths("room", "seating", "html,pdf").items()}
    {'html': 'room/index.html', 'pdf': 'room/seating.pdf'}
    >>> {k: str(v) for k, v in report_paths("plan.pdf", "seating").items()}
    {'pdf': 'plan.pdf'}
    """
    out = Path(out)
    suffix = out.suffix.lower().lstrip(".")
    if suffix in FORMATS and not out.is_dir():
        if formats is not None and parse_formats(formats) != (suffix,):
            raise InputError(f"{out} is one {suffix} file: give a folder for several formats", file=str(out))
        return {suffix: out}
    if out.exists() and not out.is_dir():
        raise InputError("the report goes in a folder, and this is a file", file=str(out))
    names = {"html": "index.html", "pdf": f"{kind}.pdf", "xlsx": f"{kind}.xlsx", "csv": f"{kind}.csv"}
    return {f: out / names[f] for f in parse_formats(formats)}


def write_report(
    plan: Plan,
    out: str | os.PathLike,
    community: Community | None = None,
    *,
    formats: str | Iterable[str] | None = None,
    color_by: str | None = None,
    hosts: Mapping[str, int] | Sequence[str] | None = None,
    leads: str | Sequence[str] | None = None,
    attributes: list[str] | None = None,
    title: str | None = None,
    inputs: Iterable[str | os.PathLike] = (),
    workers: int | None = None,
) -> dict[str, Path]:
    """Write the documents of ``plan``: HTML, PDF, Excel and CSV, as asked.

    Parameters
    ----------
    plan : Plan
        A seating, cohorts or pairings plan.
    out : path
        A folder (gets ``index.html``, ``<kind>.pdf``, ``<kind>.xlsx``, ``<kind>.csv``), or one
        file whose extension says its format (``plan.html``, ``room.pdf``).
    community : Community, optional
        Who the members are (names, skills, attributes); default: the plan's own.
    formats : str or list, optional
        Among ``html``, ``pdf``, ``xlsx``, ``csv`` (default the first three).
    color_by : str, optional
        The attribute that colours the charts and whose mix the summary plots.
    hosts, leads : optional
        Table hosts (``member -> table`` or a list for tables 1, 2...) and cohort leads (a
        selection such as ``"role=lead"``, or ids); default: from the plan.
    attributes : list of str, optional
        Attribute columns of the exports and rosters.
    title : str, optional
        Title of the HTML file.
    inputs : paths
        Files the caller read: an output on one of them is refused (an input is never overwritten).
    workers : int, optional
        Processes laying out a long PDF (default 2, fewer on one CPU).

    Returns
    -------
    dict
        Format -> the path written.

    Raises
    ------
    InputError
        An unknown format or attribute, a file in place of the folder, an output on an input
        (nothing is written then).

    Examples
    --------
    >>> import matchmaking as mm, pandas as pd, tempfile
    >>> c = mm.datasets.demo_community().subset(mm.datasets.demo_community().ids[:6])
    >>> plan = mm.Plan("seating", pd.DataFrame({"round": [1] * 6, "table": [1, 1, 1, 2, 2, 2],
    ...                                          "member": c.ids}), objective=0.0)
    >>> paths = write_report(plan, tempfile.mkdtemp(), c, formats="html,xlsx")
    >>> sorted(p.name for p in paths.values())
    ['index.html', 'seating.xlsx']
    """
    paths = report_paths(out, plan.kind, formats)
    _refuse_inputs(paths, inputs)
    ctx = plan_context(plan, community, color_by=color_by, hosts=hosts, leads=leads)
    outputs: dict[Path, bytes | str] = {}
    if {"html", "pdf"} & set(paths):
        docs = plan_documents(ctx, attributes=attributes)
        links = [(f.upper(), p.name) for f, p in paths.items() if f != "html" and "html" in paths
                 and p.parent == paths["html"].parent]
        html = render_documents(docs, title=title or _title(ctx), links=links)
        if "html" in paths:
            outputs[paths["html"]] = html
        if "pdf" in paths:
            outputs[paths["pdf"]] = documents_pdf(docs, title=title or _title(ctx), workers=workers)
    if {"xlsx", "csv"} & set(paths):
        from matchmaking.reports.exports import csv_bytes, export_frame, xlsx_bytes

        frame = export_frame(ctx, attributes)
        if "xlsx" in paths:
            outputs[paths["xlsx"]] = xlsx_bytes(frame, plan.kind)
        if "csv" in paths:
            outputs[paths["csv"]] = csv_bytes(frame)
    folder = next(iter(paths.values())).parent
    if not folder.is_dir():
        if not folder.parent.is_dir():
            raise InputError(f"the folder {str(folder.parent)!r} does not exist (create it first)", file=str(folder))
        folder.mkdir()
    write_all(outputs)
    return paths


def _title(ctx: PlanContext) -> str:
    n = ctx.plan.assignments["member"].nunique()
    return f"{TITLES[ctx.plan.kind]} · {n} {'attendees' if ctx.plan.kind == 'seating' else 'members'}"


def _refuse_inputs(paths: Mapping[str, Path], inputs: Iterable[str | os.PathLike]) -> None:
    given = {Path(p).resolve() for p in inputs if p is not None and Path(p).exists()}
    for path in paths.values():
        if path.exists() and path.resolve() in given:
            raise InputError("the report would overwrite an input file; choose another --out", file=str(path))
