"""Rendering the room-ready documents: a 300-attendee, 4-round event, every document (target: under 20 s).

Prints the standard table (objective, bound and gap do not apply: "n/a") with the pages of each
PDF. The plan is solved first, outside the measurements (a fixed effort). Peak memory is the
RSS growth of this process (the 2 PDF layout processes are forked copies of it); ``cpu_s`` is the CPU
time of this process and of the layout processes. ``--quick``: 60 attendees, 2 rounds.

    python benchmarks/bench_reports.py [--quick]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import measure, print_table  # noqa: E402

import matchmaking as mm  # noqa: E402
from matchmaking.reports import write_report  # noqa: E402
from matchmaking.reports.build import plan_documents  # noqa: E402
from matchmaking.reports.context import plan_context, select  # noqa: E402
from matchmaking.reports.exports import csv_bytes, export_frame, xlsx_bytes  # noqa: E402
from matchmaking.reports.render import documents_pdf, render_documents  # noqa: E402

TARGET_S = 20.0


def pages(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the PDF layout processes)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: object) -> tuple[object, float, float, float]:
    """``measure`` plus the CPU seconds spent (less sensitive than the clock to a busy machine)."""
    start = cpu_seconds()
    result, seconds, peak = measure(fn)  # type: ignore[arg-type]
    return result, seconds, peak, cpu_seconds() - start


def seating_rows(quick: bool) -> list[dict]:
    event = mm.datasets.demo_event()
    n, tables, rounds = (60, 6, 2) if quick else (300, 30, 4)
    if quick:
        event = event.subset(event.ids[:n])
    hosts = select(event, "role=lead")[:tables]
    plan = mm.seat(event, tables=tables, table_size=10, rounds=rounds, hosts=hosts, spread=["sector"],
                   time_limit=30, seed=0, iterations=300_000)
    name = f"event_{n} / {tables}x10 / {rounds} rounds"
    rows = []

    def row(method: str, fn: object, **extra: object) -> object:
        result, seconds, peak, cpu = timed(fn)
        rows.append({"instance": name, "method": method, "objective": "n/a", "bound": "n/a", "gap": "n/a",
                     "time_s": seconds, "peak_mb": peak, "cpu_s": cpu, **extra})
        return result

    def documents() -> tuple:
        ctx = plan_context(plan, event, hosts=hosts, color_by="sector")
        return ctx, plan_documents(ctx)

    ctx, docs = row("documents: words, plots, chart layout", documents)
    row("HTML (index.html)", lambda: render_documents(docs, title="bench"))
    pdf = row("PDF laid out by 1 process", lambda: documents_pdf(docs, title="bench", workers=1))
    rows[-1]["pages"] = pages(pdf)
    row("exports (xlsx one sheet a round, csv)", lambda: (xlsx_bytes(export_frame(ctx), "seating"),
                                                          csv_bytes(export_frame(ctx))))
    with tempfile.TemporaryDirectory() as folder:
        paths = row("all: plan.report(dir) -> index.html, seating.pdf (2 processes), seating.xlsx",
                    lambda: write_report(plan, folder, event, hosts=hosts, color_by="sector"))
        rows[-1]["pages"] = pages(Path(paths["pdf"]).read_bytes())
    return rows


def cohort_rows(quick: bool) -> list[dict]:
    community = mm.datasets.demo_community()
    plan = mm.form_cohorts(community, size="8-12", similar=["city"], spread=["sector"], leaders="role=lead",
                           time_limit=5 if quick else 15, seed=0)
    with tempfile.TemporaryDirectory() as folder:
        paths, seconds, peak, cpu = timed(lambda: write_report(plan, folder, community))
        n_pages = pages(Path(paths["pdf"]).read_bytes())
    return [{"instance": f"demo community {len(community)} / cohorts", "method": "all: summary + rosters",
             "objective": "n/a", "bound": "n/a", "gap": "n/a", "time_s": seconds, "peak_mb": peak,
             "cpu_s": cpu, "pages": n_pages}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 attendees, 2 rounds")
    args = parser.parse_args()
    rows = seating_rows(args.quick) + cohort_rows(args.quick)
    table = print_table(rows, extra=["cpu_s", "pages"])
    total = float(table.loc[table["method"].str.startswith("all: plan.report"), "time_s"].iloc[0])
    word = "met" if total < TARGET_S else "NOT met"
    print(f"\nall documents of the event in {total:.1f} s: target {TARGET_S:.0f} s {word} "
          "(wall clock; a shared machine makes it noisy)")


if __name__ == "__main__":
    main()
