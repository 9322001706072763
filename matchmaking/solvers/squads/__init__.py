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
chooses how many of each type join each squad (:mod:`~matchmaking.solvers.squads.model`);
its proven bound is the plan's bound. The plan is re-scored from its assignments
(:class:`~matchmaking.solvers.squads.check.SquadObjective`) and re-checked (``plan.check()``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from matchmaking.errors import InfeasibleError, InputError
from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.scoring.affinity import affinity
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.control import (
    Callback,
    Monitor,
    StoppingCriterion,
    check_seed,
    check_time_limit,
)
from matchmaking.solvers.squads.check import SquadChecker, SquadObjective
from matchmaking.solvers.squads.explain import explain_squad, squad_table
from matchmaking.solvers.squads.model import (
    COVER,
    SquadModel,
    cap_bound,
    greedy_hint,
    hint_value,
    request_constraints,
    solve,
)
from matchmaking.solvers.squads.problems import (
    ProblemSpec,
    check_settings,
    member_loads,
    met_sets,
    parse_since,
    read_problems,
    skills_in_text,
    squad_sizes,
    value,
)

__all__ = ["help_squad", "skills_in_text", "COVER"]


def help_squad(
    community: Community,
    problems: ProblemSpec,
    *,
    requests: Requests | object = None,
    time_limit: float = 30.0,
    seed: int = 0,
    callback: Callback | None = None,
    stop: StoppingCriterion | Iterable[StoppingCriterion] | None = None,
    client: Any = None,
    address: str | None = None,
    k: int = 5,
    skills: Sequence[str] | None = None,
    spread: Sequence[str] | None = None,
    history: object = None,
    load: Mapping[str, float] | None = None,
    load_cap: float | None = None,
    since: str | None = None,
    exclude: Sequence[str] = (),
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
    requests : Requests, path or DataFrame, optional
        ``exclude``: members not asked to help; ``apart``: never in one squad (with the asker:
        not in their squad); ``together``: in the same squad (with an asker: in their squad);
        ``pins``: member to squad number (``locked`` rows ``cohort,member`` as pins).
    time_limit : float
        Seconds for the whole solve (default 30).
    seed : int
        Random seed (CP-SAT and the choice among interchangeable helpers).
    callback : callable, optional
        Called with a :class:`~matchmaking.solvers.control.Progress` (``start``, ``greedy``,
        ``search`` at each solution and between, ``done``); returning False stops: the best
        squads found so far come back (the greedy start at the least).
    stop : criterion or list of criteria, optional
        Stopping criteria (:mod:`matchmaking.solvers.control`; iterations are CP-SAT solutions).
    client : dask.distributed.Client, optional
        A batch of problems is cut into as many parts as the cluster has threads, each with its
        own share of the helpers (dealt in turn by type), solved as Dask tasks; the bound is then
        each term at its most. ``address`` connects to a scheduler instead.
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
        Start of the period (a date) when the load comes from the history.
    exclude : list of str
        Alias of ``requests.exclude`` (merged into it).
    workers : int
        CP-SAT search workers (1 keeps runs reproducible).

    Returns
    -------
    Plan
        Kind ``cohorts``: ``cohort`` is the squad number, members are the asker (when any)
        and the helpers. ``extras["squads"]`` has ``squad, problem, member, role, covers,
        reason``; ``extras["uncovered"]`` the needs nobody eligible offers, per problem.

    Raises
    ------
    InputError
        Unknown members, bad settings or requests.
    InfeasibleError
        Requests that cannot all hold (a member pinned away from the squad they must join...).

    Examples
    --------
    >>> import matchmaking as mm
    >>> c = mm.Community.from_frame(pd.DataFrame({
    ...     "id": ["ana", "ben", "cy", "dee", "eve"],
    ...     "offers": ["", "seo", "seo; pricing", "pricing", "branding"],
    ...     "needs": ["seo; pricing; legal", "", "", "", ""],
    ...     "sector": ["art", "art", "crafts", "crafts", "crafts"]}))
    >>> plan = mm.help_squad(c, "ana", k=2)
    >>> plan.status, sorted(plan.assignments["member"]), plan.check()
    ('optimal', ['ana', 'ben', 'cy'], [])
    >>> plan.extras["uncovered"]
    {'ana': ['legal']}
    """
    monitor = Monitor(time_limit=check_time_limit(time_limit), stop=stop, callback=callback)
    seed = check_seed(seed)
    spread = check_settings(community, k=k, load_cap=load_cap, spread=spread, workers=workers)
    since = parse_since(since)
    specs = read_problems(community, problems, skills)
    req = _requests(requests, exclude, community, len(specs))
    if (client is not None or address is not None) and len(specs) > 1:
        from matchmaking.solvers.squads.batch import on_dask

        return on_dask(community, specs, req, monitor, client=client, address=address, seed=seed, k=k,
                       spread=spread, history=history, load=load, load_cap=load_cap, since=since, workers=workers)
    monitor.report("start", force=True)
    loads = member_loads(history, load, since)
    askers = {asker for _, asker, _ in specs if asker is not None}
    not_helping = {m: "they ask for help" for m in askers}
    not_helping.update({m: "they are excluded" for m in req.exclude if m not in askers})
    notes: list[str] = []
    if load_cap is not None:
        busy = [m for m in community.ids if m not in not_helping and loads.get(m, 0.0) >= load_cap]
        if busy:
            notes.append(f"{len(busy)} helper(s) left out: load at or above the cap of {load_cap:g}")
        not_helping.update({m: f"their load is at or above the cap of {load_cap:g}" for m in busy})
    eligible = [m for m in community.ids if m not in not_helping]
    members = community.members
    needs_all = sorted({s for _, _, needs in specs for s in needs})
    offered = {m: set(members.at[m, "offers"]).intersection(needs_all) for m in eligible}
    met = met_sets(community, history, [a for _, a, _ in specs])
    named = {m for pair in req.together + req.apart for m in pair} | {m for m, _, _ in req.pins}
    types: dict[tuple, list[str]] = {}
    for m in eligible:
        sig = (tuple(sorted(offered[m])), tuple(value(members.at[m, a]) for a in spread),
               tuple(asker is not None and m in met.get(asker, set()) for _, asker, _ in specs),
               m if m in named else "")  # a member named by a request is a type of their own
        types.setdefault(sig, []).append(m)
    sigs = sorted(types)
    sizes = squad_sizes(len(eligible), k, len(specs))
    if sum(sizes) < len(specs) * k:
        notes.append(f"only {len(eligible)} eligible helper(s) for {len(specs)} squad(s) of {k}")
    model = SquadModel(specs, sigs, types, sizes, len(spread))
    request_constraints(model, req, {sig[3]: t for t, sig in enumerate(sigs) if sig[3]})
    uncovered: dict[str, list[str]] = {}
    for name, _, needs in specs:
        missing = [s for s in needs if not any(s in sig[0] for sig in sigs)]
        if missing:
            uncovered[name] = missing
    hint = greedy_hint(model)
    start, cap = hint_value(model, hint), cap_bound(model, uncovered)
    counts, bound, status = {}, None, "unknown"
    if monitor.report("greedy", objective=start, bound=cap, force=True):
        counts, bound, status = solve(model, hint, monitor, seed=seed, workers=workers)
    if status == "infeasible":
        raise InfeasibleError("the requests cannot all hold in squads of these sizes",
                              [f"{len(req.together)} together, {len(req.apart)} apart, {len(req.pins)} pin(s)"])
    if status == "unknown" and not monitor.stopped:
        notes.append(f"CP-SAT found no better solution in {monitor.time_limit:g}s; the greedy start is returned")
    if not counts or hint_value(model, counts) < start:  # never worse than the greedy start
        counts, status = hint, "feasible" if status == "optimal" else status
    squads = squad_table(model, counts, community, offered, met, spread, loads, uncovered, seed, notes)
    return _plan(community, squads, specs, req, history, spread, met, k, not_helping, notes, monitor,
                 bound=min(cap, bound) if bound is not None else cap, proven=status == "optimal",
                 extras={"uncovered": uncovered, "types": len(sigs), "eligible": len(eligible), "loads": loads})


def _plan(community: Community, squads: pd.DataFrame, specs: list, req: Requests, history: object,
          spread: list[str], met: Mapping[str, set[str]], k: int, not_helping: Mapping[str, str], notes: list[str],
          monitor: Monitor, *, bound: float, proven: bool, extras: dict, method: str = "cp-sat (helper types)") -> Plan:
    """The squads as a plan: re-scored from the assignments, checked, with the requests kept."""
    assignments = squads.rename(columns={"squad": "cohort"})[["cohort", "member"]]
    objective = SquadObjective(affinity(community, history=history), problems=specs, spread_of=spread, met=met)
    plan = Plan.build("cohorts", assignments, objective_fn=objective, requests=req, bound=bound, proven=proven,
                      method=method, monitor=monitor, notes=notes, explainer=explain_squad,
                      extras={"squads": squads, **extras}, checker=SquadChecker(specs, k, dict(not_helping)))
    if not monitor.stopped:
        monitor.report("done", objective=plan.objective, bound=plan.bound, violations=len(plan.problems), force=True)
    return plan


def _requests(requests: object, exclude: Sequence[str], community: Community, n_squads: int) -> Requests:
    """The requests, ``exclude`` merged in and locked rows as pins, checked against the community."""
    req = Requests.coerce(requests, community)
    if isinstance(exclude, str):
        exclude = [exclude]
    req = req.merged(Requests(exclude=[str(m) for m in exclude]))
    if req.hosts:
        raise InputError("hosts are for seating; pin members to squads instead", column="requests")
    unknown = sorted(req.members() - set(community.ids))
    if unknown:
        raise InputError(f"requests name unknown member(s) {', '.join(map(repr, unknown[:5]))}",
                         column="exclude" if set(unknown) <= set(req.exclude) else "requests")
    if req.locked is not None and len(req.locked):
        if not {"cohort", "member"} <= set(req.locked.columns):
            raise InputError("locked rows of a squad plan need columns cohort,member", column="locked")
        req = req.merged(Requests(pins=[(str(m), int(c), None) for c, m in
                                        zip(req.locked["cohort"], req.locked["member"], strict=True)]))
    conflicts = req.conflicts(n_groups=n_squads)
    if conflicts:
        raise InfeasibleError("requests that cannot all hold", conflicts)
    return req
