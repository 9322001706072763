"""Self-contained HTML reports. Every piece of member data is escaped."""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from matchmaking.model.io import atomic_write

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{border-bottom:2px solid #446}h2{margin-top:2em;color:#335}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em}
th{background:#eef}pre{background:#f6f6f9;padding:.6em;white-space:pre-wrap}.note{color:#555}
"""


@dataclass
class Report:
    """An HTML report built section by section; text and tables are escaped.

    Examples
    --------
    >>> r = Report("Demo <1>")
    >>> r.text("Ana <script>alert(1)</script>")
    >>> "<script>" in r.render(), "&lt;script&gt;" in r.render()
    (False, True)
    """

    title: str
    parts: list[str] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.parts.append(f"<h2>{escape(text)}</h2>")

    def text(self, text: str, *, note: bool = False) -> None:
        cls = ' class="note"' if note else ""
        self.parts.append(f"<p{cls}>{escape(text)}</p>")

    def pre(self, text: str) -> None:
        self.parts.append(f"<pre>{escape(text)}</pre>")

    def table(self, frame: pd.DataFrame, *, max_rows: int = 50) -> None:
        shown = frame.head(max_rows)
        self.parts.append(shown.to_html(index=False, escape=True, border=0))
        if len(frame) > max_rows:
            self.text(f"({len(frame) - max_rows} more rows not shown)", note=True)

    def figure(self, fig: Any, *, alt: str = "figure") -> None:
        """Embed a matplotlib figure as a PNG."""
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
        data = base64.b64encode(buf.getvalue()).decode()
        self.parts.append(f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">')

    def render(self) -> str:
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{escape(self.title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{escape(self.title)}</h1>" + "\n".join(self.parts) + "</body></html>"
        )

    def write(self, path: str | os.PathLike) -> Path:
        """Write the report atomically."""
        html = self.render()
        return atomic_write(path, lambda p: p.write_text(html, encoding="utf-8"))
