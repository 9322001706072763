"""Help squads: gather the right helpers around one member's problem (or several at once).

A problem is a list of needs: a member's own ``needs``, or a free list of skills. A squad
is ``k`` helpers chosen to

1. cover as many of the needs as possible (weight :data:`COVER` per need covered),
2. then be diverse (one point per distinct value of each ``spread`` attribute), be
   relevant (one point per helper who covers at least one need) and bring new contacts
   (one point per helper who never met the asker).

A per-helper load cap excludes helpers who already helped too often in the period (from
``load`` or the meeting history's attendance since a date). In batch mode, each helper
joins at most one squad.

Exact: helpers who are interchangeable for the objective (same skills among the needs,
same spread values, same "met the asker" flags) are grouped into types, and CP-SAT
chooses how many of each type join each squad; its proven bound is the plan's bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.model.labels import normalize_label
from matchmaking.plans.plan import Plan
from matchmaking.scoring.pairs_file import history_counts
from matchmaking.solvers.control import check_seed, check_time_limit

__all__ = ["help_squad", "skills_in_text", "COVER"]

COVER = 100  # points per need covered: coverage first, always
ProblemSpec = str | Sequence[str] | Mapping[str, Sequence[str]]


def help_squad(
    community: Community,
    problems: ProblemSpec,
    *,
    k: int = 5,
    skills: Sequence[str] | None = None,
    spread: Sequence[str] | None = None,
    history: object = None,
    load: Mapping[str, float] | None = None,
    load_cap: float | None = None,
    since: str | None = None,
    exclude: Sequence[str] = (),
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 1,
) -> Plan:
    """Choose ``k`` helpers per problem who cover its needs, are diverse and new to the asker.

    Parameters
    ----------
    community : Community
        The members.
    problems : str, list of str or dict
        A member id (their ``needs``), a list of member ids (batch: one squad each, a
        helper in at most one squad), or ``{name: [skills]}`` free problems (a name that
        is a member id makes that member the asker). A free problem may also be a question
        in words, ``{"q12": "How do I price my SEO offer?"}``: the skills it names are the
        needs (see :func:`skills_in_text`), to tag the right experts under a question.
    k : int
        Helpers per squad.
    skills : list of str, optional
        With a single member id: the skills to cover instead of their ``needs``.
    spread : list of str, optional
        Attributes to diversify (default: ``sector`` when present).
    history : DataFrame or MeetingHistory, optional
        Who met whom (novelty), and, with ``attendance()``, each helper's load.
    load : dict, optional
        Member -> sessions already done in the period (overrides the history).
    load_cap : float, optional
        Helpers whose load is at or above the cap are not asked.
    since : str, optional
        Start of the period (ISO date) when the load comes from the history.
    exclude : list of str
        Members not to ask.
    time_limit : float
        Seconds for CP-SAT.
    seed : int
        Random seed (CP-SAT and the choice among interchangeable helpers).
    workers : int
        CP-SAT search workers (1 keeps runs reproducible).

    Returns
    -------
    Plan
        Kind ``cohorts``: ``cohort`` is the squad number, members are the asker (when any)
        and the helpers. ``extras["squads"]`` has ``squad, problem, member, role, covers,
        reason``; ``extras["uncovered"]`` the needs nobody eligible offers, per problem.

    Examples
    --------
    >>> import pandas as pd
    >>> import matchmaking as mm
    >>> c = mm.Community.from_frame(pd.DataFrame({
    ...     "id": ["ana", "ben", "cy", "dee", "eve"],
    ...     "offers": ["", "seo", "seo; pricing", "pricing", "branding"],
    ...     "needs": ["seo; pricing; legal", "", "", "", ""],
    ...     "sector": ["art", "art", "crafts", "crafts", "crafts"]}))
    >>> plan = mm.help_squad(c, "ana", k=2)
    >>> plan.status, sorted(plan.assignments["member"])
    ('optimal', ['ana', 'ben', 'cy'])
    >>> plan.extras["uncovered"]
    {'ana': ['legal']}
    """
    t0 = time.perf_counter()
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(f"k must be a whole number >= 1, not {k!r}", column="k")
    time_limit = check_time_limit(time_limit)
    seed = check_seed(seed)
    if load_cap is not None and not (isinstance(load_cap, (int, float)) and 0 <= load_cap < math.inf):
        raise InputError(f"load cap must be a number >= 0, not {load_cap!r}", column="load_cap")
    since = _since(since)
    specs = _problems(community, problems, skills)
    if spread is None:
        spread = [a for a in ("sector",) if a in community.attributes]
    for a in spread:
        if a not in community.attributes:
            raise ValueError(f"spread names no attribute {a!r}; attributes are {community.attributes}")
    for m in exclude:
        if m not in community:
            raise KeyError(f"unknown member {m!r} in exclude")
    members = community.members
    askers = {asker for _, asker, _ in specs if asker is not None}
    loads = _loads(community, history, load, since)
    excluded = askers | set(exclude)
    eligible = [m for m in community.ids if m not in excluded]
    notes: list[str] = []
    if load_cap is not None:
        busy = [m for m in eligible if loads.get(m, 0.0) >= load_cap]
        if busy:
            notes.append(f"{len(busy)} helper(s) left out: load at or above the cap of {load_cap:g}")
        eligible = [m for m in eligible if loads.get(m, 0.0) < load_cap]

    needs_all = sorted({s for _, _, needs in specs for s in needs})
    offered = {m: set(members.at[m, "offers"]).intersection(needs_all) for m in eligible}
    met = _met_sets(community, history, [a for _, a, _ in specs])
    # types of interchangeable helpers
    types: dict[tuple, list[str]] = {}
    for m in eligible:
        sig = (
            tuple(sorted(offered[m])),
            tuple(_value(members.at[m, a]) for a in spread),
            tuple(asker is not None and m in met.get(asker, set()) for _, asker, _ in specs),
        )
        types.setdefault(sig, []).append(m)
    sigs = sorted(types)

    model = cp_model.CpModel()
    P = len(specs)
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for p in range(P):
        for t, sig in enumerate(sigs):
            x[p, t] = model.new_int_var(0, min(k, len(types[sig])), f"x{p}_{t}")
    if P > 1:
        for t, sig in enumerate(sigs):
            model.add(sum(x[p, t] for p in range(P)) <= len(types[sig]))
    sizes = _squad_sizes(len(eligible), k, P)
    if sum(sizes) < P * k:
        notes.append(f"only {len(eligible)} eligible helper(s) for {P} squad(s) of {k}")
    terms = []
    links: list[tuple[cp_model.IntVar, int, list[int]]] = []  # (y or z, problem, types that set it)
    uncovered: dict[str, list[str]] = {}
    for p, (name, asker, needs) in enumerate(specs):
        model.add(sum(x[p, t] for t in range(len(sigs))) == sizes[p])
        for s in needs:
            holders = [t for t, sig in enumerate(sigs) if s in sig[0]]
            if not holders:
                uncovered.setdefault(name, []).append(s)
                continue
            y = model.new_bool_var(f"y{p}_{s}")
            model.add(sum(x[p, t] for t in holders) >= 1).only_enforce_if(y)
            links.append((y, p, holders))
            terms.append(COVER * y)
        for ai in range(len(spread)):
            values = sorted({sig[1][ai] for sig in sigs if sig[1][ai] is not None})
            for v in values:
                z = model.new_bool_var(f"z{p}_{ai}_{v}")
                with_v = [t for t, sig in enumerate(sigs) if sig[1][ai] == v]
                model.add(sum(x[p, t] for t in with_v) >= 1).only_enforce_if(z)
                links.append((z, p, with_v))
                terms.append(z)
        # helpers who cover at least one need, then new contacts: one point each
        terms.append(sum(x[p, t] for t, sig in enumerate(sigs) if set(sig[0]).intersection(needs)))
        if asker is not None:
            terms.append(sum(x[p, t] for t, sig in enumerate(sigs) if not sig[2][p]))
    model.maximize(sum(terms))
    hint = _greedy_hint(specs, sigs, types, sizes)
    for key, var in x.items():
        model.add_hint(var, hint.get(key, 0))
    for var, p, ts in links:
        model.add_hint(var, any(hint.get((p, t), 0) for t in ts))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = max(1, int(workers))
    solver.parameters.random_seed = int(seed)
    solver.parameters.linearization_level = 2  # the LP of the covering part closes these models fast
    code = solver.solve(model)
    solved = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    status = "optimal" if code == cp_model.OPTIMAL else "feasible"
    if not solved:  # no solution in the time given: keep the greedy start (the bound still holds)
        notes.append(f"CP-SAT found no better solution in {time_limit:g}s; the greedy start is returned")
    start = _hint_value(specs, sigs, hint, spread)
    if solved and solver.objective_value < start:  # never worse than the greedy start
        solved = False
    count = {key: (int(solver.value(var)) if solved else hint.get(key, 0)) for key, var in x.items()}
    if code == cp_model.UNKNOWN:  # no proven bound from CP-SAT: each term at its most
        best_bound = sum(COVER * (len(needs) - len(uncovered.get(name, []))) + 2 * sizes[p]
                         + sum(min(sizes[p], len({sig[1][a] for sig in sigs} - {None})) for a in range(len(spread)))
                         for p, (name, _, needs) in enumerate(specs))
    else:
        best_bound = solver.best_objective_bound

    rng = np.random.default_rng(seed)
    rows = []
    covered = 0
    pool = {sig: _order(types[sig], loads, rng) for sig in sigs}
    for p, (name, asker, needs) in enumerate(specs):
        squad = p + 1
        if asker is not None:
            rows.append({"squad": squad, "problem": name, "member": asker, "role": "asker",
                         "covers": "", "reason": "asked for help with " + ", ".join(needs)})
        chosen = []
        for t, sig in enumerate(sigs):
            for _ in range(count[p, t]):
                chosen.append(pool[sig].pop(0))
        for m in chosen:
            covers = sorted(offered[m].intersection(needs))
            rows.append({"squad": squad, "problem": name, "member": m, "role": "helper",
                         "covers": "; ".join(covers),
                         "reason": _reason(community, m, covers, asker, met, spread)})
        got = {s for m in chosen for s in offered[m]}
        covered += len(got.intersection(needs))
        missed = [s for s in needs if s not in got and s not in uncovered.get(name, [])]
        if missed:
            notes.append(f"{name}: {', '.join(missed)} offered, but not by a free helper (k or other squads)")
        if name in uncovered:
            notes.append(f"{name}: nobody offers {', '.join(uncovered[name])}")
    squads = pd.DataFrame(rows, columns=["squad", "problem", "member", "role", "covers", "reason"])
    assignments = squads.rename(columns={"squad": "cohort"})[["cohort", "member"]]
    objective = float(solver.objective_value) if solved else start
    bound = float(best_bound)
    breakdown = {"needs_covered": float(covered), "needs_total": float(sum(len(n) for _, _, n in specs)),
                 "total": objective}
    return Plan(
        "cohorts", assignments, objective=objective, bound=max(bound, objective), status=status,
        time=time.perf_counter() - t0, method="cp-sat (helper types)", breakdown=breakdown, notes=notes,
        extras={"squads": squads, "uncovered": uncovered, "types": len(sigs), "eligible": len(eligible),
                "loads": loads},
        explainer=_explain,
    )


def _greedy_hint(specs: list, sigs: list[tuple], types: dict[tuple, list[str]], sizes: list[int]) -> dict:
    """A feasible start: per problem, types covering the most uncovered needs, then any free type."""
    free = {t: len(types[sig]) for t, sig in enumerate(sigs)}
    out: dict[tuple[int, int], int] = {}
    for p, (_, _, needs) in enumerate(specs):
        left = set(needs)
        for _ in range(sizes[p]):
            avail = [t for t in free if free[t] > 0]
            if not avail:
                break
            t = max(avail, key=lambda t: (len(left.intersection(sigs[t][0])), -t))
            left -= set(sigs[t][0])
            free[t] -= 1
            out[p, t] = out.get((p, t), 0) + 1
    return out


def _hint_value(specs: list, sigs: list[tuple], count: dict[tuple[int, int], int], spread: Sequence[str]) -> float:
    """The model's objective for given type counts (used when CP-SAT returns no solution)."""
    total = 0.0
    for p, (_, asker, needs) in enumerate(specs):
        used = [t for t in range(len(sigs)) if count.get((p, t), 0)]
        offered = {s for t in used for s in sigs[t][0]}
        total += COVER * len(offered.intersection(needs))
        total += sum(len({sigs[t][1][a] for t in used} - {None}) for a in range(len(spread)))
        total += sum(count[p, t] for t in used if set(sigs[t][0]).intersection(needs))
        if asker is not None:
            total += sum(count[p, t] for t in used if not sigs[t][2][p])
    return total


