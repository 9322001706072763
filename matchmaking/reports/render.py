"""Templates to HTML, HTML to PDF, figures to images, and writing every output all-or-nothing.

Every document has one Jinja2 source in ``matchmaking/reports/templates/``. The environment
escapes every value (autoescape on), so member data is inert in HTML whatever it holds.
"""

from __future__ import annotations

import base64
import gc
import io
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from matchmaking.model.io import atomic_write, output_batch


@dataclass
class Document:
    """One printable document: a template and the data it shows.

    Attributes
    ----------
    template : str
        File name under ``templates/`` (e.g. ``"seating_cards.html.j2"``).
    title : str
        Heading and bookmark of the document.
    data : dict
        What the template shows (``doc.data`` in the template).
    anchor : str
        The HTML id of the document (links in the table of contents).
    items : str
        The key of ``data`` holding one entry per printed sheet (a card, an itinerary), so that
        a long document can be laid out in parts; empty when the document is one piece.
    cost : float
        Relative layout time of one sheet (for splitting the work evenly).
    """

    template: str
    title: str
    data: dict[str, Any] = field(default_factory=dict)
    anchor: str = ""
    items: str = ""
    cost: float = 1.0

    @property
    def sheets(self) -> int:
        return len(self.data[self.items]) if self.items else 1

    def part(self, start: int, stop: int) -> Document:
        """The sheets ``start:stop`` of a document with :attr:`items`."""
        data = dict(self.data)
        data[self.items] = self.data[self.items][start:stop]
        return Document(self.template, self.title, data, f"{self.anchor}-{start}" if start else self.anchor,
                        self.items, self.cost)


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report templates (autoescape on, undefined names are errors).

    Examples
    --------
    >>> environment().from_string("{{ name }}").render(name="<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("matchmaking.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["thousands"] = lambda v: f"{v:,.0f}".replace(",", "\u202f")
    env.filters["nobreak"] = nobreak
    return env


def nobreak(text: object) -> str:
    """``text`` with no-break spaces, so that a name is never cut at the end of a line.

    Examples
    --------
    >>> nobreak("Zoé l'Hôte") == "Zoé\u00a0l'Hôte"
    True
    """
    return str(text).replace(" ", "\u00a0")


def render(template: str, **context: Any) -> str:
    """Render one template of ``templates/`` with ``context``."""
    return environment().get_template(template).render(**context)


def render_documents(documents: Sequence[Document], *, title: str, lang: str = "en",
                     links: Sequence[tuple[str, str]] = ()) -> str:
    """The self-contained HTML of several documents (print CSS inside, images inlined).

    ``links`` are ``(label, relative path)`` of files written beside it (the PDF, the workbook),
    listed at the top on screen.

    Examples
    --------
    >>> html = render_documents([Document("report.html.j2", "Notes <b>", {"parts": []})], title="T")
    >>> html.startswith("<!DOCTYPE html>"), "Notes &lt;b&gt;" in html
    (True, True)
    """
    for i, doc in enumerate(documents):
        doc.anchor = doc.anchor or f"doc{i + 1}"
    return render("documents.html.j2", title=title, docs=list(documents), lang=lang, links=list(links))


def pdf_bytes(html: str) -> bytes:
    """Lay out ``html`` for print (A4) with WeasyPrint and return the PDF.

    No resource is fetched from the network or the disk: images are inline (``data:``) and any
    other URL is refused.
    """
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",), timeout=1)
    with _no_cycle_collection():
        return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while WeasyPrint lays out a document.

    Layout keeps every box of every page alive until the PDF is written; each full collection
    walks all of them, which made the layout time grow with the square of the page count (300
    itineraries: 52 ms a page instead of 30). Reference counting still frees what it can; the
    cycles left go at the next collection once it runs again. The collector is process-wide, so
    it is paused only on the main thread (a layout process, a script): a notebook's or the
    studio's background export leaves it running for the kernel's other work.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def documents_pdf(documents: Sequence[Document], *, title: str, workers: int | None = None,
                  min_sheets: int = 80) -> bytes:
    """The PDF of several documents, laid out by ``workers`` processes when they are long.

    Layout is WeasyPrint's slow part (tens of milliseconds a page): a document of more than
    ``min_sheets`` sheets is cut into ``workers`` parts of about equal cost (default: 2, or the
    number of CPUs if fewer), laid out in parallel, and the parts are joined into one PDF
    (bookmarks kept).

    Examples
    --------
    >>> doc = Document("report.html.j2", "Zoé l'Hôte", {"parts": [{"kind": "text", "text": "<b>", "note": False}]})
    >>> documents_pdf([doc], title="T")[:5]
    b'%PDF-'
    """
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    if workers <= 1 or sum(d.sheets for d in documents) < min_sheets:
        return pdf_bytes(render_documents(documents, title=title))
    htmls = [render_documents(part, title=title) for part in split_documents(documents, workers)]
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor

    import weasyprint  # noqa: F401  (imported once here: the forked processes inherit it)

    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    with ProcessPoolExecutor(len(htmls), mp_context=context) as pool:
        parts = list(pool.map(pdf_bytes, htmls))
    return join_pdfs(parts)


def split_documents(documents: Sequence[Document], n: int) -> list[list[Document]]:
    """Cut the sheets of ``documents`` into ``n`` runs of about equal cost, in order."""
    for i, doc in enumerate(documents):
        doc.anchor = doc.anchor or f"doc{i + 1}"
    units = [(d, k) for d, doc in enumerate(documents) for k in range(doc.sheets)]
    costs = [documents[d].cost for d, _ in units]
    share = sum(costs) / n
    parts: list[list[tuple[int, int]]] = [[]]
    done = 0.0
    for unit, cost in zip(units, costs, strict=True):
        if done >= share * len(parts) and len(parts) < n and parts[-1]:
            parts.append([])
        parts[-1].append(unit)
        done += cost
    out = []
    for part in parts:
        docs = []
        for d in dict.fromkeys(d for d, _ in part):
            ks = [k for dd, k in part if dd == d]
            doc = documents[d]
            docs.append(doc.part(ks[0], ks[-1] + 1) if doc.items else doc)
        out.append(docs)
    return out


def join_pdfs(parts: Sequence[bytes]) -> bytes:
    """One PDF of several, page after page, with their bookmarks."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def figure_image(fig: Any, *, fmt: str = "svg", dpi: int = 110) -> Markup:
    """A matplotlib figure as a ``data:`` URI (SVG by default), to use as an ``<img src>``.

    The figure is closed. Text in the SVG is drawn as paths, so nothing in it is markup.
    """
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    mime = "image/svg+xml" if fmt == "svg" else f"image/{fmt}"
    return Markup(f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode()}")


def write_all(outputs: Mapping[os.PathLike | str, bytes | str]) -> list[Path]:
    """Write every output file, all or none, once all of them are ready in memory.

    Callers render first, then call this: nothing is written when preparing an output failed.
    The files are staged and renamed together (:func:`matchmaking.model.io.output_batch`), with
    the permissions the umask gives.
    """
    written = []
    with output_batch():
        for path, content in outputs.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            written.append(atomic_write(path, lambda p, data=data: p.write_bytes(data)))
    return written
