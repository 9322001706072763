"""Calibrating the tie model against real contact data (SocioPatterns SFHH conference).

A conference day is one *event* of the growth model: the people present that day (replayed
from the data) meet in small conversation groups for many rounds; a pair that talks forms a
tie with the model's probability; each shared round is one conversation *episode*. The real
counterpart of a tie is a pair with at least one face-to-face contact, and of a shared round
an episode (contacts split by a silence of more than a minute, see
:func:`~matchmaking.datasets.real.contact_episodes`).

:func:`tie_stats` summarises either side in the same terms (pairs per day, new pairs per
day, degree and weight distributions), :func:`compare` puts them side by side with
Kolmogorov-Smirnov distances, and :func:`calibrate` searches a parameter grid for the
closest model.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from matchmaking.datasets.real import contact_episodes
from matchmaking.model.community import Community
from matchmaking.research.simulate import GrowthModel, run_replicate
from matchmaking.research.strategies import resolve

#: Defaults of a conference day (people stay; ties do not fade within two days).
CONFERENCE = {"fade": 0.0, "leave": 0.0, "leave_isolated": 0.0, "similar": (), "cohort": "none",
              "affinity_effect": 0.0, "path_samples": 32}
#: The grid searched by default (36 points): conversation rounds per hour of the day, group size,
#: tie hazard, spread of sociability.
DEFAULT_GRID = {"rounds_per_hour": [2, 3, 4], "table_size": [3, 4], "tie_rate": [0.3, 0.6, 1.0],
                "sociability": [0.4, 0.8]}


@dataclass
class TieStats:
    """Tie statistics of real or simulated contacts over a few days.

    Attributes
    ----------
    people, pairs, new_pairs : list of int
        Per day: people present, pairs in contact, pairs in contact for the first time.
    degree : numpy.ndarray
        Over all days, each person's number of distinct contacts (0 for those with none).
    weight : numpy.ndarray
        Over all days, each pair's number of episodes (conversations).
    """

    people: list[int]
    pairs: list[int]
    new_pairs: list[int]
    degree: np.ndarray
    weight: np.ndarray

    def table(self) -> dict[str, float]:
        """The scalar statistics (what :func:`compare` lists)."""
        out: dict[str, float] = {}
        for d, (p, n) in enumerate(zip(self.pairs, self.new_pairs, strict=True), start=1):
            out[f"pairs day {d}"] = float(p)
            if d > 1:
                out[f"new pairs day {d}"] = float(n)
        out["distinct pairs"] = float(len(self.weight))
        out["mean degree"] = float(self.degree.mean())
        out["sd degree"] = float(self.degree.std())
        out["median degree"] = float(np.median(self.degree))
        out["mean episodes per pair"] = float(self.weight.mean()) if len(self.weight) else math.nan
        out["share of pairs with 1 episode"] = float((self.weight == 1).mean()) if len(self.weight) else math.nan
        out["share with 5+ episodes"] = float((self.weight >= 5).mean()) if len(self.weight) else math.nan
        return out


def tie_stats(contacts: pd.DataFrame, *, people: Sequence[str] | None = None, gap: int = 60) -> TieStats:
    """Statistics of real contacts (``t, i, j[, day]``), e.g. :func:`~matchmaking.datasets.sfhh_contacts`.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"t": [20, 40, 300, 90_000, 90_020], "i": ["1", "1", "1", "1", "2"],
    ...                   "j": ["2", "2", "3", "2", "3"]})
    >>> s = tie_stats(c)
    >>> s.pairs, s.new_pairs, s.degree.astype(int).tolist(), s.weight.astype(int).tolist()
    ([2, 2], [2, 1], [2, 2, 2], [2, 1, 1])
    """
    ep = contact_episodes(contacts, gap=gap)
    everyone = sorted(set(ep["i"]) | set(ep["j"]) | set(people or []))
    if not len(contacts):
        return TieStats([], [], [], np.zeros(len(everyone)), np.zeros(0))
    days = sorted(ep["day"].unique())
    first_day = ep.groupby(["i", "j"])["day"].min()
    total = ep.groupby(["i", "j"])["episodes"].sum()
    deg = pd.concat([total.reset_index()["i"], total.reset_index()["j"]]).value_counts()
    return TieStats(
        people=[int(pd.concat([ep.loc[ep["day"] == d, "i"], ep.loc[ep["day"] == d, "j"]]).nunique()) for d in days],
        pairs=[int((ep["day"] == d).sum()) for d in days],
        new_pairs=[int((first_day == d).sum()) for d in days],
        degree=deg.reindex(everyone, fill_value=0).to_numpy(dtype=float),
        weight=total.to_numpy(dtype=float),
    )


def _sim_stats(metrics: pd.DataFrame, ties: pd.DataFrame, ids: Sequence[str]) -> TieStats:
    deg = pd.concat([ties["a"], ties["b"]]).value_counts().reindex(list(ids), fill_value=0)
    return TieStats(
        people=metrics["attendees"].astype(int).tolist(),
        pairs=metrics["active_ties"].astype(int).tolist(),
        new_pairs=metrics["new_ties"].astype(int).tolist(),
        degree=deg.to_numpy(dtype=float),
        weight=ties["weight"].to_numpy(dtype=float),
    )


def ks_distance(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov distance (largest gap between the two CDFs)."""
    if len(x) == 0 or len(y) == 0:
        return math.nan
    from scipy import stats

    return float(stats.ks_2samp(x, y).statistic)