def _problems(community: Community, problems: ProblemSpec, skills: Sequence[str] | None) -> list[tuple[str, str | None, list[str]]]:
    """Normalise the problem spec to ``(name, asker or None, canonical needs)``."""
    canon = community.skill_labels.canonical

    def labels(items: Sequence[str]) -> list[str]:
        out: list[str] = []
        for s in items:
            c = canon(s)
            if c and c not in out:
                out.append(c)
        return out

    known = set(community.skills)
    if isinstance(problems, str):
        problems = [problems]
    out = []
    if isinstance(problems, Mapping):
        for name, items in problems.items():
            if isinstance(items, str):
                items = items.split(";") if ";" in items or canon(items) in known else skills_in_text(items, community)
            out.append((str(name), str(name) if name in community else None, labels(items)))
    else:
        problems = list(problems)
        if skills is not None and len(problems) != 1:
            raise ValueError("skills= goes with a single member; use {name: [skills]} for several")
        for m in problems:
            if m not in community:
                raise KeyError(f"unknown member {m!r}")
            needs = labels(skills) if skills is not None else list(community.members.at[m, "needs"])
            out.append((m, m, needs))
    if not out:
        raise ValueError("no problem given")
    names = [n for n, _, _ in out]
    if len(set(names)) != len(names):
        raise ValueError("a problem is listed twice")
    for name, _, needs in out:
        if not needs:
            raise ValueError(f"problem {name!r} has no needs to cover")
    return out


