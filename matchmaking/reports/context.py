"""What every document of a plan needs: names, colours of an attribute, hosts, leads, the affinity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.scoring.affinity import Affinity

#: Okabe-Ito colours (distinguishable with colour-blindness), then grey for "other" and missing values.
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#7F5F3F")
OTHER = "#BBBBBB"
_PREFERRED = ("sector", "city", "stage")


@dataclass
class PlanContext:
    """A plan with everything its documents show about the people in it.

    Attributes
    ----------
    names : dict
        Member id -> display name.
    headings : dict
        Member id -> the name that heads their own page: the name, followed by the id when
        another member of the plan has the same name.
    color_by : str or None
        The attribute that colours people (charts, mixes).
    values : dict
        Member id -> the shown value of ``color_by`` (``"other"`` beyond the palette).
    colors : dict
        Shown value -> colour; :attr:`legend` lists them in order.
    hosts : dict
        Member id -> the table they host (seating).
    leads : set
        Members who lead a cohort.
    """

    plan: Plan
    community: Community
    affinity: Affinity
    names: dict[str, str]
    color_by: str | None
    values: dict[str, str] = field(default_factory=dict)
    colors: dict[str, str] = field(default_factory=dict)
    hosts: dict[str, int] = field(default_factory=dict)
    leads: set[str] = field(default_factory=set)
    headings: dict[str, str] = field(default_factory=dict)

    @property
    def legend(self) -> list[tuple[str, str]]:
        return list(self.colors.items())

    def color(self, member: str) -> str:
        return self.colors.get(self.values.get(member, ""), OTHER)

    def row(self, member: str) -> pd.Series:
        return self.community.members.loc[member]


def plan_context(
    plan: Plan,
    community: Community | None = None,
    *,
    color_by: str | None = None,
    hosts: Mapping[str, int] | Sequence[str] | None = None,
    leads: str | Sequence[str] | None = None,
) -> PlanContext:
    """Gather names, colours, hosts and leads of ``plan``; bad options raise :class:`InputError`.

    ``community`` defaults to the plan's own (its objective's). ``color_by`` defaults to
    ``sector``, ``city`` or ``stage`` when present. ``hosts`` (``member -> table``, or a list
    hosting tables 1, 2, ...) defaults to the plan's requests; ``leads`` (a selection such as
    ``"role=lead"``, or ids) to the plan's ``leaders`` rule.

    Examples
    --------
    >>> import matchmaking as mm, pandas as pd
    >>> c = mm.Community.from_frame(pd.DataFrame({"id": ["a", "b"], "name": ["Ana", "Bé"],
    ...                                           "city": ["Lyon", "Nice"]}))
    >>> plan = mm.Plan("cohorts", pd.DataFrame({"cohort": [1, 1], "member": ["a", "b"]}), objective=0.0)
    >>> ctx = plan_context(plan, c)
    >>> ctx.color_by, ctx.names["b"], ctx.legend
    ('city', 'Bé', [('Lyon', '#E69F00'), ('Nice', '#56B4E9')])
    """
    if community is None:
        if plan.objective_fn is None:
            raise InputError("a report needs the community of the plan (pass community=)", column="community")
        community = plan.objective_fn.affinity.community
    members = plan.assignments["member"].astype(str)
    unknown = sorted(set(members) - set(community.ids))
    if unknown:
        raise InputError(f"the plan names {len(unknown)} member(s) the community does not have, e.g. "
                         f"{unknown[0]!r}", column="member")
    if plan.objective_fn is not None and plan.objective_fn.affinity.community is community:
        aff = plan.objective_fn.affinity
    else:
        from matchmaking.scoring.objective import default_objective

        aff = default_objective(community, plan.kind).affinity
    if color_by is None:
        color_by = next((a for a in _PREFERRED if a in community.attributes), None)
    elif color_by not in community.attributes:
        raise InputError(f"color-by names no attribute {color_by!r}; the attributes are {community.attributes}",
                         file=str(community.source), row=1, column=color_by)
    ctx = PlanContext(plan, community, aff, community.members["name"].astype(str).to_dict(), color_by)
    shown = pd.Series({m: ctx.names[m] for m in members.unique()}, dtype=object)
    shared = set(shown[shown.duplicated(keep=False)].index)
    ctx.headings = {m: f"{n} ({m})" if m in shared else n for m, n in shown.items()}
    if color_by:
        ctx.values, ctx.colors = _shown_values(community.members[color_by].reindex(members.unique()))
    ctx.hosts = _hosts(plan, community, hosts)
    ctx.leads = _leads(plan, community, leads)
    return ctx


def _shown_values(column: pd.Series) -> tuple[dict[str, str], dict[str, str]]:
    """Each member's value as shown (numbers in 4 ranges, rare values as "other") and the colours."""
    values = column.where(column.notna() & (column.astype(str).str.strip() != ""), None)
    numeric = pd.to_numeric(values, errors="coerce")
    if values.notna().any() and numeric.notna().sum() == values.notna().sum() and numeric.nunique() > len(PALETTE):
        bins = pd.qcut(numeric, 4, duplicates="drop")
        shown = bins.map(lambda iv: f"{iv.left:g} to {iv.right:g}").astype(object)
        order = [f"{iv.left:g} to {iv.right:g}" for iv in bins.cat.categories]
    else:
        shown = values.map(lambda v: None if v is None else (f"{v:g}" if isinstance(v, float) else str(v)))
        order = shown.value_counts().index.tolist()
    kept = order[: len(PALETTE)] if len(order) <= len(PALETTE) else order[: len(PALETTE) - 1]
    shown = shown.map(lambda v: "not given" if v is None or pd.isna(v) else (v if v in kept else "other"))
    colors = {v: PALETTE[i] for i, v in enumerate(kept)}
    for extra in ("other", "not given"):
        if (shown == extra).any():
            colors[extra] = OTHER
    return shown.to_dict(), colors


