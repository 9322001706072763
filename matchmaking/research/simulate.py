"""An agent-based model of a community's network growing through the events it organizes.

Over a series of events:

1. **members join** following a growth curve (logistic by default) in the order of their
   ``joined`` date;
2. each active member **attends** with probability ``attendance``;
3. a **strategy** seats the attendees at tables for a few rounds (see
   :mod:`matchmaking.research.strategies`);
4. two people at the same table **form a tie** with probability
   ``1 - exp(-tie_rate * (1 + affinity_effect * affinity) * s_a * s_b * shared_rounds)``: it
   rises with shared time, with both people's sociability ``s`` and with their affinity (:func:`matchmaking.affinity`: complementary skills,
   shared goals, same city/sector); a tie's weight is its shared rounds, and meeting again
   reinforces it;
5. ties **fade** without contact (weight x ``1 - fade`` per event, dropped below
   ``min_weight``);
6. members **leave** with a probability that falls from ``leave_isolated`` (no tie) to
   ``leave`` (``k`` ties or more).

After each event the tie graph of active members is measured
(:func:`~matchmaking.research.metrics.network_metrics`). Everything random comes from
``numpy`` generators seeded by ``(seed, replicate)``: the same seed gives the same result,
bit for bit (the ``optimised`` strategy too, as far as the solver is deterministic under its
time limit).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.parallel import run_tasks
from matchmaking.research.metrics import network_metrics
from matchmaking.research.strategies import Strategy, resolve
from matchmaking.scoring.affinity import affinity
from matchmaking.solvers.control import Progress, check_seed

METRICS = [
    "members", "joined", "left", "retention", "attendees", "contacts", "new_contacts", "repeat_share",
    "active_ties", "new_ties", "lost_ties", "ties", "mean_degree", "isolated", "giant", "clustering",
    "modularity", "bridging", "mean_path",
]


MAX_MEMBERS = 1_000_000  # size guards, checked before anything is allocated
MAX_EVENTS = 10_000
MAX_TABLE_SIZE = 10_000
MAX_ROUNDS = 1_000


@dataclass(frozen=True)
class GrowthModel:
    """Parameters of the growth model (see the module docstring for their role).

    Attributes
    ----------
    members : int
        Size of the synthetic community when none is given.
    events : int
        Number of events.
    initial : float
        Share of members already there at the first event.
    growth : str or sequence of int
        ``"logistic"``, ``"linear"``, ``"all"`` (everyone from the start) or the cumulative
        number of members at each event.
    attendance : float
        Probability that an active member attends an event.
    event_size : int, optional
        Cap on attendees (a random subset when more would come).
    table_size : int
        Seats per table.
    rounds : int or tuple of int
        Rounds (table changes) per event, or one number per event.
    tie_rate : float
        Tie hazard per shared round at zero affinity.
    affinity_effect : float
        Relative increase of the hazard per point of affinity.
    similar : tuple of str
        Attributes where sameness adds affinity (homophily of tie formation).
    sociability : float
        Spread (log-normal sigma) of members' sociability: a pair's tie hazard is multiplied
        by both members' sociability (mean 1); 0 = everyone alike. Real contact networks
        have broad degree distributions (SFHH: sigma about 0.6).
    fade, min_weight : float
        Weight lost per event without contact; ties below ``min_weight`` are lost.
    leave, leave_isolated : float
        Chance of leaving after an event with ``k`` ties or more / with none (linear between).
    k : int
        A member with fewer than ``k`` ties counts as isolated.
    cohort : str
        The attribute whose partition ``modularity`` and ``bridging`` measure.
    path_samples : int
        Sources sampled for the mean shortest path.
    """

    members: int = 2000
    events: int = 20
    initial: float = 0.2
    growth: str | tuple[int, ...] = "logistic"
    attendance: float = 0.15
    event_size: int | None = None
    table_size: int = 8
    rounds: int | tuple[int, ...] = 2
    tie_rate: float = 0.2
    affinity_effect: float = 0.5
    similar: tuple[str, ...] = ("city", "sector")
    sociability: float = 0.0
    fade: float = 0.15
    min_weight: float = 0.5
    leave: float = 0.005
    leave_isolated: float = 0.06
    k: int = 2
    cohort: str = "city"
    path_samples: int = 64

    def validate(self) -> GrowthModel:
        """Check every parameter; returns self. Raises ``ValueError`` naming the parameter."""
        checks = {
            "members": self.members >= 2, "events": self.events >= 1, "initial": 0 <= self.initial <= 1,
            "attendance": 0 <= self.attendance <= 1, "table_size": self.table_size >= 2, "rounds": min(np.atleast_1d(self.rounds)) >= 1,
            "tie_rate": self.tie_rate >= 0, "affinity_effect": self.affinity_effect >= 0,
            "fade": 0 <= self.fade <= 1, "sociability": self.sociability >= 0, "min_weight": self.min_weight >= 0, "leave": 0 <= self.leave <= 1,
            "leave_isolated": 0 <= self.leave_isolated <= 1, "k": self.k >= 1, "path_samples": self.path_samples >= 1,
            "event_size": self.event_size is None or self.event_size >= 2,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise InputError(f"invalid growth-model parameter(s): {', '.join(f'{b}={getattr(self, b)!r}' for b in bad)}")
        limits = {"members": MAX_MEMBERS, "events": MAX_EVENTS, "table_size": MAX_TABLE_SIZE,
                  "rounds": MAX_ROUNDS, "k": MAX_TABLE_SIZE, "path_samples": MAX_MEMBERS}
        for name, high in limits.items():
            value = max(np.atleast_1d(getattr(self, name)))
            if value > high:
                raise InputError(f"{name}={value:,} is more than {high:,}: is this the right number?", column=name)
        if isinstance(self.growth, str) and self.growth not in ("logistic", "linear", "all"):
            raise InputError(f"growth must be 'logistic', 'linear', 'all' or a list of counts, not {self.growth!r}")
        if not np.isscalar(self.rounds) and len(self.rounds) != self.events:
            raise InputError(f"rounds: expected one number per event ({self.events}), got {len(self.rounds)}")
        return self

    def rounds_at(self, event: int) -> int:
        """Rounds of event ``event`` (from 1)."""
        return int(self.rounds) if np.isscalar(self.rounds) else int(self.rounds[event - 1])


def growth_curve(model: GrowthModel, n: int) -> np.ndarray:
    """Cumulative number of members at each event (non-decreasing, ends at ``n``).

    Examples
    --------
    >>> growth_curve(GrowthModel(events=5, initial=0.2, growth="linear"), 100).tolist()
    [20, 40, 60, 80, 100]
    """
    e = model.events
    if not isinstance(model.growth, str):
        counts = np.asarray(model.growth, dtype=int)
        if len(counts) != e or (np.diff(counts) < 0).any() or counts.min() < 0 or counts.max() > n:
            raise InputError(f"growth: expected {e} non-decreasing counts between 0 and {n}")
        return counts
    if model.growth == "all" or e == 1:
        return np.full(e, n)
    if model.growth == "linear":
        f = np.linspace(0.0, 1.0, e)
    else:
        s = 1.0 / (1.0 + np.exp(-np.linspace(-5.0, 5.0, e)))
        f = (s - s[0]) / (s[-1] - s[0])
    return np.round(n * (model.initial + (1.0 - model.initial) * f)).astype(int)


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


# ---------------------------------------------------------------------- the model
def _table_pairs(plan: pd.DataFrame, position: Mapping[str, int], n_pool: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pair keys ``lo * n_pool + hi`` that shared a table, and their shared rounds."""
    idx = plan["member"].map(position).to_numpy(dtype=np.int64)
    group = plan.groupby(["round", "table"], sort=True).ngroup().to_numpy()
    order = np.argsort(group, kind="stable")
    idx, group = idx[order], group[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], len(group)]
    keys = []
    for s, e in zip(starts, ends, strict=True):
        members = idx[s:e]
        a, b = np.triu_indices(len(members), 1)
        lo = np.minimum(members[a], members[b])
        hi = np.maximum(members[a], members[b])
        keys.append(lo * n_pool + hi)
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(keys), return_counts=True)