def skills_in_text(text: str, community: Community) -> list[str]:
    """The known skills a free-text question names (whole words, any spelling of the label).

    Examples
    --------
    >>> import pandas as pd
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a"], "offers": ["SEO; pricing; social media"]}))
    >>> skills_in_text("How do I set my pricing and my S.E.O. for Social-Media?", c)
    ['pricing', 'seo', 'social media']
    """
    key = f" {normalize_label(text)} "
    found = [(key.find(f" {label} "), label) for label in community.skills if f" {label} " in key]
    return [label for _, label in sorted(found)]


def _since(since: object) -> str | None:
    """The start of the load period as an ISO date (``2026-6-1`` -> ``2026-06-01``), or InputError.

    >>> _since("2026-6-1")
    '2026-06-01'
    """
    if since is None:
        return None
    stamp = pd.to_datetime(str(since).strip(), errors="coerce", format="mixed")
    if pd.isna(stamp):
        raise InputError(f"since {since!r} is not a date (write YYYY-MM-DD)", column="since")
    return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()


def _loads(community: Community, history: object, load: Mapping[str, float] | None, since: str | None) -> dict[str, float]:
    """Sessions each member already did in the period: ``load``, else the history's attendance."""
    if load is not None:
        return {str(m): float(v) for m, v in load.items()}
    if history is not None and hasattr(history, "attendance"):
        att = history.attendance()
        if since is not None and "date" in att:
            att = att[att["date"].fillna("") >= str(since)]
        return att.groupby("member")["event"].nunique().astype(float).to_dict()
    return {}


