"""The demo's plan sections: cohorts and a help squad, the demo event's seating, and pairings.

Each section solves through the public entry points (``mm.form_cohorts``, ``mm.seat``,
``mm.pair``, ``mm.help_squad``), writes its exports, adds a few lines to the demo's HTML
report and attaches its room-ready documents (``report.documents``: printed in ``room.pdf``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matchmaking.datasets import demo_event
from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.model.io import write_table
from matchmaking.reports.build import plan_documents, write_report
from matchmaking.reports.context import PlanContext, plan_context, select
from matchmaking.reports.exports import csv_bytes, export_frame, xlsx_bytes
from matchmaking.reports.html import Report
from matchmaking.reports.render import write_all

#: The demo event's seating: 300 attendees, 30 tables of 10, 3 rounds, the 30 local leads host.
EVENT = {"tables": 30, "table_size": 10, "rounds": 3, "spread": ["sector"]}
#: A fixed search effort, so that the demo gives the same plan on any machine.
EFFORT = {"time_limit": 20.0, "iterations": 600_000}


def _exports(ctx: PlanContext, outdir: Path, name: str) -> None:
    frame = export_frame(ctx)
    write_all({outdir / f"{name}.csv": csv_bytes(frame), outdir / f"{name}.xlsx": xlsx_bytes(frame, ctx.plan.kind)})


def seating_section(community: Community, report: Report, outdir: Path, seed: int) -> None:
    """Seat the shipped 300-attendee event; its charts, table cards and itineraries go to the room PDF."""
    import matchmaking as mm

    event = demo_event()
    try:
        hosts = select(event, "role=lead")[: EVENT["tables"]]  # the local leads host a table each
    except InputError:  # no role column, or no lead
        hosts = []
    plan = mm.seat(event, hosts=hosts, seed=seed, **EVENT, **EFFORT)
    ctx = plan_context(plan, event, hosts=hosts, color_by="sector")
    docs = plan_documents(ctx)
    report.heading("Event seating")
    report.text(f"The demo event (datasets/event_300.csv): {len(event)} attendees at {EVENT['tables']} tables of "
                f"{EVENT['table_size']} over {EVENT['rounds']} rounds; the {len(hosts)} local leads host a table "
                "each. Room charts, table cards and one itinerary per attendee are in room.pdf.")
    for line in docs[0].data["lines"]:
        report.text(line)
    report.link("seating.xlsx", "seating.xlsx", note="one sheet per round, with names, sector and hosts "
                "(also seating.csv)")
    report.pre(plan.summary())
    member = plan.assignments["member"].iloc[0]
    report.text(f"Why {ctx.names[member]} sits where they sit:")
    report.pre(plan.explain(member))
    _exports(ctx, outdir, "seating")
    report.documents.extend(docs)


def cohorts_section(community: Community, report: Report, outdir: Path, seed: int) -> None:
    """Cohorts by city with sectors spread and one lead each; their rosters go to the room PDF; a help squad."""
    import matchmaking as mm

    attrs = community.attributes
    rules: dict[str, object] = {"size": "8-12"}
    if "city" in attrs:
        rules["similar"] = ["city"]
    if "sector" in attrs:
        rules["spread"] = ["sector"]
    if "role" in attrs:
        rules["leaders"] = "role=lead"
    plan = mm.form_cohorts(community, seed=seed, time_limit=15.0, **rules)  # type: ignore[arg-type]
    ctx = plan_context(plan, community, color_by="sector" if "sector" in attrs else None)
    docs = plan_documents(ctx)
    report.heading("Cohorts")
    report.text(f"Rules: {rules}. Each city is an independent block; the bound is proven. (Gender is not "
                "protected here: several demo cities have a single man or nonbinary member, which the solver "
                "would report.) One roster per cohort is in room.pdf.")
    for line in docs[0].data["lines"]:
        report.text(line)
    report.pre(plan.summary())
    member = plan.assignments["member"].iloc[0]
    report.text("Why " + plan.explain(member))
    _exports(ctx, outdir, "cohorts")
    report.documents.extend(docs)
    asker = next((m for m, needs in zip(community.ids, community.members["needs"], strict=True) if needs), None)
    if asker is not None:
        squad = mm.help_squad(community, asker, k=5, seed=seed)
        report.heading("Help squad")
        report.pre(squad.explain(asker))
        write_table(squad.extras["squads"], outdir / "squad.csv")


def pairings_section(community: Community, report: Report, outdir: Path, seed: int) -> None:
    """Pair the demo community four ways; the coffee roulette gets its own report (roulette/)."""
    import matchmaking as mm

    report.heading("Pairings")
    intros = mm.pair(community)
    report.text(f"Intros: {len(intros.assignments) // 2} one-to-one introductions, exact maximum-weight matching.")
    report.pre(intros.summary())
    intros.to_csv(outdir / "pairs_intros.csv")
    rows = []
    if "role" in community.attributes and (community.members["role"] == "lead").any():
        leads = int((community.members["role"] == "lead").sum())
        capacity = -(-(len(community) - leads) // leads)
        for stable in (None, "mentees"):
            plan = mm.pair(community, "mentor", mentors="role=lead", capacity=capacity, stable=stable)
            rows.append({"method": plan.method, "welfare": round(plan.objective, 2),
                         "blocking pairs": plan.extras["blocking_pairs"], "mentees": len(plan.assignments) // 2})
            plan.to_csv(outdir / f"pairs_mentoring_{'stable' if stable else 'welfare'}.csv")
        report.text(f"Mentoring: leads take up to {capacity} mentees each; welfare-optimal against stable.")
        report.table(pd.DataFrame(rows))
    roulette = mm.pair(community, "roulette", rounds=4, time_limit=8, seed=seed)
    sequential = mm.pair(community, "roulette", rounds=4, method="sequential", seed=seed)
    report.text(
        f"Coffee roulette, 4 rounds: joint {roulette.objective:.1f} against round by round "
        f"{sequential.objective:.1f} (bound {roulette.bound:.1f}); repeats {roulette.metrics()['repeats']}."
    )
    roulette.to_csv(outdir / "pairs_roulette.csv")
    write_report(roulette, outdir / "roulette", community, formats="html,xlsx")
    report.link("The roulette, round by round and member by member", "roulette/index.html")
    report.pre(roulette.explain(community.ids[0]))
    if "joined" in community.attributes:
        cutoff = sorted(community.members["joined"].dropna().astype(str))[int(0.8 * len(community))]
        welcome = mm.pair(community, "welcome", newcomers=f"joined>={cutoff}", k=2, hosts_per_round=2)
        report.text(f"Welcome café: newcomers (joined since {cutoff}) meet 2 veterans each.")
        report.pre(welcome.summary())
        welcome.to_csv(outdir / "pairs_welcome.csv")