def simulate_conference(
    contacts: pd.DataFrame,
    *,
    strategy: Any = "random",
    replicates: int = 1,
    seed: int = 0,
    **params: Any,
) -> list[TieStats]:
    """Replay the conference's daily attendance through the growth model; stats per replicate.

    ``params`` are :class:`~matchmaking.research.simulate.GrowthModel` fields on top of
    :data:`CONFERENCE` (e.g. ``table_size=4, tie_rate=0.6, sociability=0.6``), plus
    ``rounds_per_hour``: each day gets that many rounds per hour between its first and last
    contact (SFHH's second day is half as long as the first).
    """
    ep = contact_episodes(contacts)
    if "rounds_per_hour" in params:
        rate = float(params.pop("rounds_per_hour"))
        spans = ep.groupby("day")["first"].agg(["min", "max"])
        hours = (spans["max"] - spans["min"]) / 3600.0
        params["rounds"] = tuple(max(1, round(rate * h)) for h in hours)
    schedule = pd.concat(
        [ep[["day", "i"]].rename(columns={"i": "member"}), ep[["day", "j"]].rename(columns={"j": "member"})]
    ).drop_duplicates().rename(columns={"day": "event"})
    ids = sorted(set(schedule["member"]), key=lambda x: (len(x), x))
    community = Community.from_frame(pd.DataFrame({"id": ids}), name="contacts")
    days = int(schedule["event"].nunique())
    model = replace(GrowthModel(), **(CONFERENCE | {"events": days} | params)).validate()
    name, fn = resolve(strategy)
    out = []
    for r in range(replicates):
        metrics, ties = run_replicate(community, fn, model, seed=seed, replicate=r, name=name, schedule=schedule,
                                      scores=lambda a, b: np.zeros(len(a)))
        out.append(_sim_stats(metrics, ties, ids))
    return out


def compare(real: TieStats, simulated: TieStats | Sequence[TieStats]) -> pd.DataFrame:
    """Real and simulated statistics side by side (simulated: mean over replicates).

    Returns
    -------
    pandas.DataFrame
        ``statistic, real, simulated, ratio`` plus the KS distances of the degree and weight
        distributions (``real`` 0, ``simulated`` the distance).
    """
    sims = [simulated] if isinstance(simulated, TieStats) else list(simulated)
    real_table = real.table()
    rows = []
    for key, value in real_table.items():
        sim_values = [s.table().get(key, math.nan) for s in sims]
        mean = float(np.mean(sim_values))
        rows.append((key, value, mean, mean / value if value else math.nan))
    for label, attr in (("KS distance, degree", "degree"), ("KS distance, episodes per pair", "weight")):
        d = float(np.mean([ks_distance(getattr(real, attr), getattr(s, attr)) for s in sims]))
        rows.append((label, 0.0, d, math.nan))
    return pd.DataFrame(rows, columns=["statistic", "real", "simulated", "ratio"])


def loss(comparison: pd.DataFrame) -> float:
    """Distance of a model from the data: mean |log ratio| of the counts plus both KS distances."""
    ratios = comparison["ratio"].to_numpy(dtype=float)
    ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
    ks = comparison.loc[comparison["statistic"].str.startswith("KS"), "simulated"].to_numpy(dtype=float)
    return float(np.mean(np.abs(np.log(ratios))) + np.nansum(ks))


@dataclass
class Calibration:
    """Result of :func:`calibrate`: the best parameters, every grid point, and the best comparison."""

    best: dict[str, Any]
    table: pd.DataFrame
    comparison: pd.DataFrame
    real: TieStats
    simulated: list[TieStats]


def calibrate(
    contacts: pd.DataFrame,
    parameters: Mapping[str, Sequence[Any]] | None = None,
    *,
    strategy: Any = "random",
    replicates: int = 2,
    seed: int = 0,
    **fixed: Any,
) -> Calibration:
    """Grid search of the tie model's parameters against real contacts.

    Parameters
    ----------
    contacts : pandas.DataFrame
        Real contacts ``t, i, j[, day]`` (e.g. :func:`~matchmaking.datasets.sfhh_contacts`).
    parameters : dict of lists, optional
        The grid (default :data:`DEFAULT_GRID`: rounds, table size, tie rate, sociability).
    strategy : str or callable
        How people are grouped each round (``"random"``, ``"familiar"`` ...).
    replicates : int
        Runs per grid point (the loss is on their mean).
    seed : int
        Base seed (same seed, same result).
    **fixed
        Other growth-model parameters, fixed.

    Returns
    -------
    Calibration
        ``best`` (parameters with the smallest :func:`loss`), ``table`` (every point with its
        loss and main statistics, best first), ``comparison`` (real vs best model).
    """
    real = tie_stats(contacts)
    rows = []
    best: tuple[float, dict[str, Any], list[TieStats]] | None = None
    parameters = parameters or DEFAULT_GRID
    keys = list(parameters)
    for values in itertools.product(*(parameters[k] for k in keys)):
        point = dict(zip(keys, values, strict=True))
        sims = simulate_conference(contacts, strategy=strategy, replicates=replicates, seed=seed, **(fixed | point))
        comp = compare(real, sims)
        value = loss(comp)
        stats = dict(zip(comp["statistic"], comp["simulated"], strict=True))
        rows.append(point | {"loss": value} | {k: stats[k] for k in ("distinct pairs", "mean degree", "sd degree",
                                                                     "mean episodes per pair")})
        if best is None or value < best[0]:
            best = (value, point, sims)
    assert best is not None
    table = pd.DataFrame(rows).sort_values("loss", kind="stable").reset_index(drop=True)
    return Calibration(best=fixed | best[1], table=table, comparison=compare(real, best[2]), real=real,
                       simulated=best[2])
