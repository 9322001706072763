"""The summaries' plots (matplotlib, returned as inline SVG images)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from markupsafe import Markup  # noqa: E402

from matchmaking.reports.render import figure_image  # noqa: E402

_INK = "#335"
_STYLE = {"font.size": 8, "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 9,
          "axes.titleweight": "bold", "font.family": "DejaVu Sans", "svg.fonttype": "path"}


def label(text: object) -> str:
    """Text safe for matplotlib: a ``$`` in member data must not start mathtext.

    Examples
    --------
    >>> label("$5k revenue")
    '\\\\$5k revenue'
    """
    return str(text).replace("$", r"\$")


def histogram(values: Sequence[float], *, title: str, xlabel: str, ylabel: str) -> Markup:
    """Bars of how many members have each (whole) value."""
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(3.4, 2.2))
        counts = pd.Series(np.asarray(values, dtype=int)).value_counts().sort_index()
        ax.bar(counts.index, counts.to_numpy(), color=_INK, width=0.8)
        if len(counts):
            ax.set_xlim(counts.index.min() - 2.5, counts.index.max() + 2.5)
        ax.set(title=label(title), xlabel=label(xlabel), ylabel=label(ylabel))
        ax.xaxis.get_major_locator().set_params(integer=True)
        return figure_image(fig)


def bars(counts: Mapping[str, int], *, title: str, ylabel: str, colors: Sequence[str] | None = None) -> Markup:
    """One bar per named category, with its count written on it."""
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(3.4, 2.2))
        names = [label(k) for k in counts]
        heights = list(counts.values())
        drawn = ax.bar(range(len(names)), heights, color=list(colors) if colors else _INK, width=0.7)
        ax.bar_label(drawn, fontsize=7)
        tilt = len(names) > 4 or sum(len(n) for n in names) > 28  # long labels would run into each other
        ax.set_xticks(range(len(names)), names, rotation=25 if tilt else 0, ha="right" if tilt else "center")
        ax.set(title=label(title), ylabel=label(ylabel))
        ax.margins(y=0.15)
        return figure_image(fig)


def mix(table: pd.DataFrame, colors: Mapping[str, str], *, title: str, group_word: str,
        panels: str | None = None, max_panels: int = 4) -> Markup:
    """Stacked bars: for each group (table, cohort), how many members have each value.

    ``table`` has columns ``group``, ``value``, ``n`` and, with ``panels``, one panel per value
    of that column (rounds: at most ``max_panels``).
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    keys = sorted(table[panels].unique())[:max_panels] if panels else [None]
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(len(keys), 1, figsize=(7.2, 0.5 + 0.75 * len(keys)), squeeze=False,
                                 sharex=True)
        for ax, key in zip(axes[:, 0], keys, strict=True):
            part = table if key is None else table[table[panels] == key]
            wide = part.pivot_table(index="group", columns="value", values="n", aggfunc="sum", fill_value=0)
            bottom = np.zeros(len(wide))
            x = np.arange(len(wide))
            for value in [v for v in colors if v in wide.columns]:  # one collection a value: fast to draw
                h = wide[value].to_numpy(dtype=float)
                verts = [[(i - .4, b), (i + .4, b), (i + .4, b + v), (i - .4, b + v)]
                         for i, b, v in zip(x, bottom, h, strict=True) if v > 0]
                ax.add_collection(PolyCollection(verts, facecolors=colors[value], edgecolors="white", linewidths=.3))
                bottom += h
            ax.set_xlim(-0.6, len(wide) - 0.4)
            ax.set_ylim(0, max(1.0, float(bottom.max(initial=0))) * 1.05)
            ax.set_xticks(x, [str(g) for g in wide.index], fontsize=6 if len(x) > 20 else 7)
            ax.set_ylabel(f"round {key}" if key is not None else "members")
        axes[0, 0].set_title(label(title))
        axes[-1, 0].set_xlabel(group_word)
        present = [v for v in colors if v in set(table["value"])]
        handles = [Patch(facecolor=colors[v], label=label(v)) for v in present]
        fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=7)
        return figure_image(fig)
