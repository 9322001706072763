"""The cohorts section of the demo report (kept until the demo is rebuilt in ``reports/``)."""

from __future__ import annotations

from matchmaking.model.community import Community


def demo_section(community: Community, report: object, outdir: object, seed: int) -> None:
    """Demo report section: cohorts by city with sectors spread, and a help squad (writes cohorts.csv)."""
    from pathlib import Path

    from matchmaking.model.io import write_table
    from matchmaking.solvers.squads import help_squad

    attrs = community.attributes
    rules: dict[str, object] = {"size": "8-12"}
    if "city" in attrs:
        rules["similar"] = ["city"]
    if "sector" in attrs:
        rules["spread"] = ["sector"]
    if "role" in attrs:
        rules["leaders"] = "role=lead"
    report.heading("Cohorts")  # type: ignore[attr-defined]
    report.text(  # type: ignore[attr-defined]
        f"Rules: {rules}. Each city is an independent block; the bound is proven. (Gender is not protected "
        "here: several demo cities have a single man or nonbinary member, which the solver would report.)"
    )
    from matchmaking.solvers.cohorts import form_cohorts

    plan = form_cohorts(community, seed=seed, time_limit=15.0, **rules)  # type: ignore[arg-type]
    report.pre(plan.summary())  # type: ignore[attr-defined]
    table = plan.assignments.merge(community.members, left_on="member", right_index=True)
    agg: dict[str, tuple[str, object]] = {"members": ("member", "size")}
    for col, how in (("city", "first"), ("sector", "nunique"), ("seniority", "mean")):
        if col in table:
            agg[col if col != "sector" else "sectors"] = (col, how)
    overview = table.groupby("cohort").agg(**agg).reset_index()
    if "seniority" in overview:
        overview["seniority"] = overview["seniority"].round(1)
    report.table(overview, max_rows=30)  # type: ignore[attr-defined]
    member = plan.assignments["member"].iloc[0]
    report.text("Why " + plan.explain(member))  # type: ignore[attr-defined]
    write_table(plan.assignments, Path(str(outdir)) / "cohorts.csv")
    asker = next((m for m, needs in zip(community.ids, community.members["needs"], strict=True) if needs), None)
    if asker is not None:
        squad = help_squad(community, asker, k=5, seed=seed)
        report.heading("Help squad")  # type: ignore[attr-defined]
        report.pre(squad.explain(asker))  # type: ignore[attr-defined]
        write_table(squad.extras["squads"], Path(str(outdir)) / "squad.csv")
