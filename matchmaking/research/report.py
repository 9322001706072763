"""The research section of ``matchmaking demo``: a meeting history and a growth simulation."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from matchmaking.history import MeetingHistory  # noqa: E402
from matchmaking.model.community import Community  # noqa: E402
from matchmaking.model.io import write_table  # noqa: E402
from matchmaking.reports.html import Report  # noqa: E402
from matchmaking.research.simulate import simulate  # noqa: E402
from matchmaking.research.strategies import random_seating  # noqa: E402


def research_section(community: Community, report: Report, outdir: Path, seed: int) -> None:
    """Record three welcome cafés in a meeting history, then compare seating strategies over 10 events."""
    report.heading("Meeting history and network growth")
    db = Path(outdir) / "history.db"
    db.unlink(missing_ok=True)
    history = MeetingHistory(db)
    rng = np.random.default_rng(seed)
    cafe = community.subset(community.ids[: min(48, len(community))])
    for k, date in enumerate(["2026-01-15", "2026-02-12", "2026-03-12"], start=1):
        plan = random_seating(cafe, history.pair_counts(cafe.ids), rng, table_size=6, rounds=2)
        history.record(plan, event=f"cafe-{k}", date=date)
    counts = history.pair_counts()
    report.text(
        f"history.db: {len(history)} welcome cafés at random tables, {len(counts)} pairs met, "
        f"{int((counts['count'] > 1).sum())} of them more than once (what novelty-aware seating avoids)."
    )
    report.table(history.events()[["event", "date", "kind", "members", "encounters"]])
    sim = simulate(community, ["random", "homophily", "novelty"], events=10, attendance=0.4, replicates=3, seed=seed)
    write_table(sim.metrics, Path(outdir) / "simulation_metrics.csv")
    summary = sim.summary()
    wide = summary.pivot(index="metric", columns="strategy", values="mean")
    shown = ["ties", "isolated", "giant", "bridging", "clustering", "repeat_share", "retention"]
    report.text(
        "Simulated growth of this community over 10 events (3 replicates each; mean after the last event; "
        "metrics per event in simulation_metrics.csv):"
    )
    report.table(wide.loc[shown, ["random", "homophily", "novelty"]].round(3).reset_index())
    fig = sim.plot(["ties", "isolated", "bridging"])
    report.figure(fig, alt="network growth by strategy")
    plt.close(fig)
