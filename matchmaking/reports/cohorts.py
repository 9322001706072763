"""The documents of a cohorts plan: a summary in words with plots, and one roster page per cohort."""

from __future__ import annotations

import pandas as pd

from matchmaking.reports import plots
from matchmaking.reports.context import PlanContext
from matchmaking.reports.render import Document
from matchmaking.reports.words import count, join, percent, plan_problems, record_line


def cohorts_documents(ctx: PlanContext, *, attributes: list[str] | None = None) -> list[Document]:
    """The summary and the rosters (lead, city, what each member offers and needs)."""
    a = ctx.plan.assignments.astype({"member": str})
    members = ctx.community.members.loc[a["member"].unique()]
    offers = {m: list(v) for m, v in members["offers"].items()}
    needs = {m: list(v) for m, v in members["needs"].items()}
    cohorts = {int(k): sorted(g["member"], key=lambda m: (m not in ctx.leads, ctx.names[m].casefold(), m))
               for k, g in a.groupby("cohort", sort=True)}
    covered = {}  # member -> needs someone else in the cohort offers
    for who in cohorts.values():
        for m in who:
            others = set().union(*(offers[o] for o in who if o != m)) if len(who) > 1 else set()
            covered[m] = [n for n in needs[m] if n in others]
    return [_summary(ctx, cohorts, needs, covered), _rosters(ctx, cohorts, offers, needs, covered, attributes)]


def shown_attributes(ctx: PlanContext, attributes: list[str] | None) -> list[str]:
    """The attributes a roster shows: those asked for, else city and the colouring attribute."""
    if attributes is None:
        attributes = [x for x in ("city", ctx.color_by) if x]
    return list(dict.fromkeys(x for x in attributes if x in ctx.community.attributes))


def _summary(ctx: PlanContext, cohorts: dict, needs: dict, covered: dict) -> Document:
    sizes = pd.Series({k: len(v) for k, v in cohorts.items()})
    n = int(sizes.sum())
    lines = [f"{count(n, 'member')} in {count(len(cohorts), 'cohort')}" +
             (f" of {sizes.min()} to {sizes.max()} members ({sizes.mean():.1f} on average)." if len(sizes) else ".")]
    if ctx.leads:
        without = [k for k, who in cohorts.items() if not set(who) & ctx.leads]
        lines.append("Every cohort has a lead." if not without else
                     f"{count(len(without), 'cohort')} have no lead: " + join(str(k) for k in without[:12]) + ".")
    if "city" in ctx.community.attributes:
        cities = pd.Series({k: ctx.community.members.loc[who, "city"].nunique() for k, who in cohorts.items()})
        lines.append("Every cohort meets in one city." if (cities <= 1).all() else
                     f"{count(int((cities > 1).sum()), 'cohort')} span several cities.")
    total = sum(len(v) for v in needs.values())
    got = sum(len(v) for v in covered.values())
    if total:
        lines.append(f"{got} of the {total} needs members stated ({percent(got, total)}) can be answered inside "
                     "their cohort: someone in it offers that skill.")
    mix_rows = [{"group": k, "value": ctx.values.get(m, "")} for k, who in cohorts.items() for m in who]
    mix_table = pd.DataFrame(mix_rows)
    if ctx.color_by and len(mix_table):
        mix_table = mix_table.groupby(["group", "value"]).size().rename("n").reset_index()
        per = mix_table.groupby("group")["value"].nunique()
        lines.append(f"Cohorts mix {ctx.color_by}: {per.mean():.1f} different values in a cohort on average, "
                     f"of {mix_table['value'].nunique()} among the members.")
    problems = plan_problems(ctx.plan)
    lines.append("Every rule holds." if not problems else
                 f"{count(len(problems), 'rule')} broken: " + "; ".join(problems[:5]) + ".")
    share = pd.Series({k: sum(len(covered[m]) for m in who) / max(1, sum(len(needs[m]) for m in who))
                       for k, who in cohorts.items()})
    figures = [
        {"src": plots.histogram(sizes.to_numpy(), title="Cohort sizes", xlabel="members", ylabel="cohorts"),
         "alt": "cohort sizes"},
        {"src": plots.bars({"all": int((share >= 1).sum()), "half or more": int(((share >= .5) & (share < 1)).sum()),
                            "under half": int((share < .5).sum())}, title="Needs answered inside",
                           ylabel="cohorts", colors=("#009E73", "#E69F00", "#D55E00")),
         "alt": "cohorts by share of their members' needs answered inside"},
    ]
    if ctx.color_by and len(mix_table):
        figures.append({"src": plots.mix(mix_table, ctx.colors, title=f"{ctx.color_by} in each cohort",
                                         group_word="cohort"), "alt": f"mix of {ctx.color_by} per cohort",
                        "wide": True})
    return Document("summary.html.j2", "Cohorts: summary", {
        "lines": lines, "figures": figures, "notes": list(ctx.plan.notes), "record": record_line(ctx.plan)})


def _rosters(ctx: PlanContext, cohorts: dict, offers: dict, needs: dict, covered: dict,
             attributes: list[str] | None) -> Document:
    attrs = shown_attributes(ctx, attributes)
    spell = ctx.community.spelling
    pages = []
    for k, who in cohorts.items():
        rows = ctx.community.members.loc[who]
        cities = rows["city"].dropna().astype(str).unique().tolist() if "city" in rows else []
        leads = [ctx.names[m] for m in who if m in ctx.leads]
        people = []
        for m in who:
            got = set(covered[m])
            people.append({"name": ctx.headings[m], "lead": m in ctx.leads,
                           "attrs": [_text(rows.loc[m, x]) for x in attrs], "offers": [spell(o) for o in offers[m]],
                           "needs": [{"need": spell(n), "covered": n in got} for n in needs[m]]})
        pages.append({"cohort": k, "size": len(who), "city": cities[0] if len(cities) == 1 else
                      ("several cities" if cities else ""), "leads": leads, "people": people})
    return Document("cohorts_rosters.html.j2", "Cohorts: rosters", {"pages": pages, "attributes": attrs},
                    items="pages", cost=1.5)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)
