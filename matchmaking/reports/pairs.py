"""The documents of a pairings plan: a summary, who meets whom in each round, and each member's partners."""

from __future__ import annotations

import pandas as pd

from matchmaking.reports import plots
from matchmaking.reports.context import PlanContext
from matchmaking.reports.render import Document
from matchmaking.reports.words import count, join, plan_problems, range_words, record_line, respell
from matchmaking.scoring.objective import co_groupings

#: Rounds shown as columns of the per-member table; more rounds go in one cell.
WIDE_ROUNDS = 4


def pairs_documents(ctx: PlanContext) -> list[Document]:
    """Summary, the groups of each round (with why) and, per member, whom they meet in each round."""
    a = ctx.plan.assignments.astype({"member": str})
    names = ctx.names
    groups = {(int(r), int(g)): sorted(grp["member"], key=lambda m: (names[m].casefold(), m))
              for (r, g), grp in a.groupby(["round", "group"], sort=True)}
    rounds = sorted({r for r, _ in groups})
    why = {key: _why(ctx, who) for key, who in groups.items()}
    return [_summary(ctx, groups, rounds, why), _by_round(ctx, groups, rounds, why), _by_member(ctx, groups, rounds)]


def _why(ctx: PlanContext, who: list[str]) -> str:
    if len(who) < 2:
        return ""
    names = [ctx.names[m] for m in who[:2]]
    reasons = [respell(r, ctx.community.spelling, names) for r in ctx.affinity.explain(who[0], who[1])]
    return "; ".join([r for r in reasons if r != "new contact"][:2])


def _summary(ctx: PlanContext, groups: dict, rounds: list[int], why: dict) -> Document:
    a = ctx.plan.assignments.astype({"member": str})
    members = a["member"].unique()
    sizes = pd.Series([len(w) for w in groups.values()])
    pairs = co_groupings(a, ["round", "group"])
    again = int(pairs.duplicated(["a", "b"]).sum()) if len(pairs) else 0
    trios = int((sizes == 3).sum())
    lines = [f"{count(len(members), 'member')} in {count(int((sizes == 2).sum()), 'pair')}"
             + (f" and {count(trios, 'trio')}" if trios else "") + f" over {count(len(rounds), 'round')}."]
    if len(rounds) > 1:
        partners = pairs.drop_duplicates(["a", "b"])
        met = pd.concat([partners["a"], partners["b"]]).value_counts().reindex(members, fill_value=0)
        lines.append(range_words(met.tolist(), "Each member meets", "different people"))
        lines.append("Nobody meets the same person twice." if not again else
                     f"{count(again, 'repeated encounter')}: two people meet again in a later round.")
    reasoned = sum(bool(w) for w in why.values())
    lines.append(f"{reasoned} of the {len(groups)} groups have a reason to meet beyond novelty "
                 "(a skill one offers and another needs, a shared goal...).")
    if ctx.color_by:
        mixed = sum(len({ctx.values.get(m) for m in who}) > 1 for who in groups.values())
        lines.append(f"{mixed} of the {len(groups)} groups bring together people of different {ctx.color_by}.")
    sitting_out = [r for r in rounds if (a["round"] == r).sum() < len(members)]
    if sitting_out:
        lines.append("Some members sit out round " + join(str(r) for r in sitting_out) + " (snoozed or odd counts).")
    problems = plan_problems(ctx.plan)
    lines.append("Every request holds." if not problems else
                 f"{count(len(problems), 'request')} do not hold: " + "; ".join(problems[:5]) + ".")
    kinds = {"skill match": 0, "shared goal": 0, "other reason": 0, "new contact only": 0}
    for w in why.values():
        key = ("skill match" if "offers" in w else "shared goal" if "shared goal" in w else
               "other reason" if w else "new contact only")
        kinds[key] += 1
    figures = [{"src": plots.bars(kinds, title="Why groups meet", ylabel="groups",
                                  colors=("#009E73", "#0072B2", "#E69F00", "#BBBBBB")),
                "alt": "groups by their main reason to meet"}]
    if len(rounds) > 1:
        figures.append({"src": plots.histogram(met.to_numpy(), title="Different people met", xlabel="people",
                                               ylabel="members"), "alt": "different people each member meets"})
    return Document("summary.html.j2", "Pairings: summary", {
        "lines": lines, "figures": figures, "notes": list(ctx.plan.notes), "record": record_line(ctx.plan)})


def _by_round(ctx: PlanContext, groups: dict, rounds: list[int], why: dict) -> Document:
    pages = []
    for r in rounds:
        rows = [{"group": g, "members": [ctx.names[m] for m in who], "why": why[(rr, g)]}
                for (rr, g), who in groups.items() if rr == r]
        pages.append({"round": r, "rows": rows})
    return Document("pairs_rounds.html.j2", "Pairings: who meets whom, round by round", {"pages": pages}, items="pages", cost=3.0)


def _by_member(ctx: PlanContext, groups: dict, rounds: list[int]) -> Document:
    names = ctx.names
    partners: dict[str, dict[int, list[str]]] = {}
    for (r, _), who in groups.items():
        for m in who:
            partners.setdefault(m, {})[r] = [names[o] for o in who if o != m]
    rows = [{"name": ctx.headings[m], "rounds": [join(partners[m].get(r, [])) or "—" for r in rounds]}
            for m in sorted(partners, key=lambda m: (names[m].casefold(), m))]
    return Document("pairs_members.html.j2", "Pairings: each member's partners", {
        "rows": rows, "rounds": rounds, "wide": len(rounds) <= WIDE_ROUNDS})