def _hosts(plan: Plan, community: Community, hosts: object) -> dict[str, int]:
    if plan.kind != "seating":
        return {}
    if hosts is None:
        requests = getattr(plan, "requests", None)
        hosts = dict(getattr(requests, "hosts", None) or {})
    if isinstance(hosts, Mapping):
        out = {str(m): int(t) for m, t in hosts.items()}
    else:
        out = {str(m): i + 1 for i, m in enumerate(hosts)}
    unknown = [m for m in out if m not in community.ids]
    if unknown:
        raise InputError(f"host {unknown[0]!r} is not a member", column="hosts")
    return out


def _leads(plan: Plan, community: Community, leads: object) -> set[str]:
    if leads is None and plan.kind == "cohorts" and isinstance(plan.extras.get("leaders"), str):
        try:  # the plan's own rule: members it no longer matches are simply not leads
            return set(select(community, plan.extras["leaders"]))
        except InputError:
            return set()
    if leads is None:
        return set()
    if isinstance(leads, str):
        return set(select(community, leads))
    return {str(m) for m in leads}


def select(community: Community, spec: str) -> list[str]:
    """Members matching ``COL=VALUE`` (the community's own selection grammar where it has one)."""
    chooser = getattr(community, "select", None)
    if chooser is not None:
        return list(chooser(spec, what="leads"))
    if "=" not in spec:
        raise InputError(f"leads {spec!r} is not COLUMN=VALUE (e.g. role=lead)", column="leads")
    col, value = (x.strip() for x in spec.split("=", 1))
    if col not in community.attributes:
        raise InputError(f"leads names no attribute {col!r}; the attributes are {community.attributes}",
                         column="leads")
    column = community.members[col].astype(str).str.strip().str.casefold()
    return community.members.index[np.asarray(column == value.casefold())].tolist()
