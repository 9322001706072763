"""The pairings section of ``matchmaking demo``: intros, mentoring, roulette and welcomes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matchmaking.model.community import Community
from matchmaking.reports.html import Report
from matchmaking.solvers.pairing import pair


def demo_section(community: Community, report: Report, outdir: Path, seed: int) -> None:
    """Pair the demo community four ways; write ``pairs_*.csv`` and add a report section."""
    report.heading("Pairings")
    intros = pair(community)
    report.text(f"Intros: {len(intros.assignments) // 2} one-to-one introductions, exact maximum-weight matching.")
    report.pre(intros.summary())
    intros.to_csv(outdir / "pairs_intros.csv")

    rows = []
    if "role" in community.attributes and (community.members["role"] == "lead").any():
        leads = int((community.members["role"] == "lead").sum())
        capacity = -(-(len(community) - leads) // leads)
        for stable in (None, "mentees"):
            plan = pair(community, "mentor", mentors="role=lead", capacity=capacity, stable=stable)
            rows.append({"method": plan.method, "welfare": round(plan.objective, 2),
                         "blocking pairs": plan.extras["blocking_pairs"], "mentees": len(plan.assignments) // 2})
            plan.to_csv(outdir / f"pairs_mentoring_{'stable' if stable else 'welfare'}.csv")
        report.text(f"Mentoring: leads take up to {capacity} mentees each; welfare-optimal against stable.")
        report.table(pd.DataFrame(rows))

    roulette = pair(community, "roulette", rounds=4, time_limit=8, seed=seed)
    sequential = pair(community, "roulette", rounds=4, method="sequential", seed=seed)
    report.text(
        f"Coffee roulette, 4 rounds: joint {roulette.objective:.1f} against round by round "
        f"{sequential.objective:.1f} (bound {roulette.bound:.1f}); repeats {roulette.metrics()['repeats']}."
    )
    roulette.to_csv(outdir / "pairs_roulette.csv")
    member = community.ids[0]
    report.pre(roulette.explain(member))

    if "joined" in community.attributes:
        cutoff = sorted(community.members["joined"].dropna().astype(str))[int(0.8 * len(community))]
        welcome = pair(community, "welcome", newcomers=f"joined>={cutoff}", k=2, hosts_per_round=2)
        report.text(f"Welcome café: newcomers (joined since {cutoff}) meet 2 veterans each.")
        report.pre(welcome.summary())
        welcome.to_csv(outdir / "pairs_welcome.csv")