def _lookup(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``keys`` in ``sorted_keys`` and whether they are there."""
    pos = np.searchsorted(sorted_keys, keys)
    found = np.zeros(len(keys), dtype=bool)
    inside = pos < len(sorted_keys)
    found[inside] = sorted_keys[pos[inside]] == keys[inside]
    return pos, found


def _natural(text: object) -> tuple:
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(text)))


def _replay(schedule: pd.DataFrame, position: Mapping[str, int]) -> list[np.ndarray]:
    """Pool indices of each event's attendees, events in natural order (E2 before E10)."""
    if not {"event", "member"} <= set(schedule.columns):
        raise InputError("schedule must have columns event, member")
    unknown = sorted(set(schedule["member"].astype(str)) - set(position))
    if unknown:
        raise InputError(f"schedule lists people who are not in the community: {unknown[:5]}")
    events = sorted(schedule["event"].unique(), key=_natural)
    return [
        np.unique(schedule.loc[schedule["event"] == e, "member"].astype(str).map(position).to_numpy(dtype=np.int64))
        for e in events
    ]


def _check_plan(plan: object, attendees: set[str], name: str) -> pd.DataFrame:
    if not isinstance(plan, pd.DataFrame) or not {"round", "table", "member"} <= set(plan.columns):
        raise ValueError(f"strategy {name!r} must return a DataFrame round,table,member")
    unknown = set(plan["member"]) - attendees
    if unknown:
        raise ValueError(f"strategy {name!r} seated people who are not attending: {sorted(unknown)[:5]}")
    if plan.duplicated(["round", "member"]).any():
        raise ValueError(f"strategy {name!r} seated someone twice in the same round")
    return plan


def _affinity_scores(pool: Community, model: GrowthModel) -> Callable[[list[str], list[str]], np.ndarray]:
    """Pair scores of the tie model: the affinity with the model's ``similar`` attributes that exist."""
    aff = affinity(pool, similar=[s for s in model.similar if s in pool.members.columns])

    def scores(a: list[str], b: list[str]) -> np.ndarray:
        return aff.score(a, b)["total"].to_numpy(dtype=float)

    return scores


def run_replicate(
    pool: Community,
    strategy: Strategy,
    model: GrowthModel,
    *,
    seed: int,
    replicate: int,
    name: str = "",
    scores: Callable[[list[str], list[str]], np.ndarray] | None = None,
    callback: Callable[[Progress], Any] | None = None,
    schedule: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One run of the model for one strategy; returns ``(metrics per event, final ties)``.

    :func:`simulate` and :func:`~matchmaking.research.sweep.sweep` both call this; use them.
    """
    started = time.perf_counter()
    n = len(pool)
    ids = np.asarray(pool.ids, dtype=object)
    position = {m: k for k, m in enumerate(pool.ids)}
    if "joined" in pool.members.columns:
        join_order = np.argsort(pool.members["joined"].astype(str).to_numpy(), kind="stable")
    else:
        join_order = np.arange(n)
    curve = growth_curve(model, n)
    replay = _replay(schedule, position) if schedule is not None else None
    if replay is not None:
        model = replace(model, events=len(replay))
    cohort = pool.attribute_codes(model.cohort) if model.cohort in pool.members.columns else None
    if scores is None:
        scores = _affinity_scores(pool, model)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, replicate]).spawn(6)]
    rng_attend, rng_strategy, rng_ties, rng_leave, rng_metrics, rng_people = streams
    sigma = model.sociability
    social = np.exp(sigma * rng_people.standard_normal(n) - sigma**2 / 2) if sigma > 0 else np.ones(n)

    active = np.zeros(n, dtype=bool)
    ever = np.zeros(n, dtype=bool)
    joined_so_far = 0
    left_total = 0
    met_keys = np.zeros(0, dtype=np.int64)
    met_count = np.zeros(0, dtype=np.int64)
    tie_keys = np.zeros(0, dtype=np.int64)
    tie_w = np.zeros(0, dtype=float)
    tie_formed = np.zeros(0, dtype=np.int64)
    rows = []
    for event in range(1, model.events + 1):
        if replay is None:
            newcomers = join_order[joined_so_far: curve[event - 1]]
            joined_so_far = max(joined_so_far, int(curve[event - 1]))
        else:  # real attendance: members join at their first event and come when listed
            newcomers = replay[event - 1][~ever[replay[event - 1]]]
        active[newcomers] = True
        ever[newcomers] = True
        if replay is None:
            candidates = np.flatnonzero(active)
            coming = candidates[rng_attend.random(len(candidates)) < model.attendance]
        else:
            coming = replay[event - 1][active[replay[event - 1]]]
        if model.event_size is not None and len(coming) > model.event_size:
            coming = np.sort(rng_attend.choice(coming, model.event_size, replace=False))
        enc_keys = np.zeros(0, dtype=np.int64)
        enc_count = np.zeros(0, dtype=np.int64)
        if len(coming) >= 2:
            att_ids = ids[coming].tolist()
            is_att = np.zeros(n, dtype=bool)
            is_att[coming] = True
            mi, mj = met_keys // n, met_keys % n
            known = is_att[mi] & is_att[mj]
            history = pd.DataFrame(
                {"a": ids[mi[known]], "b": ids[mj[known]], "count": met_count[known]}
            )
            plan = strategy(
                pool.subset(att_ids), history, rng_strategy, table_size=model.table_size, rounds=model.rounds_at(event)
            )
            plan = _check_plan(plan, set(att_ids), name)
            enc_keys, enc_count = _table_pairs(plan, position, n)
        # encounters: who met, who met for the first time
        pos, seen = _lookup(met_keys, enc_keys)
        repeat_share = float(seen.mean()) if len(enc_keys) else math.nan
        if len(enc_keys):
            met_count = met_count.copy()
            met_count[pos[seen]] += enc_count[seen]
            met_keys = np.r_[met_keys, enc_keys[~seen]]
            met_count = np.r_[met_count, enc_count[~seen]]
            order = np.argsort(met_keys, kind="stable")
            met_keys, met_count = met_keys[order], met_count[order]
        # ties: reinforce, form, fade
        pos, is_tie = _lookup(tie_keys, enc_keys)
        contacted = np.zeros(len(tie_keys), dtype=bool)
        contacted[pos[is_tie]] = True
        tie_w = tie_w.copy()
        tie_w[pos[is_tie]] += enc_count[is_tie]
        tie_w[~contacted] *= 1.0 - model.fade
        cand_keys, cand_count = enc_keys[~is_tie], enc_count[~is_tie]
        if len(cand_keys):
            aff_values = scores(ids[cand_keys // n].tolist(), ids[cand_keys % n].tolist())
            hazard = model.tie_rate * (1.0 + model.affinity_effect * np.maximum(aff_values, 0.0))
            hazard = hazard * social[cand_keys // n] * social[cand_keys % n]
            formed = rng_ties.random(len(cand_keys)) < 1.0 - np.exp(-hazard * cand_count)
        else:
            formed = np.zeros(0, dtype=bool)
        keep = tie_w >= model.min_weight
        lost = int((~keep).sum())
        tie_keys = np.r_[tie_keys[keep], cand_keys[formed]]
        tie_w = np.r_[tie_w[keep], cand_count[formed].astype(float)]
        tie_formed = np.r_[tie_formed[keep], np.full(int(formed.sum()), event)]
        order = np.argsort(tie_keys, kind="stable")
        tie_keys, tie_w, tie_formed = tie_keys[order], tie_w[order], tie_formed[order]
        active_ties = int(is_tie.sum() + formed.sum())
        # leaving: fewer ties, more likely to go
        ti, tj = tie_keys // n, tie_keys % n
        degree = np.bincount(ti, minlength=n) + np.bincount(tj, minlength=n)
        share = np.minimum(degree / model.k, 1.0)
        p_leave = model.leave_isolated + (model.leave - model.leave_isolated) * share
        leaving = active & (rng_leave.random(n) < p_leave)
        if leaving.any():
            active &= ~leaving
            left_total += int(leaving.sum())
            stay = active[ti] & active[tj]
            lost += int((~stay).sum())
            tie_keys, tie_w, tie_formed = tie_keys[stay], tie_w[stay], tie_formed[stay]
            ti, tj = ti[stay], tj[stay]
        # measure the tie graph of active members
        members = np.flatnonzero(active)
        relabel = np.full(n, -1)
        relabel[members] = np.arange(len(members))
        stats = network_metrics(
            len(members), relabel[ti], relabel[tj], groups=None if cohort is None else cohort[members],
            k=model.k, path_samples=model.path_samples, rng=rng_metrics,
        )
        row = {
            "strategy": name, "replicate": replicate, "seed": seed, "event": event,
            "members": len(members), "joined": int(ever.sum()), "left": left_total,
            "retention": len(members) / max(int(ever.sum()), 1), "attendees": len(coming),
            "contacts": len(enc_keys), "new_contacts": int((~seen).sum()), "repeat_share": repeat_share,
            "active_ties": active_ties, "new_ties": int(formed.sum()), "lost_ties": lost,
        } | stats
        rows.append(row)
        if callback is not None:
            record = Progress(f"{name} replicate {replicate} event {event}", time.perf_counter() - started,
                              iteration=event, details=row)
            if callback(record) is False:
                break  # the caller asked to stop this run
    metrics = pd.DataFrame(rows)
    ties = pd.DataFrame({
        "strategy": name, "replicate": replicate, "a": ids[tie_keys // n], "b": ids[tie_keys % n],
        "weight": tie_w, "formed": tie_formed,
    })
    return metrics, ties


def _remote_replicate(pool: Community, model: GrowthModel, seed: int, schedule: pd.DataFrame | None,
                      strategy: Strategy, replicate: int, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One replicate as a Dask task (the same call as in-process, so the same result)."""
    return run_replicate(pool, strategy, model, seed=seed, replicate=replicate, name=name, schedule=schedule)


def resolve_strategies(strategy: object) -> list[tuple[str, Strategy]]:
    """``(name, strategy)`` for a name, a callable, a list or a dict name -> strategy."""
    if isinstance(strategy, Mapping):
        return [(str(k), resolve(v)[1]) for k, v in strategy.items()]
    if isinstance(strategy, str) or callable(strategy):
        return [resolve(strategy)]
    out = [resolve(s) for s in strategy]  # a list of names / callables
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise InputError(f"strategy names must be distinct, got {names}; pass a dict name -> strategy", column="strategy")
    return out


def simulate(
    community: Community | None = None,
    strategy: str | Strategy | Iterable[str | Strategy] | Mapping[str, str | Strategy] = "random",
    *,
    model: GrowthModel | None = None,
    replicates: int = 1,
    seed: int = 0,
    progress: bool = False,
    callback: Callable[[Progress], Any] | None = None,
    schedule: pd.DataFrame | None = None,
    client: Any = None,
    address: str | None = None,
    **params: Any,
) -> Simulation:
    """Simulate a community's network growing over a series of events, for one or more strategies.

    Parameters
    ----------
    community : Community, optional
        The people who will join (in the order of their ``joined`` column when present).
        Default: :func:`~matchmaking.datasets.synthetic_community` of ``members`` people
        (seeded by ``seed``).
    strategy : str, callable, list or dict
        ``"random"``, ``"homophily"``, ``"novelty"``, ``"optimised"`` (:func:`matchmaking.seat`),
        any callable ``f(attendees, history, rng, *, table_size, rounds) -> DataFrame
        round,table,member``, or a list / dict (name -> strategy) of them to compare.
    model : GrowthModel, optional
        The parameters; any field may also be given as a keyword (``events=10``).
    replicates : int
        Independent runs per strategy (seeds ``(seed, 0)``, ``(seed, 1)`` ...).
    seed : int
        Base seed: the same seed gives the same result, bit for bit.
    progress : bool
        Show a progress bar (tqdm) over runs.
    callback : callable, optional
        Called with a :class:`~matchmaking.solvers.control.Progress` after each event, whose
        ``details`` are that event's metrics; returning ``False`` stops that run after this
        event (e.g. once the giant component covers 90% of members). In-process runs only.
    schedule : DataFrame, optional
        Real attendance ``event, member`` to replay instead of the growth curve and the
        attendance draw (e.g. :func:`~matchmaking.datasets.davis_southern_women`): members
        join at their first event; events run in natural order of their names.
    client, address : optional
        Run the replicates as Dask tasks (a ``dask.distributed.Client``, or a scheduler
        address); the result is bit-identical to the in-process run.
    **params
        Fields of :class:`GrowthModel`.

    Returns
    -------
    Simulation
        ``.metrics`` (one row per strategy, replicate and event), ``.ties``, ``.summary()``
        (means and confidence intervals), ``.plot()``.

    Examples
    --------
    >>> import matchmaking as mm
    >>> sim = mm.simulate(strategy=["random", "novelty"], members=120, events=4, attendance=0.5, seed=1)
    >>> sim.metrics.groupby("strategy")["event"].max().to_dict()
    {'novelty': 4, 'random': 4}
    >>> sim.metrics.equals(mm.simulate(strategy=["random", "novelty"], members=120, events=4,
    ...                                attendance=0.5, seed=1).metrics)  # same seed, same result
    True
    """
    if schedule is not None and "event" in schedule:
        params = {"events": int(schedule["event"].nunique())} | params
    model = replace(model or GrowthModel(), **params).validate()
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise InputError(f"replicates must be a whole number >= 1, not {replicates!r}", column="replicates")
    seed = check_seed(seed)
    if community is None:
        from matchmaking.datasets import synthetic_community

        community = synthetic_community(model.members, seed=seed)
    if len(community) < 2:
        raise InputError(f"a simulation needs at least 2 members, not {len(community)}", file=community.source)
    runs = [(name, fn, r) for name, fn in resolve_strategies(strategy) for r in range(replicates)]
    if client is not None or address is not None:
        if callback is not None:
            raise InputError("callback= runs in this process only; drop it to run on Dask", column="callback")
        done = run_tasks(_remote_replicate, [(fn, r, name) for name, fn, r in runs], client=client,
                         address=address, shared=(community, model, seed, schedule), progress=progress)
    else:
        scores = _affinity_scores(community, model)
        iterator: Iterable = runs
        if progress:
            from tqdm.auto import tqdm

            iterator = tqdm(runs, desc="simulate", unit="run")
        done = [run_replicate(community, fn, model, seed=seed, replicate=r, name=name, scores=scores,
                              callback=callback, schedule=schedule) for name, fn, r in iterator]
    metrics = [m for m, _ in done]
    ties = [t for _, t in done]
    if schedule is not None:
        model = replace(model, events=int(metrics[0]["event"].max()))
    return Simulation(
        metrics=pd.concat(metrics, ignore_index=True), ties=pd.concat(ties, ignore_index=True), model=model, seed=seed
    )
