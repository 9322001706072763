"""The demo: the whole workbench on the shipped demo community, written to ``reports/demo/``.

Each section is a function ``section(community, report, outdir, seed)`` that adds to the
HTML report, may write files into ``outdir`` and may attach room-ready documents to
``report.documents``; :func:`run_demo` prints those in ``room.pdf`` (and ``room.html``).
Sections are listed in :data:`SECTIONS` (a dotted path each), so the demo grows with the
workbench; they live in ``reports/`` and call the public entry points.
"""

from __future__ import annotations

import importlib
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import pandas as pd  # noqa: E402

from matchmaking.datasets import demo_community  # noqa: E402
from matchmaking.model.community import Community  # noqa: E402
from matchmaking.model.io import write_table  # noqa: E402
from matchmaking.reports.html import Report  # noqa: E402
from matchmaking.reports.render import documents_pdf, render_documents, write_all  # noqa: E402
from matchmaking.scoring.affinity import affinity  # noqa: E402

SECTIONS: list[str] = [
    "matchmaking.reports.demo:community_section",
    "matchmaking.reports.demo:directory_section",
    "matchmaking.reports.demo:affinity_section",
    "matchmaking.reports.demo_plans:cohorts_section",
    "matchmaking.reports.demo_plans:seating_section",
    "matchmaking.research.report:research_section",
    "matchmaking.reports.demo_plans:pairings_section",
]


def community_section(community: Community, report: Report, outdir: Path, seed: int) -> None:
    """Who is in the community, its labels and its graph."""
    report.heading("The community")
    report.pre(community.summary())
    g = community.graph
    kinds = pd.Series(dict(g.nodes(data="kind"))).value_counts()
    report.text(
        f"Graph: {g.number_of_nodes()} nodes ({', '.join(f'{v} {k}' for k, v in kinds.items())}), "
        f"{g.number_of_edges()} edges."
    )
    labels = community.label_report()
    report.text(f"Label review: {len(labels)} merged spellings or look-alike labels (labels.csv).")
    report.table(labels, max_rows=15)
    write_table(labels, outdir / "labels.csv")


def directory_section(community: Community, report: Report, outdir: Path, seed: int) -> None:
    """The directory: who can help with a skill, who can help a member."""
    report.heading("Directory")
    needed = pd.Series([s for labels in community.members["needs"] for s in labels]).value_counts()
    topic = str(needed.index[0]) if len(needed) else "seo"
    report.text(f"Who can help with {topic!r} (the most needed skill)?")
    report.table(community.who_can_help(topic, limit=8))
    member = community.ids[0]
    report.text(f"Who can help {community.members.loc[member, 'name']} ({member})?")
    report.table(community.helpers_for(member, limit=8).drop(columns=["covers", "shared_goals"]))


def affinity_section(community: Community, report: Report, outdir: Path, seed: int) -> None:
    """Affinity scores: the best pairs and the score distribution."""
    report.heading("Affinity")
    similar = {"city": 0.5} if "city" in community.attributes else {}
    aff = affinity(community, similar=similar)
    report.text(f"Terms and weights: {aff.weights}")
    top = aff.top_pairs(3).sort_values("score", ascending=False).head(15)
    top["why"] = [", ".join(aff.explain(a, b)) for a, b in zip(top["a"], top["b"], strict=True)]
    report.table(top)
    write_table(aff.top_pairs(5), outdir / "top_pairs.csv")
    m = aff.matrix()
    fig, ax = plt.subplots(1, 2, figsize=(9, 3))
    ax[0].hist(m.data, bins=20, color="#557")
    ax[0].set(title="pair scores (nonzero)", xlabel="score", ylabel="pairs")
    mg = community.member_graph()
    degrees = [d for _, d in mg.degree()]
    ax[1].hist(degrees, bins=20, color="#755")
    ax[1].set(title="who could help whom: degree", xlabel="members one can help or be helped by")
    report.figure(fig, alt="affinity distributions")
    plt.close(fig)
    report.text(
        f"Complementarity graph: {mg.number_of_edges()} pairs, "
        f"{nx.number_connected_components(mg)} component(s)."
    )


def run_demo(outdir: str | os.PathLike = "reports/demo", *, seed: int = 0) -> Path:
    """Run every demo section on the demo community; returns the path of ``index.html``.

    Beside it: ``room.pdf`` (and ``room.html``), the documents to print for the demo event
    and the cohorts: room charts, table cards, itineraries, rosters; and the exports.

    Examples
    --------
    >>> path = run_demo("reports/demo")  # doctest: +SKIP
    >>> path.name  # doctest: +SKIP
    'index.html'
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    community = demo_community()
    report = Report("Matchmaking workbench: demo community")
    report.link("room.pdf: what to print for the room", "room.pdf",
                note="room charts, table cards and itineraries of the demo event, and the cohort rosters "
                "(room.html is the same on screen)")
    timings = []
    for dotted in SECTIONS:
        module_name, func_name = dotted.split(":")
        section = getattr(importlib.import_module(module_name), func_name)
        t0 = time.perf_counter()
        section(community, report, outdir, seed)
        timings.append((func_name, time.perf_counter() - t0))
    t0 = time.perf_counter()
    title = "Demo: the room-ready documents"
    room = {outdir / "room.html": render_documents(report.documents, title=title, links=[("PDF", "room.pdf")]),
            outdir / "room.pdf": documents_pdf(report.documents, title=title)}
    timings.append(("room.pdf", time.perf_counter() - t0))
    report.text("Sections: " + ", ".join(f"{n} ({t:.1f}s)" for n, t in timings), note=True)
    write_all(room)
    return report.write(outdir / "index.html")
