"""The plan as a picture: one card per table (cohort, pair) and round, members as coloured chips.

:class:`PlanBoard` is a small anywidget: the cards are drawn in the browser from a JSON
description (:func:`board_data`) with ``textContent`` (member data is never parsed as HTML).
Clicking a chip selects the member (``board.selected``); dragging a chip onto another card
asks for a move, onto another chip for a swap (``on_edit(kind, member, target, round)``).
:func:`sparkline_svg` draws the live objective/bound chart as a tiny SVG of numbers only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import traitlets

from matchmaking.model.community import Community

PALETTE = ("#cfe3f7", "#fde2c4", "#d5efd0", "#f6d2d8", "#e3d9f2", "#fff3b0", "#d3eeee", "#eadbc8",
           "#f0d9f5", "#dfe6c8", "#f9d7b9", "#d9dce9")
OTHER = "#e8e8e8"

#: The board's browser code (an anywidget ES module): text goes in with textContent, never as HTML.
ESM = r"""
function render({ model, el }) {
  el.classList.add("mm-board");
  const send = (msg) => model.send(msg);
  function chip(m, round) {
    const c = document.createElement("span");
    c.className = "mm-chip" + (m.flag ? " mm-flag" : "") + (m.id === model.get("selected") ? " mm-sel" : "");
    c.style.background = m.color;
    c.textContent = (m.host ? "\u2605 " : "") + (m.locked ? "\u{1F512} " : "") + m.name;
    c.title = m.id + (m.host ? " (host)" : "") + (m.tip ? " \u2014 " + m.tip : "");
    c.dataset.member = m.id;
    c.draggable = true;
    c.addEventListener("click", (e) => { e.stopPropagation(); model.set("selected", m.id); model.save_changes(); });
    c.addEventListener("dragstart", (e) => { e.dataTransfer.setData("text/plain", m.id); });
    c.addEventListener("dragover", (e) => e.preventDefault());
    c.addEventListener("drop", (e) => {
      e.preventDefault(); e.stopPropagation();
      const who = e.dataTransfer.getData("text/plain");
      if (who && who !== m.id) send({ kind: "swap", member: who, target: m.id, round: round });
    });
    return c;
  }
  function draw() {
    el.replaceChildren();
    const data = JSON.parse(model.get("cards_json") || "{}");
    const rounds = data.rounds || [];
    if (!rounds.length) {
      const p = document.createElement("div"); p.className = "mm-empty";
      p.textContent = data.empty || "No plan yet: press Solve.";
      el.appendChild(p); return;
    }
    let shown = model.get("round");
    if (!rounds.some((r) => r.round === shown)) shown = rounds[0].round;
    if (rounds.length > 1) {
      const bar = document.createElement("div"); bar.className = "mm-rounds";
      for (const r of rounds) {
        const b = document.createElement("button");
        b.className = "mm-round" + (r.round === shown ? " mm-on" : "") + (r.flag ? " mm-flag" : "");
        b.textContent = r.label + (r.locked ? " \u{1F512}" : "");
        b.addEventListener("click", () => { model.set("round", r.round); model.save_changes(); });
        bar.appendChild(b);
      }
      el.appendChild(bar);
    }
    if ((data.legend || []).length) {
      const lg = document.createElement("div"); lg.className = "mm-legend";
      for (const [label, color] of data.legend) {
        const s = document.createElement("span"); s.className = "mm-chip"; s.style.background = color;
        s.textContent = label; lg.appendChild(s);
      }
      el.appendChild(lg);
    }
    const round = rounds.find((r) => r.round === shown);
    const grid = document.createElement("div"); grid.className = "mm-grid";
    if (!round.groups) {
      const p = document.createElement("div"); p.className = "mm-empty"; p.textContent = "loading...";
      el.appendChild(p); return;
    }
    for (const g of round.groups) {
      const card = document.createElement("div");
      card.className = "mm-card" + (g.flag ? " mm-flag" : "");
      card.dataset.group = g.id;
      const h = document.createElement("div"); h.className = "mm-head";
      h.textContent = g.title + (g.capacity ? ` \u00b7 ${g.members.length}/${g.capacity}` : ` \u00b7 ${g.members.length}`);
      card.appendChild(h);
      for (const m of g.members) card.appendChild(chip(m, round.round));
      card.addEventListener("dragover", (e) => e.preventDefault());
      card.addEventListener("drop", (e) => {
        e.preventDefault();
        const who = e.dataTransfer.getData("text/plain");
        if (who) send({ kind: "move", member: who, target: g.id, round: round.round });
      });
      grid.appendChild(card);
    }
    el.appendChild(grid);
  }
  model.on("change:cards_json", draw);
  model.on("change:selected", draw);
  model.on("change:round", draw);
  draw();
}
export default { render };
"""

_CSS = """
.mm-board { font-family: system-ui, sans-serif; font-size: 12px; }
.mm-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; }
.mm-card { border: 1px solid #b8c0cc; border-radius: 6px; padding: 4px; background: #fff; min-height: 40px; }
.mm-card.mm-flag { border: 2px solid #c62828; background: #fff5f5; }
.mm-head { font-weight: 600; margin-bottom: 3px; color: #333; }
.mm-chip { display: inline-block; margin: 1px; padding: 1px 5px; border-radius: 9px; cursor: pointer;
           color: #111; border: 1px solid rgba(0,0,0,.12); user-select: none; }
.mm-chip.mm-sel { outline: 2px solid #1565c0; }
.mm-chip.mm-flag { border: 2px solid #c62828; }
.mm-rounds { margin-bottom: 6px; }
.mm-round { margin-right: 4px; padding: 2px 10px; border: 1px solid #999; border-radius: 4px; background: #f4f4f4;
            cursor: pointer; }
.mm-round.mm-on { background: #1565c0; color: #fff; }
.mm-round.mm-flag { border-color: #c62828; }
.mm-legend { margin-bottom: 6px; }
.mm-empty { color: #666; padding: 8px; }
"""


class PlanBoard(anywidget.AnyWidget):
    """Cards of a plan; ``selected`` is the member last clicked, ``round`` the round shown.

    ``on_edit(kind, member, target, round)`` is called when a chip is dropped on a card
    (``"move"``, target = group) or on another chip (``"swap"``, target = member).
    """

    _esm = ESM
    _css = _CSS
    cards_json = traitlets.Unicode("{}").tag(sync=True)  # one string: far cheaper to send than nested dicts
    selected = traitlets.Unicode("").tag(sync=True)
    round = traitlets.Int(1).tag(sync=True)

    def __init__(self, on_edit: Callable[[str, str, Any, int], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_edit = on_edit
        self.on_msg(self._message)

    @property
    def data(self) -> dict[str, Any]:
        """What the board draws (see :func:`board_data`)."""
        return json.loads(self.cards_json)

    @data.setter
    def data(self, value: Mapping[str, Any]) -> None:
        self.cards_json = json.dumps(value, separators=(",", ":"))

    def _message(self, _widget: object, content: Mapping[str, Any], _buffers: object) -> None:
        if self.on_edit is not None and content.get("kind") in ("move", "swap"):
            self.on_edit(content["kind"], str(content["member"]), content["target"], int(content.get("round") or 1))


def colours(values: Iterable[object]) -> dict[str, str]:
    """A colour per distinct value (most frequent first; the 13th value on share one grey).

    Examples
    --------
    >>> colours(["Lyon", "Paris", "Lyon"])
    {'Lyon': '#cfe3f7', 'Paris': '#fde2c4'}
    """
    counts = pd.Series([str(v) for v in values if not _missing(v)]).value_counts(sort=True)
    order = sorted(counts.index, key=lambda v: (-counts[v], v))
    return {v: (PALETTE[k] if k < len(PALETTE) else OTHER) for k, v in enumerate(order)}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def board_data(
    assignments: pd.DataFrame,
    community: Community,
    *,
    word: str,
    color_by: str | None = None,
    capacities: Sequence[int] | None = None,
    hosts: Mapping[str, int] | None = None,
    locked_rounds: Iterable[int] = (),
    locked_members: Iterable[str] = (),
    flagged: tuple[set[tuple[int, str]], set[tuple[int, int]]] = (set(), set()),
    group_titles: Mapping[tuple[int, int], str] | None = None,
    shown: int | None = None,
) -> dict[str, Any]:
    """The JSON the board draws: rounds -> cards -> member chips (names, colours, marks).

    With ``shown``, only that round's cards are filled in (the others are tabs to click: the
    board asks for them), so a redraw sends one round.

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "name": ["Ana", "<b>Ben</b>"], "city": ["Lyon", "Nice"]}))
    >>> plan = pd.DataFrame({"round": [1, 1], "table": [1, 2], "member": ["a", "b"]})
    >>> d = board_data(plan, c, word="table", color_by="city", capacities=[2, 2], hosts={"a": 1})
    >>> [(g["title"], [m["name"] for m in g["members"]]) for g in d["rounds"][0]["groups"]]
    [('Table 1', ['Ana']), ('Table 2', ['<b>Ben</b>'])]
    >>> d["rounds"][0]["groups"][0]["members"][0]["host"], d["legend"]
    (True, [['Lyon', '#cfe3f7'], ['Nice', '#fde2c4']])
    """
    people = community.members
    ids = community.ids
    names = dict(zip(ids, people["name"].astype(str), strict=True)) if "name" in people else {}
    values = dict(zip(ids, people[color_by], strict=True)) if color_by else {}
    palette = colours(values.values()) if color_by else {}
    hosts = dict(hosts or {})
    held, kept = {int(r) for r in locked_rounds}, set(locked_members)
    bad_members, bad_groups = flagged
    col = [c for c in assignments.columns if c not in ("round", "member")][0]
    rnds = assignments["round"].tolist() if "round" in assignments else [1] * len(assignments)
    layout: dict[int, dict[int, list[str]]] = {}
    for rnd, g, m in zip(rnds, assignments[col].tolist(), assignments["member"].astype(str).tolist(), strict=True):
        layout.setdefault(int(rnd), {}).setdefault(int(g), []).append(m)
    every = set(range(1, len(capacities) + 1)) if capacities is not None else set()
    rounds = []
    if shown is not None and shown not in layout and layout:
        shown = min(layout)
    for rnd in sorted(layout):
        present = layout[rnd]
        if shown is not None and rnd != shown:
            rounds.append({"round": rnd, "label": f"Round {rnd}", "groups": None, "locked": rnd in held,
                           "flag": any(r == rnd for r, _ in bad_members | bad_groups)})
            continue
        groups = []
        for g in sorted(set(present) | every):
            chips = []
            for m in present.get(g, []):
                value = values.get(m)
                shown = bool(color_by) and not _missing(value)
                chips.append({
                    "id": m, "name": names.get(m) or m, "color": palette.get(str(value), OTHER) if shown else OTHER,
                    "host": hosts.get(m) == g, "locked": m in kept or rnd in held, "flag": (rnd, m) in bad_members,
                    "tip": f"{color_by}: {value}" if shown else "",
                })
            title = (group_titles or {}).get((rnd, g)) or f"{word.capitalize()} {g}"
            groups.append({"id": g, "title": title, "members": chips, "flag": (rnd, g) in bad_groups,
                           "capacity": int(capacities[g - 1]) if capacities is not None and g <= len(capacities) else 0})
        rounds.append({"round": rnd, "label": f"Round {rnd}", "groups": groups, "locked": rnd in held,
                       "flag": any(r == rnd for r, _ in bad_members | bad_groups)})
    legend = [[v, c] for v, c in palette.items()]
    return {"rounds": rounds, "legend": legend, "word": word}


def sparkline_svg(history: Sequence[tuple[float, float, float | None]], width: int = 280, height: int = 64) -> str:
    """Objective (blue) and bound (grey, dashed) over time as a small inline SVG.

    Examples
    --------
    >>> svg = sparkline_svg([(0.0, 1.0, 4.0), (1.0, 3.0, 4.0)])
    >>> svg.startswith("<svg") and "polyline" in svg
    True
    """
    if not history:
        return ""
    t = np.asarray([h[0] for h in history], dtype=float)
    obj = np.asarray([h[1] for h in history], dtype=float)
    bnd = np.asarray([h[2] if h[2] is not None and math.isfinite(h[2]) else np.nan for h in history], dtype=float)
    values = np.concatenate([obj, bnd[~np.isnan(bnd)]])
    lo, hi = float(values.min()), float(values.max())
    span_v = hi - lo or 1.0
    span_t = float(t.max() - t.min()) or 1.0
    pad = 4

    def points(y: np.ndarray) -> str:
        xs = pad + (t - t.min()) / span_t * (width - 2 * pad)
        ys = height - pad - (y - lo) / span_v * (height - 2 * pad - 12)
        return " ".join(f"{x:.1f},{v:.1f}" for x, v, ok in zip(xs, ys, ~np.isnan(y), strict=True) if ok)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" class="mm-spark">',
             f'<rect width="{width}" height="{height}" fill="#fafafa" stroke="#ddd"/>']
    if (~np.isnan(bnd)).any():
        parts.append(f'<polyline fill="none" stroke="#999" stroke-dasharray="4 3" points="{points(bnd)}"/>')
    parts.append(f'<polyline fill="none" stroke="#1565c0" stroke-width="2" points="{points(obj)}"/>')
    label = f"objective {obj[-1]:,.1f}" + (f" · bound {bnd[~np.isnan(bnd)][-1]:,.1f}" if (~np.isnan(bnd)).any() else "")
    parts.append(f'<text x="{pad}" y="11" font-size="10" fill="#333">{label}</text></svg>')
    return "".join(parts)


__all__ = ["PlanBoard", "board_data", "colours", "sparkline_svg"]
