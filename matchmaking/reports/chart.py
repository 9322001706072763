"""Geometry of the room chart: round tables on a grid, the names around each (in millimetres).

The template ``seating_chart.html.j2`` draws what :func:`chart_pages` places; nothing here
is markup, so every name reaches the SVG through the escaping template.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from matchmaking.reports.words import short

#: The drawing area of a landscape A4 page, below the heading and above the legend (mm).
WIDTH, HEIGHT = 277.0, 168.0
FONT = 2.6  # name size (mm), about 7.5 pt
CHARS = 14  # longest name drawn in full on the chart (cards and itineraries show it whole)
CHAR_W = 0.55 * FONT  # average glyph width of DejaVu Sans
DOT_GAP = 0.8  # space between a seat's dot and the name beside it
MAX_ZOOM = 2.2  # a room of few tables is drawn larger, up to this factor


def chart_pages(tables: Sequence[tuple[int, list[dict]]], *, width: float = WIDTH,
                height: float = HEIGHT) -> list[dict]:
    """Place ``(table number, people)`` on as many pages as needed; each page is a dict for the template.

    Each person dict needs ``name``, ``host`` and ``color``. A page has its view box ``x``, ``y``,
    ``width``, ``height`` (mm; narrower than the page when few tables are drawn larger) and
    ``tables``: ``number``, ``cx``, ``cy``, ``r`` and ``seats`` (``x``, ``y``, ``anchor``,
    ``label``, ``host``, ``color``, ``dx``, ``dy``: the seat's dot on the table edge).

    Examples
    --------
    >>> people = [{"name": f"P{i}", "host": i == 0, "color": "#000"} for i in range(10)]
    >>> pages = chart_pages([(t, people) for t in range(1, 31)])
    >>> len(pages), [len(p["tables"]) for p in pages]
    (2, [16, 14])
    >>> seat = pages[0]["tables"][0]["seats"][0]
    >>> seat["anchor"], seat["label"]
    ('middle', '★ P0')
    >>> few = chart_pages([(t, people) for t in (1, 2)])[0]  # two tables, drawn larger
    >>> round(WIDTH / few["width"], 2), len(few["tables"])
    (2.2, 2)
    """
    if not tables:
        return []
    seats = max(len(p) for _, p in tables)
    r = max(5.0, 0.9 * seats)  # table radius
    ring = r + 1.8  # where names start
    label_w = CHARS * CHAR_W + 2.0
    cell_w = 2 * (ring + label_w) + 2
    cell_h = 2 * (ring + FONT) + 2 * FONT + 3
    cols = max(1, int(width // cell_w))
    rows = max(1, int(height // cell_h))
    per_page = cols * rows
    pages = []
    for start in range(0, len(tables), per_page):
        chunk = tables[start:start + per_page]
        n = len(chunk)
        # the grid that draws this page's tables largest: a few tables fill the page
        use_cols = max(range(1, min(cols, n) + 1), key=lambda c: (
            min(width / (c * cell_w), height / (math.ceil(n / c) * cell_h), MAX_ZOOM), c))
        use_rows = math.ceil(n / use_cols)
        placed = []
        for k, (number, people) in enumerate(chunk):
            cx = cell_w * (k % use_cols + 0.5)
            cy = cell_h * (k // use_cols + 0.5)
            placed.append({"number": number, "cx": _mm(cx), "cy": _mm(cy), "r": _mm(r),
                           "font": _mm(min(2 * FONT, r * 0.9)), "seats": _seats(people, cx, cy, r, ring)})
        pages.append({"tables": placed, **_view(cell_w * use_cols, cell_h * use_rows, width, height)})
    return pages


def _view(used_w: float, used_h: float, width: float, height: float) -> dict:
    """The SVG viewBox around the tables drawn, so that a few tables fill the page (up to :data:`MAX_ZOOM`)."""
    zoom = max(1.0, min(width / used_w, height / used_h, MAX_ZOOM))
    w, h = width / zoom, height / zoom
    return {"x": _mm((used_w - w) / 2), "y": _mm((used_h - h) / 2), "width": _mm(w), "height": _mm(h)}


def _seats(people: list[dict], cx: float, cy: float, r: float, ring: float) -> list[dict]:
    out = []
    n = len(people)
    for k, person in enumerate(people):
        theta = -math.pi / 2 + 2 * math.pi * k / max(n, 1)
        c, s = math.cos(theta), math.sin(theta)
        if c > 0.25:  # on the right: the name starts clear of its seat's dot
            anchor, lift, clear = "start", 0.0, DOT_GAP
        elif c < -0.25:
            anchor, lift, clear = "end", 0.0, -DOT_GAP
        else:  # near the top or the bottom: centred, pushed out so that it clears its neighbours
            anchor, lift, clear = "middle", FONT * 0.8, 0.0
        x = cx + (ring + lift) * c + clear
        y = cy + (ring + lift) * s + FONT * 0.35  # baseline: the text's middle on the ring
        name = short(person["name"], CHARS)
        out.append({"x": _mm(x), "y": _mm(y), "anchor": anchor, "host": bool(person.get("host")),
                    "label": ("★ " + name) if person.get("host") else name, "color": person["color"],
                    "dx": _mm(cx + r * c), "dy": _mm(cy + r * s)})
    return out


def _mm(v: float) -> float:
    return round(v, 2)