def _met_sets(community: Community, history: object, askers: list[str | None]) -> dict[str, set[str]]:
    if history is None:
        return {}
    met = history_counts(history, community)
    out: dict[str, set[str]] = {}
    want = {a for a in askers if a is not None}
    for a, b in zip(met["a"], met["b"], strict=True):
        if a in want:
            out.setdefault(a, set()).add(b)
        if b in want:
            out.setdefault(b, set()).add(a)
    return out


def _value(v: object) -> object:
    return None if pd.isna(v) else str(v)  # type: ignore[call-overload]


def _squad_sizes(n_eligible: int, k: int, P: int) -> list[int]:
    """Squad sizes: ``k`` each while helpers last (earlier problems first)."""
    out, left = [], n_eligible
    for _ in range(P):
        s = min(k, left)
        out.append(s)
        left -= s
    return out


def _order(ms: list[str], loads: Mapping[str, float], rng: np.random.Generator) -> list[str]:
    """Interchangeable helpers, least loaded first, ties broken by the seed."""
    tie = rng.random(len(ms))
    return [ms[i] for i in np.lexsort((tie, [loads.get(m, 0.0) for m in ms]))]


def _reason(community: Community, m: str, covers: list[str], asker: str | None,
            met: Mapping[str, set[str]], spread: Sequence[str]) -> str:
    parts = []
    if covers:
        parts.append("offers " + ", ".join(covers))
    else:
        parts.append("covers no need, brings another view")
    for a in spread:
        v = community.members.at[m, a]
        if not pd.isna(v):
            parts.append(f"{a} {v}")
    if asker is not None:
        parts.append("already met " + asker if m in met.get(asker, set()) else "new contact")
    return "; ".join(parts)


def _explain(plan: Plan, member: str) -> str:
    squads = plan.extras["squads"]
    rows = squads[squads["member"] == member]
    if rows.empty and member in set(squads["problem"]):
        squad = squads[squads["problem"] == member]
        return _squad_lines(plan, squad, f"{member}: squad {squad['squad'].iloc[0]}", member)
    if rows.empty:
        return f"{member} is not in a squad"
    r = rows.iloc[0]
    if r["role"] == "asker":
        squad = squads[squads["squad"] == r["squad"]]
        return _squad_lines(plan, squad, f"{member}: squad {r['squad']}, {r['reason']}", r["problem"])
    return f"{member} helps {r['problem']} (squad {r['squad']}): {r['reason']}"


def _squad_lines(plan: Plan, squad: pd.DataFrame, head: str, problem: str) -> str:
    """A squad in words: ``head``, a line per helper, the needs nobody offers."""
    lines = [head] + [f"  {h.member}: {h.reason}" for h in squad.itertuples() if h.role == "helper"]
    missing = plan.extras["uncovered"].get(problem)
    if missing:
        lines.append("  nobody offers " + ", ".join(missing))
    return "\n".join(lines)

