"""Editing a plan by hand: move a member, swap two, undo; re-scored and re-checked at once.

:class:`PlanEditor` is the logic behind the tuning panels' hand edits (the panels only display
it). Every edit is re-scored with the plan's own :class:`~matchmaking.Objective` through
:class:`~matchmaking.plans.score.PlanScorer` (the same terms ``matchmaking score`` reports, in a
few milliseconds) and re-checked by the independent checker (the plan's requests and rules,
plus the engine's own checker), so a broken hard rule shows where it happens.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.plans.check import check_plan
from matchmaking.plans.plan import GROUP_WORD, Plan
from matchmaking.plans.score import PlanScorer
from matchmaking.scoring.objective import GROUP_COLUMNS, Objective
from matchmaking.scoring.requests import Requests

_KEEP = object()  # "take it from the plan" for the editor's optional overrides


@dataclass(frozen=True)
class Edit:
    """One hand edit: what was asked, and the (round, member, old group, new group) changes."""

    what: str
    changes: tuple[tuple[int, int, int, int], ...]


class PlanEditor:
    """Move and swap members of a plan, with undo, exact re-scoring and the broken rules.

    Parameters
    ----------
    plan : Plan
        The plan to edit (it is not changed: :attr:`plan` is a new plan after each edit).
    objective : Objective, optional
        The objective to re-score with (default: the plan's ``objective_fn``).
    requests, rules, checker, explainer : optional
        Override the plan's own (``plan.requests``, ``plan.rules``, ``plan.checker``,
        ``plan.explainer``), for plans made before they carried them.
    extra_terms : callable, optional
        ``extra_terms(assignments) -> {name: value}``: terms an engine adds to the shared
        objective (cohorts' ``balance``), added to the breakdown and the total.

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community, Objective, Plan, affinity
    >>> members = pd.DataFrame({"id": list("abcd"), "offers": ["x", "", "", ""], "needs": ["", "x", "", ""]})
    >>> c = Community.from_frame(members)
    >>> plan = Plan("seating", pd.DataFrame({"round": 1, "table": [1, 1, 2, 2], "member": list("abcd")}),
    ...             objective=1.0, objective_fn=Objective(affinity(c)))
    >>> ed = PlanEditor(plan, rules={"capacities": [2, 2]})
    >>> ed.move("b", 2)["total"], ed.problems
    (0.0, ['round 1, table 2: 3 members for 2 seats'])
    >>> ed.undo()["total"], ed.swap("a", "c")["total"], ed.problems, ed.where("a")
    (1.0, 0.0, [], {1: 2})
    >>> ed.undo()["total"], ed.where("a")
    (1.0, {1: 1})
    >>> ed.rounds, ed.round_index(1)
    ([1], 0)
    """

    def __init__(
        self,
        plan: Plan,
        *,
        objective: Objective | None = None,
        requests: Any = _KEEP,
        rules: Mapping[str, Any] | None = None,
        checker: Any = _KEEP,
        explainer: Any = _KEEP,
        extra_terms: Callable[[pd.DataFrame], Mapping[str, float]] | None = None,
    ) -> None:
        objective = objective or plan.objective_fn
        if objective is None:
            raise InputError("this plan carries no objective to re-score hand edits with: pass objective=")
        self.base = plan
        self.kind = plan.kind
        self.objective = objective
        self.group_col = GROUP_COLUMNS[plan.kind][-1]
        self.word = GROUP_WORD[plan.kind]
        self.requests: Requests | None = getattr(plan, "requests", None) if requests is _KEEP else requests
        self.rules = dict(getattr(plan, "rules", {}) or {}) if rules is None else dict(rules)
        self.checker = getattr(plan, "checker", None) if checker is _KEEP else checker
        self.explainer = plan.explainer if explainer is _KEEP else explainer
        self.extra_terms = extra_terms
        frame = plan.assignments
        self.rounds = sorted(int(r) for r in frame["round"].unique()) if "round" in frame else [1]
        self.members = list(dict.fromkeys(frame["member"].astype(str)))
        self._pos = {m: i for i, m in enumerate(self.members)}
        self._member_array = np.asarray(self.members, dtype=object)
        self._name_rank = np.argsort(np.argsort(self._member_array, kind="stable"), kind="stable")
        self.slots = np.full((len(self.rounds), len(self.members)), -1, dtype=np.int64)
        r_idx = {r: k for k, r in enumerate(self.rounds)}
        rows = frame["round"].map(r_idx).to_numpy() if "round" in frame else np.zeros(len(frame), dtype=int)
        self.slots[rows, frame["member"].astype(str).map(self._pos).to_numpy()] = frame[self.group_col].to_numpy()
        self._start = self.slots.copy()
        self.history: list[Edit] = []
        self.scorer = PlanScorer(objective, self.members)
        self._refresh()

    # ------------------------------------------------------------------ reading
    @property
    def breakdown(self) -> dict[str, float]:
        """The current objective, term by term, with ``total``."""
        return dict(self._breakdown)

    @property
    def objective_value(self) -> float:
        return float(self._breakdown["total"])

    @property
    def problems(self) -> list[str]:
        """The hard rules the current plan breaks, in words (empty: valid)."""
        return list(self._problems)

    @property
    def plan(self) -> Plan:
        """The current plan (hand edits included), a new :class:`~matchmaking.Plan`."""
        return self._plan

    def assignments(self) -> pd.DataFrame:
        """The current plan in its output shape (``round, table, member`` ...)."""
        return self._frame.copy()

    def _assignments(self) -> pd.DataFrame:
        r, i = np.nonzero(self.slots >= 0)
        g = self.slots[r, i]
        order = np.lexsort((self._name_rank[i], g, r))
        r, i, g = r[order], i[order], g[order]
        data = {self.group_col: g, "member": self._member_array[i]}
        if self.kind != "cohorts":
            data = {"round": np.asarray(self.rounds)[r], **data}
        return pd.DataFrame(data)

    def where(self, member: str) -> dict[int, int]:
        """``{round: group}`` of a member (cohorts: ``{1: cohort}``)."""
        i = self._index(member)
        return {r: int(g) for r, g in zip(self.rounds, self.slots[:, i], strict=True) if g >= 0}

    def groups_allowed(self, round: int | None = None) -> list[int]:
        """Groups a member may be moved to (seating: the tables; otherwise the groups and one new)."""
        caps = self.rules.get("capacities")
        if self.kind == "seating" and caps is not None:
            return list(range(1, len(caps) + 1))
        rows = self.slots if round is None else self.slots[[self.round_index(round)]]
        top = int(rows.max()) if rows.size else 0
        return list(range(1, top + 2))

    # ------------------------------------------------------------------ editing
    def move(self, member: str, group: int, round: int | None = None) -> dict[str, float]:
        """Move ``member`` to ``group`` in ``round`` (None: every round the plan has them in).

        Returns the new breakdown. Raises :class:`InputError` for an unknown member, round or group.
        """
        i = self._index(member)
        group = self._group(group, round)
        changes = [(k, i, int(self.slots[k, i]), group) for k in self._rounds_of(i, round)
                   if self.slots[k, i] != group]
        return self._apply(Edit(f"move {member} to {self.word} {group}", tuple(changes)))

    def swap(self, a: str, b: str, round: int | None = None) -> dict[str, float]:
        """Swap the places of ``a`` and ``b`` in ``round`` (None: every round both are in)."""
        i, j = self._index(a), self._index(b)
        if i == j:
            raise InputError(f"cannot swap {a!r} with themselves", column="member")
        both = [k for k in self._rounds_of(i, round) if self.slots[k, j] >= 0]
        if not both:
            raise InputError(f"{a} and {b} are in no round together", column="member")
        changes = []
        for k in both:
            gi, gj = int(self.slots[k, i]), int(self.slots[k, j])
            if gi != gj:
                changes += [(k, i, gi, gj), (k, j, gj, gi)]
        return self._apply(Edit(f"swap {a} and {b}", tuple(changes)))

    def undo(self) -> dict[str, float]:
        """Take back the last edit; returns the breakdown. Raises InputError when there is none."""
        if not self.history:
            raise InputError("nothing to undo")
        edit = self.history.pop()
        for k, i, old, _new in reversed(edit.changes):
            self.slots[k, i] = old
        self._refresh({self.rounds[k] for k, *_ in edit.changes})
        return self.breakdown

    def reset(self) -> dict[str, float]:
        """Back to the plan as it was given (every edit taken back)."""
        self.slots = self._start.copy()
        self.history.clear()
        self._refresh()
        return self.breakdown

    # ------------------------------------------------------------------ display helpers
    def flags(self) -> tuple[set[tuple[int, str]], set[tuple[int, int]]]:
        """Where the problems are: ``{(round, member)}`` and ``{(round, group)}`` they name.

        Read from the checker's words (members by id, "round R", "table T"/"cohort C"/"group G");
        a problem naming no round flags every round. Meant for highlighting, not for logic.
        """
        members: set[tuple[int, str]] = set()
        groups: set[tuple[int, int]] = set()
        for text in self._problems:
            m = re.match(r"round (\d+)", text)
            rounds = [int(m.group(1))] if m else self.rounds
            named = [t for t in re.findall(r"[\w.@'-]+", text) if t in self._pos]
            tables = [int(t) for t in re.findall(rf"{self.word} (\d+)", text)]
            head = text.split(":", 1)[0]
            for r in rounds:
                members.update((r, who) for who in named)
                if f"{self.word} " in head or "members for" in text:
                    groups.update((r, t) for t in tables[:1])
        return members, groups

    # ------------------------------------------------------------------ internals
    def _index(self, member: str) -> int:
        member = str(member)
        if member not in self._pos:
            raise InputError(f"{member!r} is not in this plan", column="member")
        return self._pos[member]

    def round_index(self, round: int) -> int:
        """The position of ``round`` in :attr:`rounds`; :class:`InputError` for a round the plan does not have."""
        try:
            return self.rounds.index(int(round))
        except ValueError:
            raise InputError(f"the plan has no round {round} (rounds {self.rounds[0]}..{self.rounds[-1]})",
                             column="round") from None

    def _rounds_of(self, i: int, round: int | None) -> list[int]:
        if round is None:
            return [k for k in range(len(self.rounds)) if self.slots[k, i] >= 0]
        k = self.round_index(round)
        if self.slots[k, i] < 0:
            raise InputError(f"{self.members[i]} is not in round {round}", column="member")
        return [k]

    def _group(self, group: object, round: int | None) -> int:
        try:
            g = int(group)  # type: ignore[call-overload]
            ok = g == float(group)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            ok = False
        allowed = self.groups_allowed(round)
        if not ok or g not in allowed:
            raise InputError(f"no {self.word} {group}: {self.word}s are {allowed[0]}..{allowed[-1]}",
                             column=self.word)
        return g

    def _apply(self, edit: Edit) -> dict[str, float]:
        for k, i, _old, new in edit.changes:
            self.slots[k, i] = new
        if edit.changes:
            self.history.append(edit)
            self._refresh({self.rounds[k] for k, *_ in edit.changes})
        return self.breakdown

    def _check(self, frame: pd.DataFrame, rounds: set[int] | None) -> list[str]:
        """The checker's findings, round by round (each round's rules only involve that round).

        After an edit only the rounds it touched are checked again (``rounds``; None: all).
        Seating and pairing rules (seats, sizes, requests, attendance) hold round by round, so
        the findings are those of ``check_plan`` on the whole plan, listed by round.
        """
        if self.kind == "cohorts":
            return check_plan(frame, requests=self.requests, kind=self.kind, **self.rules)
        if rounds is None or not hasattr(self, "_by_round"):
            rounds = set(self.rounds)
            self._by_round: dict[int, list[str]] = {}
        column = frame["round"].to_numpy()
        for r in rounds:
            requests = self.requests
            if requests is not None and requests.pins:  # a pin of another round is that round's business
                requests = replace(requests, pins=[p for p in requests.pins
                                                   if p[2] is None or p[2] == r or p[2] not in self.rounds])
            self._by_round[r] = check_plan(frame[column == r], requests=requests, kind=self.kind, **self.rules)
        out: list[str] = []
        for r in self.rounds:
            out += [p for p in self._by_round[r] if p not in out]
        return out

    def _refresh(self, rounds: set[int] | None = None) -> None:
        breakdown = self.scorer.evaluate(self.slots)
        self._frame = frame = self._assignments()
        if self.extra_terms is not None:
            total = breakdown.pop("total")
            for name, value in self.extra_terms(frame).items():
                breakdown[name] = float(value)
                total += float(value)
            breakdown["total"] = total
        self._breakdown = breakdown
        self._plan = self._make_plan(frame, breakdown)
        problems = self._check(frame, rounds)
        if self.checker is not None:
            problems += [p for p in self.checker(self._plan) if p not in problems]
        self._problems = problems
        self._plan.problems = list(problems)
        if problems and self._plan.status != "infeasible":
            self._plan.status = "infeasible"

    def _make_plan(self, frame: pd.DataFrame, breakdown: dict[str, float]) -> Plan:
        base = self.base
        total = float(breakdown["total"])
        notes = list(base.notes)
        bound = base.bound
        if not self.history:
            status, method = base.status, base.method
        else:
            method = (base.method + " + " if base.method else "") + f"{len(self.history)} hand edit(s)"
            notes.append(f"{len(self.history)} hand edit(s): " + "; ".join(e.what for e in self.history[-5:]))
            if total > bound + 1e-6 * max(1.0, abs(total)):
                notes.append(f"the edited plan ({total:.6g}) is above the solver's bound {bound:.6g}, "
                             "which covers valid plans only: no bound reported")
                bound = math.inf
            status = "optimal" if math.isfinite(bound) and total >= bound - 1e-9 * max(1.0, abs(bound)) else "feasible"
        extras = dict(base.extras)
        extras["edits"] = [e.what for e in self.history]
        plan = Plan(self.kind, frame, objective=total, bound=bound, status=status, objective_fn=self.objective,
                    time=base.time, method=method, breakdown=dict(breakdown), notes=notes,
                    progress=list(base.progress), extras=extras, explainer=self.explainer)
        for name, value in (("requests", self.requests), ("rules", dict(self.rules)), ("checker", self.checker)):
            if hasattr(plan, name):
                setattr(plan, name, value)
        return plan


__all__ = ["Edit", "PlanEditor"]
