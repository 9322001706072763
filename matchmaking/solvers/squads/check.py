"""A squad plan re-read from its assignments: its objective and its rules, trusting no solver."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import Objective
from matchmaking.solvers.squads.model import COVER
from matchmaking.solvers.squads.problems import Problem


@dataclass
class SquadObjective(Objective):
    """The help-squad objective of a ``cohort,member`` table (squad ``p + 1`` is problem ``p``):
    ``COVER`` per need covered by a helper, one point per distinct ``spread`` value among the
    helpers, one per helper covering a need and one per helper new to the asker. Its affinity
    (the shared one) serves the plan's metrics and explanations.

    Examples
    --------
    >>> from matchmaking import Community, affinity
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"], "offers": ["", "x", "y"],
    ...                                        "needs": ["x; z", "", ""], "sector": ["s", "s", "t"]}))
    >>> obj = SquadObjective(affinity(c), problems=[("a", "a", ["x", "z"])], spread_of=["sector"])
    >>> obj.evaluate(pd.DataFrame({"cohort": [1, 1, 1], "member": ["a", "b", "c"]}))["total"]
    105.0
    """

    problems: Sequence[Problem] = ()
    spread_of: Sequence[str] = ()
    met: Mapping[str, set[str]] = field(default_factory=dict)

    def evaluate(self, assignments: pd.DataFrame, kind: str | None = None) -> dict[str, float]:
        people = self.affinity.community.members
        out = {"cover": 0.0, "diversity": 0.0, "relevance": 0.0, "novelty": 0.0}
        covered = 0
        by_squad = {int(c): g["member"].astype(str).tolist() for c, g in assignments.groupby("cohort")}
        for p, (_, asker, needs) in enumerate(self.problems):
            helpers = [m for m in by_squad.get(p + 1, []) if m != asker and m in people.index]
            offers = [set(people.at[m, "offers"]) for m in helpers]
            got = set().union(*offers) if offers else set()
            covered += len(got.intersection(needs))
            out["cover"] += COVER * len(got.intersection(needs))
            out["diversity"] += sum(people.loc[helpers, a].dropna().astype(str).nunique() for a in self.spread_of)
            out["relevance"] += sum(bool(o.intersection(needs)) for o in offers)
            if asker is not None:
                out["novelty"] += sum(m not in self.met.get(asker, set()) for m in helpers)
        total = float(sum(out.values()))
        return {**out, "needs_covered": float(covered),
                "needs_total": float(sum(len(n) for _, _, n in self.problems)), "total": total}


@dataclass
class SquadChecker:
    """The rules of a squad plan (``Plan.build(checker=...)``): each asker in their own squad, at most
    ``k`` helpers a squad, nobody helping who may not (excluded, over the load cap, an asker)."""

    problems: Sequence[Problem]
    k: int
    not_helping: Mapping[str, str] = field(default_factory=dict)  # member -> why

    def __call__(self, plan: Plan) -> list[str]:
        out = []
        a = plan.assignments
        askers = {asker: p for p, (_, asker, _) in enumerate(self.problems) if asker is not None}
        for m, c in zip(a["member"].astype(str), a["cohort"].astype(int), strict=True):
            if m in askers and c != askers[m] + 1:
                out.append(f"squad {c}: {m} asks for help in squad {askers[m] + 1}")
            elif m not in askers and m in self.not_helping:
                out.append(f"squad {c}: {m} helps but {self.not_helping[m]}")
        for c, grp in a.groupby("cohort"):
            helpers = [m for m in grp["member"].astype(str) if m not in askers]
            if len(helpers) > self.k:
                out.append(f"squad {c}: {len(helpers)} helpers, more than {self.k}")
            if not 1 <= int(c) <= len(self.problems):
                out.append(f"squad {c}: no such problem (1..{len(self.problems)})")
        for m, p in askers.items():
            if m not in set(a["member"].astype(str)):
                out.append(f"squad {p + 1}: its asker {m} is missing")
        return out
