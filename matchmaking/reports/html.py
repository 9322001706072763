"""Self-contained HTML reports built section by section, rendered by a template (member data escaped)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matchmaking.reports.render import Document, figure_image, render_documents, write_all


@dataclass
class Report:
    """An HTML report built section by section; ``report.html.j2`` renders it, escaping every value.

    Examples
    --------
    >>> r = Report("Demo <1>")
    >>> r.text("Ana <script>alert(1)</script>")
    >>> "<script>" in r.render(), "&lt;script&gt;" in r.render()
    (False, True)
    """

    title: str
    parts: list[dict[str, Any]] = field(default_factory=list)
    #: Room-ready documents the sections attach (the demo prints them in ``room.pdf``).
    documents: list[Document] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.parts.append({"kind": "heading", "text": text})

    def text(self, text: str, *, note: bool = False) -> None:
        self.parts.append({"kind": "text", "text": text, "note": note})

    def pre(self, text: str) -> None:
        self.parts.append({"kind": "pre", "text": text})

    def link(self, text: str, href: str, *, note: str = "") -> None:
        """A link to a file written next to the report (a relative path)."""
        self.parts.append({"kind": "link", "text": text, "href": href, "note": note})

    def table(self, frame: pd.DataFrame, *, max_rows: int = 50) -> None:
        shown = frame.head(max_rows)
        rows = [[_cell(v) for v in row] for row in shown.itertuples(index=False, name=None)]
        self.parts.append({"kind": "table", "columns": [str(c) for c in frame.columns], "rows": rows,
                           "more": max(0, len(frame) - max_rows)})

    def figure(self, fig: Any, *, alt: str = "figure") -> None:
        """Embed a matplotlib figure (inline SVG image); the figure is closed."""
        self.parts.append({"kind": "figure", "src": figure_image(fig), "alt": alt})

    def document(self) -> Document:
        return Document("report.html.j2", self.title, {"parts": self.parts})

    def render(self) -> str:
        return render_documents([self.document()], title=self.title)

    def write(self, path: str | os.PathLike) -> Path:
        """Write the report atomically."""
        return write_all({path: self.render()})[0]


def _cell(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:g}"
    if isinstance(value, (list, tuple, set)):
        return "; ".join(str(v) for v in value)
    return str(value)
