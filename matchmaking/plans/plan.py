"""The plan object every solver returns: assignments, objective, bound, gap, explanations."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matchmaking.model.io import write_table
from matchmaking.scoring.objective import GROUP_COLUMNS, Objective, co_groupings
from matchmaking.scoring.requests import Requests

STATUSES = ("optimal", "feasible", "infeasible", "unknown")
GROUP_WORD = {"seating": "table", "cohorts": "cohort", "pairs": "group"}


@dataclass
class Plan:
    """A seating plan, a cohort partition or a set of pairings, with its quality.

    Attributes
    ----------
    kind : str
        ``"seating"`` (``round, table, member``), ``"cohorts"`` (``cohort, member``) or
        ``"pairs"`` (``round, group, member``).
    assignments : pandas.DataFrame
        The plan, in the output-file shape of its kind.
    objective : float
        Its value under :attr:`objective_fn`.
    bound : float
        A proven upper bound on the best possible objective (``inf`` when none is known).
    status : str
        ``optimal``, ``feasible``, ``infeasible`` or ``unknown``.
    objective_fn : Objective, optional
        The objective, used for metrics and explanations.
    time : float
        Seconds spent solving.
    method : str
        What produced the plan (e.g. ``"greedy+lns"``).
    breakdown : dict
        The objective term by term.
    notes : list of str
        What the organizer should know (why repeats were unavoidable, too few leads...).
    progress : list of (float, float, float)
        ``(seconds, objective, bound)`` at each improvement.
    extras : dict
        Solver-specific details.
    explainer : callable, optional
        ``explainer(plan, member) -> str`` replacing the generic :meth:`explain` (a solver
        that knows more, e.g. why a cohort fits, sets it).
    requests : Requests, optional
        The hard requests the plan was made for (kept so that :meth:`check` works anywhere).
    rules : dict
        The other hard rules, as keyword arguments of :func:`matchmaking.plans.check_plan`
        (``capacities``, ``min_size``, ``max_size``, ``members``).
    checker : callable, optional
        ``checker(plan) -> list of str``: an engine's own independent checks (cohorts' leads,
        protected attributes...), added to :func:`~matchmaking.plans.check_plan`'s.
    problems : list of str
        The hard rules the plan broke when it was built (see :meth:`check`).

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community, affinity, Objective
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c", "d"],
    ...     "offers": ["x", "", "", ""], "needs": ["", "x", "", ""]}))
    >>> obj = Objective(affinity(c))
    >>> plan = Plan("cohorts", pd.DataFrame({"cohort": [1, 1, 2, 2], "member": list("abcd")}),
    ...             objective=1.0, bound=1.0, status="optimal", objective_fn=obj)
    >>> plan.gap
    0.0
    >>> print(plan.explain("b"))
    b in cohort 1 with a: a offers x, which b needs; new contact
    """

    kind: str
    assignments: pd.DataFrame
    objective: float
    bound: float = math.inf
    status: str = "unknown"
    objective_fn: Objective | None = None
    time: float = 0.0
    method: str = ""
    breakdown: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    progress: list[tuple[float, float, float]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    explainer: Callable[[Plan, str], str] | None = field(default=None, repr=False, compare=False)
    requests: Requests | None = field(default=None, repr=False, compare=False)
    rules: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    checker: Callable[[Plan], list[str]] | None = field(default=None, repr=False, compare=False)
    problems: list[str] = field(default_factory=list, compare=False)

    @classmethod
    def build(
        cls,
        kind: str,
        assignments: pd.DataFrame,
        *,
        objective_fn: Objective,
        requests: Requests | None = None,
        rules: dict[str, Any] | None = None,
        bound: float = math.inf,
        proven: bool = False,
        status: str | None = None,
        method: str = "",
        monitor: Any = None,
        time: float | None = None,
        notes: Sequence[str] = (),
        extras: dict[str, Any] | None = None,
        explainer: Callable[[Plan, str], str] | None = None,
        checker: Callable[[Plan], list[str]] | None = None,
    ) -> Plan:
        """The one way engines make a plan: scored, checked, with its requests.

        The objective and its terms come from ``objective_fn.evaluate`` (what ``matchmaking
        score`` recomputes); a bound below the objective by rounding is lifted to it, and one
        truly below it is dropped with a note (never reported); the status is ``optimal`` when
        ``proven`` or when the objective reaches the bound, else ``feasible`` (``status``
        overrides, e.g. ``infeasible``). The independent checker runs once: its findings are
        :attr:`problems`. With a ``monitor`` (:class:`matchmaking.solvers.control.Monitor`),
        the time, the progress and why the solve stopped early are taken from it.

        Examples
        --------
        >>> import pandas as pd
        >>> from matchmaking import Community, Objective, Requests, affinity
        >>> c = Community.from_frame(pd.DataFrame({"id": list("abcd"),
        ...     "offers": ["x", "", "", ""], "needs": ["", "x", "", ""]}))
        >>> plan = Plan.build("cohorts", pd.DataFrame({"cohort": [1, 1, 2, 2], "member": list("abcd")}),
        ...                   objective_fn=Objective(affinity(c)), bound=2.0,
        ...                   requests=Requests(apart=[("a", "b")]), rules={"max_size": 2})
        >>> plan.objective, plan.status, plan.problems
        (1.0, 'feasible', ['apart a-b broken (both at cohort 1)'])
        >>> plan.check() == plan.problems
        True
        """
        group_cols = list(GROUP_COLUMNS[kind]) if kind in GROUP_COLUMNS else []
        if len(assignments):
            breakdown = objective_fn.evaluate(assignments, kind)
        else:
            breakdown = {"pairs": 0.0, "repeats": 0.0, "total": 0.0}
        objective = float(breakdown["total"])
        notes = list(notes)
        tol = 1e-6 * max(1.0, abs(objective))
        if math.isnan(bound):
            bound = math.inf
        if objective - tol <= bound < objective:
            bound = objective  # float summation order
        elif bound < objective:
            notes.append(f"the bound {bound:.6g} is below the plan's objective {objective:.6g}: no bound reported")
            bound = math.inf
            proven = False
        if proven:
            bound = min(bound, objective) if math.isfinite(bound) else objective
            bound = max(bound, objective)
        if status is None:
            status = "optimal" if proven or (math.isfinite(bound) and objective >= bound - tol) else "feasible"
        extras = dict(extras or {})
        progress: list[tuple[float, float, float]] = []
        if monitor is not None:
            progress = list(monitor.history)
            time = monitor.elapsed() if time is None else time
            if monitor.stop_reason is not None:
                extras["stopped"] = monitor.stop_reason
                if status == "feasible":
                    notes.append(monitor.note())
        plan = cls(
            kind, assignments[group_cols + ["member"]] if group_cols else assignments,
            objective=objective, bound=bound, status=status, objective_fn=objective_fn,
            time=float(time or 0.0), method=method, breakdown=breakdown, notes=notes, progress=progress,
            extras=extras, explainer=explainer, requests=requests, rules=dict(rules or {}), checker=checker,
        )
        plan.problems = plan.check()
        return plan

    def check(self) -> list[str]:
        """Every hard rule the plan breaks, in words (empty: valid), by the independent checker.

        Uses the plan's :attr:`requests` and :attr:`rules`, then the engine's :attr:`checker`.
        """
        from matchmaking.plans.check import check_plan

        out = check_plan(self.assignments, requests=self.requests, kind=self.kind, **self.rules)
        if self.checker is not None:
            out += [p for p in self.checker(self) if p not in out]
        return out

    def __post_init__(self) -> None:
        if self.kind not in GROUP_COLUMNS:
            raise ValueError(f"kind must be one of {list(GROUP_COLUMNS)}, not {self.kind!r}")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")
        cols = self.group_columns + ["member"]
        missing = [c for c in cols if c not in self.assignments.columns]
        if missing:
            raise ValueError(f"a {self.kind} plan needs columns {cols}; missing {missing}")
        self.assignments = self.assignments[cols].reset_index(drop=True)
        per_slot = self.group_columns[:-1] + ["member"]
        dup = self.assignments.duplicated(per_slot)
        if dup.any():
            row = self.assignments[dup].iloc[0]
            raise ValueError(f"member {row['member']!r} is placed twice in the same {per_slot[0]}")
        if self.bound < self.objective - 1e-6 * max(1.0, abs(self.objective)):
            raise ValueError(f"bound {self.bound} is below the objective {self.objective}: not a bound")

    # ------------------------------------------------------------------ quality
    @property
    def group_columns(self) -> list[str]:
        return list(GROUP_COLUMNS[self.kind])

    @property
    def gap(self) -> float:
        """Relative gap ``(bound - objective) / |bound|`` (0 = proven optimal).

        ``inf`` when it is undefined: no bound, or a bound of 0 that the objective does not
        reach (the summary then says "n/a").

        >>> import pandas as pd
        >>> Plan("cohorts", pd.DataFrame({"cohort": [1], "member": ["a"]}), objective=-3.0, bound=0.0).gap
        inf
        """
        if self.status == "optimal" or self.bound == self.objective:
            return 0.0
        if not math.isfinite(self.bound) or abs(self.bound) < 1e-9:
            return math.inf
        return (self.bound - self.objective) / abs(self.bound)

    def groups(self) -> dict[tuple, list[str]]:
        """Members of each group, keyed by the group columns' values."""
        return {
            (key if isinstance(key, tuple) else (key,)): grp["member"].tolist()
            for key, grp in self.assignments.groupby(self.group_columns, sort=True)
        }

    # ------------------------------------------------------------------ explanations
    def explain(self, member: str) -> str:
        """In words: per round (or cohort), whom ``member`` is with and why."""
        if self.explainer is not None:
            return self.explainer(self, member)
        rows = self.assignments[self.assignments["member"] == member]
        if rows.empty:
            return f"{member} is not in this plan"
        word = GROUP_WORD[self.kind]
        lines = []
        aff = self.objective_fn.affinity if self.objective_fn else None
        seen: set[str] = set()
        for key, grp in self.assignments.groupby(self.group_columns, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            if member not in set(grp["member"]):
                continue
            others = [m for m in grp["member"] if m != member]
            where = (f"round {key[0]}, {word} {key[-1]}" if len(key) > 1 else f"{word} {key[0]}")
            if not others:
                lines.append(f"{member} in {where}, alone")
                continue
            parts = []
            for other in others:
                reasons = aff.explain(member, other) if aff is not None else []
                if other in seen:
                    reasons = [r for r in reasons if r != "new contact"] + ["met earlier in this plan"]
                parts.append(f"{other}: " + "; ".join(reasons) if reasons else other)
                seen.add(other)
            lines.append(f"{member} in {where} with " + (" | ".join(parts)))
        return "\n".join(lines)

    def metrics(self) -> dict[str, float]:
        """Pairs met, repeats, needs covered, and the per-person value (minimum, median)."""
        pairs = co_groupings(self.assignments, self.group_columns)
        distinct = pairs.drop_duplicates(["a", "b"])
        members = self.assignments["member"].unique().tolist()
        out: dict[str, float] = {
            "members": len(members),
            "groups": int(self.assignments.groupby(self.group_columns).ngroups),
            "pairs_met": len(distinct),
        }
        if self.objective_fn is None:
            out["repeats"] = int(len(pairs) - len(distinct))
            return out
        obj = self.objective_fn
        out["repeats"] = obj.repeats(pairs)
        covered, total, _ = obj.needs_covered(self.assignments, self.group_columns)
        out["needs_covered"] = covered
        out["needs_total"] = total
        out["needs_covered_share"] = covered / total if total else 1.0
        per = self.per_member_value(distinct)
        out["value_min"] = float(per.min()) if len(per) else 0.0
        out["value_median"] = float(per.median()) if len(per) else 0.0
        return out

    def value_by_round(self) -> pd.Series:
        """The affinity of each round's co-grouped pairs (all pairs, repeats included), by round.

        A cohort plan has one "round". Where the weight of a multi-round plan goes: a joint
        roulette spreads it, a round-by-round one spends it early.

        Examples
        --------
        >>> import pandas as pd
        >>> from matchmaking import Community, Objective, affinity
        >>> c = Community.from_frame(pd.DataFrame({"id": list("abcd"), "offers": ["x", "", "x", ""],
        ...     "needs": ["", "x", "", "x"]}))
        >>> rows = pd.DataFrame({"round": [1, 1, 1, 1, 2, 2, 2, 2], "group": [1, 1, 2, 2, 1, 1, 2, 2],
        ...                      "member": list("abcdacbd")})
        >>> plan = Plan.build("pairs", rows, objective_fn=Objective(affinity(c)))
        >>> plan.value_by_round().to_dict()
        {1: 2.0, 2: 0.0}
        """
        if self.objective_fn is None:
            raise ValueError("this plan has no objective to value its rounds with")
        rounds = self.assignments["round"] if "round" in self.assignments else pd.Series(1, index=self.assignments.index)
        out: dict[int, float] = {}
        for rnd, frame in self.assignments.groupby(rounds, sort=True):
            pairs = co_groupings(frame, self.group_columns)
            value = self.objective_fn.affinity.score(pairs["a"].tolist(), pairs["b"].tolist())["total"].sum() \
                if len(pairs) else 0.0
            out[int(rnd)] = float(value)
        return pd.Series(out, name="value", dtype=float).rename_axis("round")

    def per_member_value(self, distinct: pd.DataFrame | None = None) -> pd.Series:
        """Sum of the affinity of the distinct people each member meets.

        ``distinct`` (the plan's distinct co-grouped pairs ``a, b``) is computed when not given.
        """
        members = self.assignments["member"].unique().tolist()
        pairs = distinct if distinct is not None else (
            co_groupings(self.assignments, self.group_columns).drop_duplicates(["a", "b"])
        )
        if self.objective_fn is None or not len(pairs):
            return pd.Series(0.0, index=members)
        s = self.objective_fn.affinity.score(pairs["a"].tolist(), pairs["b"].tolist())["total"].to_numpy()
        both = pd.concat([pd.Series(s, index=pairs["a"].to_numpy()), pd.Series(s, index=pairs["b"].to_numpy())])
        return both.groupby(level=0).sum().reindex(members, fill_value=0.0)

    def summary(self) -> str:
        """A short report: status, objective, bound, gap, time and the main metrics."""
        gap = "n/a" if not math.isfinite(self.gap) else f"{100 * self.gap:.1f}%"
        bound = "none" if not math.isfinite(self.bound) else f"{self.bound:.2f}"
        lines = [
            f"{self.kind} plan ({self.method or 'solver'}): {self.status}",
            f"objective {self.objective:.2f}, bound {bound}, gap {gap}, time {self.time:.1f}s",
        ]
        if self.breakdown:
            lines.append("terms: " + ", ".join(f"{k} {v:.2f}" for k, v in self.breakdown.items() if k != "total"))
        m = self.metrics()
        lines.append(", ".join(f"{k} {_fmt(v)}" for k, v in m.items()))
        lines += [f"note: {n}" for n in self.notes]
        lines += [f"broken rule: {p}" for p in self.problems[:10]]
        return "\n".join(lines)

    def to_csv(self, path: str | os.PathLike) -> Path:
        """Write the assignments (CSV, Excel or Parquet by extension), safely and atomically."""
        return write_table(self.assignments, path)

    def report(self, out: str | os.PathLike, community: Any = None, *, formats: Any = None,
               color_by: str | None = None, **options: Any) -> dict[str, Path]:
        """Room-ready documents of this plan: ``out/index.html``, ``out/<kind>.pdf``, ``out/<kind>.xlsx``.

        Seating: a summary in words with plots, a room chart per round, table cards and one
        itinerary per attendee; cohorts: a summary and rosters; pairings: who meets whom. See
        :func:`matchmaking.reports.write_report` for ``formats`` (html, pdf, xlsx, csv),
        ``color_by`` and the other options (``hosts``, ``leads``, ``attributes``). ``community``
        defaults to the plan's own. Returns format -> path written.

        Examples
        --------
        >>> import matchmaking as mm, pandas as pd, tempfile
        >>> c = mm.Community.from_frame(pd.DataFrame({"id": ["a", "b", "c", "d"], "name": ["Ana", "Bé", "Cé", "Dé"]}))
        >>> plan = Plan("cohorts", pd.DataFrame({"cohort": [1, 1, 2, 2], "member": c.ids}), objective=0.0)
        >>> paths = plan.report(tempfile.mkdtemp(), c, formats="html,csv")
        >>> sorted(p.name for p in paths.values())
        ['cohorts.csv', 'index.html']
        """
        from matchmaking.reports.build import write_report

        return write_report(self, out, community, formats=formats, color_by=color_by, **options)

    def _repr_html_(self) -> str:  # pragma: no cover - notebooks
        from html import escape

        return "<pre>" + escape(self.summary()) + "</pre>"


def _fmt(v: float) -> str:
    if isinstance(v, (int, np.integer)) or float(v).is_integer():
        return str(int(v))
    return f"{v:.3f}"
