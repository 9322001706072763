"""The documents of a seating plan: summary, room charts, table cards and personal itineraries."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from matchmaking.reports import plots
from matchmaking.reports.chart import chart_pages
from matchmaking.reports.context import PlanContext
from matchmaking.reports.render import Document
from matchmaking.reports.words import (
    count,
    join,
    percent,
    personal_reasons,
    plan_problems,
    range_words,
    record_line,
)
from matchmaking.scoring.objective import co_groupings


@dataclass
class Seating:
    """A seating plan as the documents read it: who sits where, who meets whom, what it is worth."""

    ctx: PlanContext
    rounds: list[int]
    tables: dict[tuple[int, int], list[str]]  # (round, table) -> members, host first, then by name
    seat_of: dict[tuple[str, int], int]  # (member, round) -> table
    value: dict[frozenset, float]  # pair -> affinity
    met_before: set[frozenset]
    offers: dict[str, set[str]]
    needs: dict[str, list[str]]

    @classmethod
    def of(cls, ctx: PlanContext) -> Seating:
        a = ctx.plan.assignments.astype({"member": str})
        names, hosts = ctx.names, ctx.hosts
        tables: dict[tuple[int, int], list[str]] = {}
        for (r, t), grp in a.groupby(["round", "table"], sort=True):
            who = grp["member"].tolist()
            tables[(int(r), int(t))] = sorted(who, key=lambda m: (hosts.get(m) != t, names[m].casefold(), m))
        seat_of = {(m, int(r)): int(t) for r, t, m in zip(a["round"], a["table"], a["member"], strict=True)}
        pairs = co_groupings(a, ["round", "table"]).drop_duplicates(["a", "b"])
        scores = ctx.affinity.score(pairs["a"].tolist(), pairs["b"].tolist())["total"] if len(pairs) else []
        value = {frozenset(p): float(s) for p, s in zip(zip(pairs["a"], pairs["b"], strict=True), scores, strict=True)}
        met = ctx.affinity.met
        met_before = {frozenset(p) for p in zip(met["a"].astype(str), met["b"].astype(str), strict=True)}
        people = ctx.community.members.loc[a["member"].unique(), ["offers", "needs"]]
        offers = {m: set(o) for m, o in people["offers"].items()}
        needs = {m: list(n) for m, n in people["needs"].items()}
        return cls(ctx, sorted({r for r, _ in tables}), tables, seat_of, value, met_before, offers, needs)

    def mates(self, member: str, rnd: int) -> list[str]:
        table = self.seat_of.get((member, rnd))
        return [] if table is None else [m for m in self.tables[(rnd, table)] if m != member]

    def people(self, member: str) -> set[str]:
        return {m for r in self.rounds for m in self.mates(member, r)}

    def new_people(self, member: str) -> int:
        return sum(frozenset((member, m)) not in self.met_before for m in self.people(member))


def seating_documents(ctx: PlanContext, *, highlights: int = 3) -> list[Document]:
    """Summary, one room chart per round, table cards and one itinerary per attendee."""
    s = Seating.of(ctx)
    return [summary(s), charts(s), cards(s), itineraries(s, highlights=highlights)]


def _person(s: Seating, member: str, table: int | None = None) -> dict:
    ctx = s.ctx
    return {"id": member, "name": ctx.names[member], "host": table is not None and ctx.hosts.get(member) == table,
            "value": ctx.values.get(member, ""), "color": ctx.color(member)}


def summary(s: Seating) -> Document:
    ctx, plan = s.ctx, s.ctx.plan
    members = sorted({m for (m, _) in s.seat_of})
    per_round = pd.Series([t for (_, t) in s.tables]).groupby([r for (r, _) in s.tables]).nunique()
    new = pd.Series({m: s.new_people(m) for m in members}, dtype=float)
    pairs = co_groupings(plan.assignments.astype({"member": str}), ["round", "table"])
    met_twice = int(pairs.duplicated(["a", "b"]).sum()) if len(pairs) else 0
    covered, total, share = _needs(s, members)
    hosts = sorted(set(ctx.hosts) & set(members))
    lines = [
        f"{count(len(members), 'attendee')} at {count(int(per_round.max()) if len(per_round) else 0, 'table')}"
        f" over {count(len(s.rounds), 'round')}" + (f"; {count(len(hosts), 'host')} stay at their table all "
                                                   "along (marked ★)." if hosts else "."),
        range_words(new, "Every attendee meets", "new people") if len(new) else "Nobody is seated.",
        "Nobody meets the same person twice." if not met_twice else
        f"{count(met_twice, 'repeated encounter')}: people who already sat together meet again (see the notes).",
    ]
    if total:
        with_needs = share.index[[bool(s.needs[m]) for m in share.index]]
        full = int((share.reindex(with_needs) >= 1).sum())
        lines.append(f"{covered} of the {total} needs attendees stated ({percent(covered, total)}) meet someone "
                     f"at their table who offers it; {full} of the {len(with_needs)} attendees with needs find "
                     "help for all of them.")
    mix_table = _mix(s)
    if ctx.color_by and len(mix_table):
        per_table = mix_table.groupby(["panel", "group"])["value"].nunique()
        lines.append(f"Tables mix {ctx.color_by}: {per_table.mean():.1f} different values at a table on "
                     f"average, of {mix_table['value'].nunique()} in the room.")
    problems = plan_problems(plan)
    lines.append("Every request of the organizer holds." if not problems else
                 f"{count(len(problems), 'request')} do not hold: " + "; ".join(problems[:5]) + ".")
    figures = [
        {"src": plots.histogram(new.to_numpy(), title="New people met", xlabel="new people met",
                                ylabel="attendees"), "alt": "how many new people each attendee meets"},
        {"src": plots.bars(_needs_classes(s, share), title="Needs covered", ylabel="attendees",
                           colors=("#009E73", "#E69F00", "#D55E00", "#BBBBBB")),
         "alt": "attendees by share of their needs covered"},
    ]
    if ctx.color_by and len(mix_table):
        figures.append({"src": plots.mix(mix_table, ctx.colors, title=f"{ctx.color_by} at each table",
                                         group_word="table", panels="panel"),
                        "alt": f"mix of {ctx.color_by} per table", "wide": True})
    return Document("summary.html.j2", "Seating: summary", {  # its vector plots: as long as 15 itineraries
        "lines": lines, "figures": figures, "notes": list(plan.notes), "record": record_line(plan)}, cost=15.0)


def _needs(s: Seating, members: list[str]) -> tuple[int, int, pd.Series]:
    obj = s.ctx.plan.objective_fn
    if obj is not None and obj.affinity.community is s.ctx.community:
        covered, total, share = obj.needs_covered(s.ctx.plan.assignments.astype({"member": str}), ["round", "table"])
        return covered, total, share.reindex(members)
    covered = total = 0
    share = {}
    for m in members:
        needs = s.needs[m]
        ok = sum(bool(_helpers(s, m, need)) for need in needs)
        covered, total = covered + ok, total + len(needs)
        share[m] = ok / len(needs) if needs else 1.0
    return covered, total, pd.Series(share)


def _needs_classes(s: Seating, share: pd.Series) -> dict[str, int]:
    has = pd.Series({m: bool(s.needs[m]) for m in share.index}, dtype=bool)
    return {"all": int(((share >= 1) & has).sum()), "some": int(((share > 0) & (share < 1) & has).sum()),
            "none": int(((share <= 0) & has).sum()), "no needs": int((~has).sum())}


def _mix(s: Seating) -> pd.DataFrame:
    if not s.ctx.color_by:
        return pd.DataFrame()
    rows = [{"panel": r, "group": t, "value": s.ctx.values.get(m, "")} for (r, t), who in s.tables.items() for m in who]
    return pd.DataFrame(rows).groupby(["panel", "group", "value"]).size().rename("n").reset_index()


def charts(s: Seating) -> Document:
    pages = []
    for r in s.rounds:
        tables = [(t, [_person(s, m, t) for m in who]) for (rr, t), who in s.tables.items() if rr == r]
        parts = chart_pages(tables)
        for i, page in enumerate(parts):
            pages.append({"round": r, "part": f"{i + 1} of {len(parts)}" if len(parts) > 1 else "", "svg": page})
    return Document("seating_chart.html.j2", "Seating: room charts", {
        "pages": pages, "legend": s.ctx.legend, "color_by": s.ctx.color_by}, items="pages", cost=7.0)


def cards(s: Seating) -> Document:
    ctx = s.ctx
    shown = ctx.color_by
    cards = []
    for (r, t), who in sorted(s.tables.items()):
        people = [_person(s, m, t) | {"note": ctx.values.get(m, "") if shown else ""} for m in who]
        cards.append({"round": r, "table": t, "people": people, "rounds": len(s.rounds)})
    return Document("seating_cards.html.j2", "Seating: table cards", {"cards": cards}, items="cards", cost=0.4)


def _helpers(s: Seating, member: str, need: str) -> list[tuple[str, int]]:
    """Tablemates (and the round) who offer ``need``."""
    out = []
    for r in s.rounds:
        out += [(m, r) for m in s.mates(member, r) if need in s.offers[m]]
    return out


def itineraries(s: Seating, *, highlights: int = 3) -> Document:
    ctx = s.ctx
    aff, names = ctx.affinity, ctx.names
    per_round = max(1, min(highlights, 12 // max(1, len(s.rounds))))
    spell = ctx.community.spelling
    pages = []
    members = sorted({m for (m, _) in s.seat_of}, key=lambda m: (names[m].casefold(), m))
    for me in members:
        met: set[str] = set()
        rounds = []
        for r in s.rounds:
            table = s.seat_of.get((me, r))
            if table is None:
                rounds.append({"round": r, "table": None, "host": False, "with": [], "meet": [], "again": []})
                continue
            mates = s.mates(me, r)
            fresh = [m for m in mates if m not in met]
            best = sorted(fresh, key=lambda m: -s.value.get(frozenset((me, m)), 0.0))
            meet = [{"name": names[m], "host": ctx.hosts.get(m) == table,
                     "reasons": personal_reasons(aff.explain(me, m), names[me], names[m], spell)[:2]}
                    for m in best[:per_round] if s.value.get(frozenset((me, m)), 0.0) > 0]
            again = [names[m] for m in mates if m in met]
            met.update(mates)
            rounds.append({"round": r, "table": table, "host": ctx.hosts.get(me) == table,
                           "with": [_person(s, m, table) for m in mates], "meet": meet, "again": again})
        needs = []
        for need in s.needs[me]:
            helpers = _helpers(s, me, need)
            needs.append({"need": spell(need), "helpers": join(f"{names[m]} (round {r})" for m, r in helpers[:3])})
        pages.append({"id": me, "name": ctx.headings[me], "offers": [spell(o) for o in ctx.community.members.at[me, "offers"]], "needs": needs,
                      "rounds": rounds, "new": s.new_people(me), "hosting": ctx.hosts.get(me)})
    return Document("seating_itineraries.html.j2", "Seating: personal itineraries", {"pages": pages}, items="pages")
