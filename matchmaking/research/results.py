"""What :func:`~matchmaking.research.simulate.simulate` returns: :class:`Simulation`, and its plots."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from matchmaking.research.growth import METRICS, GrowthModel


@dataclass
class Simulation:
    """Results of :func:`simulate`: tidy tables and plots.

    Attributes
    ----------
    metrics : pandas.DataFrame
        One row per ``strategy, replicate, event`` with the columns of :data:`METRICS`.
    ties : pandas.DataFrame
        The ties after the last event: ``strategy, replicate, a, b, weight, formed``.
    model : GrowthModel
        The parameters used.
    seed : int
        The base seed.
    """

    metrics: pd.DataFrame
    ties: pd.DataFrame
    model: GrowthModel
    seed: int = 0

    def long(self) -> pd.DataFrame:
        """The metrics in long form: ``strategy, replicate, event, metric, value``."""
        return self.metrics.melt(
            id_vars=["strategy", "replicate", "event"], value_vars=[m for m in METRICS if m in self.metrics],
            var_name="metric", value_name="value",
        )

    def summary(self, event: int | None = None, confidence: float = 0.95) -> pd.DataFrame:
        """Mean and confidence interval over replicates, per strategy and metric, at one event.

        Parameters
        ----------
        event : int, optional
            The event (default: the last one).
        confidence : float
            Level of the Student-t interval of the mean (NaN bounds with one replicate).

        Returns
        -------
        pandas.DataFrame
            ``strategy, metric, mean, low, high, replicates``.
        """
        from scipy import stats

        event = int(self.metrics["event"].max()) if event is None else event
        frame = self.long()
        frame = frame[frame["event"] == event]
        rows = []
        for (strategy, metric), grp in frame.groupby(["strategy", "metric"], sort=False):
            values = grp["value"].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            mean = float(values.mean()) if len(values) else math.nan
            if len(values) > 1:
                half = float(stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))
            else:
                half = math.nan
            rows.append((strategy, metric, mean, mean - half, mean + half, len(values)))
        return pd.DataFrame(rows, columns=["strategy", "metric", "mean", "low", "high", "replicates"])

    def plot(self, metrics: Sequence[str] = ("ties", "isolated", "giant", "bridging", "mean_path", "retention"),
             confidence: float = 0.95) -> Any:
        """Curves of each metric over events, one line per strategy with its confidence band."""
        return plot_curves(self.metrics, metrics, confidence=confidence)

    def to_csv(self, path: str) -> Any:
        """Write :attr:`metrics` atomically (CSV, Excel or Parquet by extension)."""
        from matchmaking.model.io import write_table

        return write_table(self.metrics, path)


def plot_curves(frame: pd.DataFrame, metrics: Sequence[str], *, by: str = "strategy", confidence: float = 0.95,
                x: str = "event") -> Any:
    """One panel per metric: mean over replicates per ``by`` group, with a Student-t band."""
    import matplotlib.pyplot as plt
    from scipy import stats

    metrics = list(metrics)
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    for ax, metric in zip(axes.ravel(), metrics, strict=False):
        for name, grp in frame.groupby(by, sort=False):
            agg = grp.groupby(x)[metric].agg(["mean", "std", "count"])
            ax.plot(agg.index, agg["mean"], label=str(name))
            n = agg["count"].to_numpy()
            if (n > 1).any():
                half = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)) * agg["std"].fillna(0) / np.sqrt(n)
                ax.fill_between(agg.index, agg["mean"] - half, agg["mean"] + half, alpha=0.2)
        ax.set(title=metric, xlabel=x)
    for ax in axes.ravel()[len(metrics):]:
        ax.set_visible(False)
    axes.ravel()[0].legend(fontsize=8)
    fig.tight_layout()
    return fig
