"""The squads in words: who helps with what and why, and which needs nobody offers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.solvers.squads.model import SquadModel

COLUMNS = ["squad", "problem", "member", "role", "covers", "reason"]


def squad_table(model: SquadModel, counts: dict[tuple[int, int], int], community: Community,
                offered: Mapping[str, set[str]], met: Mapping[str, set[str]], spread: Sequence[str],
                loads: Mapping[str, float], uncovered: Mapping[str, list[str]], seed: int,
                notes: list[str]) -> pd.DataFrame:
    """``squad, problem, member, role, covers, reason``: the helpers of each type chosen in turn
    (least loaded first, ties by the seed); notes the needs left uncovered."""
    rng = np.random.default_rng(seed)
    pool = {sig: order(model.types[sig], loads, rng) for sig in model.sigs}
    rows = []
    for p, (name, asker, needs) in enumerate(model.specs):
        squad = p + 1
        if asker is not None:
            rows.append({"squad": squad, "problem": name, "member": asker, "role": "asker",
                         "covers": "", "reason": "asked for help with " + ", ".join(needs)})
        chosen = [pool[sig].pop(0) for t, sig in enumerate(model.sigs) for _ in range(counts.get((p, t), 0))]
        for m in chosen:
            covers = sorted(offered[m].intersection(needs))
            rows.append({"squad": squad, "problem": name, "member": m, "role": "helper", "covers": "; ".join(covers),
                         "reason": reason(community, m, covers, asker, met, spread)})
        got = {s for m in chosen for s in offered[m]}
        missed = [s for s in needs if s not in got and s not in uncovered.get(name, [])]
        if missed:
            notes.append(f"{name}: {', '.join(missed)} offered, but not by a free helper (k or other squads)")
        if name in uncovered:
            notes.append(f"{name}: nobody offers {', '.join(uncovered[name])}")
    return pd.DataFrame(rows, columns=COLUMNS)


def order(ms: list[str], loads: Mapping[str, float], rng: np.random.Generator) -> list[str]:
    """Interchangeable helpers, least loaded first, ties broken by the seed."""
    tie = rng.random(len(ms))
    return [ms[i] for i in np.lexsort((tie, [loads.get(m, 0.0) for m in ms]))]


def reason(community: Community, m: str, covers: list[str], asker: str | None,
           met: Mapping[str, set[str]], spread: Sequence[str]) -> str:
    """Why a helper is in a squad, in words."""
    parts = ["offers " + ", ".join(covers) if covers else "covers no need, brings another view"]
    for a in spread:
        v = community.members.at[m, a]
        if not pd.isna(v):
            parts.append(f"{a} {v}")
    if asker is not None:
        parts.append("already met " + asker if m in met.get(asker, set()) else "new contact")
    return "; ".join(parts)


def explain_squad(plan: Plan, member: str) -> str:
    """A member's squad in words (an asker or a problem: the whole squad)."""
    squads = plan.extras["squads"]
    rows = squads[squads["member"] == member]
    if rows.empty and member in set(squads["problem"]):
        squad = squads[squads["problem"] == member]
        return squad_lines(plan, squad, f"{member}: squad {squad['squad'].iloc[0]}", member)
    if rows.empty:
        return f"{member} is not in a squad"
    r = rows.iloc[0]
    if r["role"] == "asker":
        squad = squads[squads["squad"] == r["squad"]]
        return squad_lines(plan, squad, f"{member}: squad {r['squad']}, {r['reason']}", r["problem"])
    return f"{member} helps {r['problem']} (squad {r['squad']}): {r['reason']}"


def squad_lines(plan: Plan, squad: pd.DataFrame, head: str, problem: str) -> str:
    """A squad in words: ``head``, a line per helper, the needs nobody offers."""
    lines = [head] + [f"  {h.member}: {h.reason}" for h in squad.itertuples() if h.role == "helper"]
    missing = plan.extras["uncovered"].get(problem)
    if missing:
        lines.append("  nobody offers " + ", ".join(missing))
    return "\n".join(lines)
