"""The four solving panels: seating, cohorts, pairings and help squads (one shared design).

Each lists its settings (the right widget per setting) and turns them into its engine's
keyword arguments; everything else (background solve, picture, hand edits, locks, exports) is
:class:`~matchmaking.widgets.panel.PlanPanel`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import ipywidgets as w

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.scoring.objective import DEFAULT_REPEAT_PENALTY, default_objective
from matchmaking.scoring.requests import Requests
from matchmaking.widgets.fields import attribute_picker, capacities_from, int_field, text_field
from matchmaking.widgets.panel import PlanPanel, group_rows

_AFFINITY = {"complementarity": 1.0, "goals": 0.5}


def _pop(kwargs: dict[str, Any], name: str, default: Any = None) -> Any:
    return kwargs.pop(name) if name in kwargs else default


def _names(spec: object) -> list[str]:
    if spec is None:
        return []
    if isinstance(spec, str):
        return [spec]
    return list(spec.keys()) if isinstance(spec, Mapping) else list(spec)  # type: ignore[arg-type]


def _requests_of(kwargs: dict[str, Any], community: Community) -> Requests | None:
    """``requests=`` with the old ``constraints=`` alias merged in (the engines' contract)."""
    given = [Requests.coerce(x, community) for x in (_pop(kwargs, "requests"), _pop(kwargs, "constraints"))
             if x is not None]
    return given[0].merged(given[1]) if len(given) == 2 else (given[0] if given else None)


def _weights_of(spec: object) -> dict[str, float]:
    if isinstance(spec, Mapping):
        return {str(k): float(v) for k, v in spec.items()}
    return dict.fromkeys(_names(spec), 1.0)


class SeatingPanel(PlanPanel):
    """Seat an event: tables, rounds, hosts, spread; see :func:`seating_panel`."""

    kind, title = "seating", "Event seating"

    def __init__(self, community: Community, **kwargs: Any) -> None:
        from matchmaking.solvers.seating import seat

        caps = _pop(kwargs, "capacities")
        tables = _pop(kwargs, "tables", 10)
        if not isinstance(tables, int):  # a list of capacities
            caps, tables = list(tables), len(tables)
        hosts = _pop(kwargs, "hosts")
        if isinstance(hosts, Mapping):
            hosts = [m for m, _ in sorted(hosts.items(), key=lambda kv: kv[1])]
        self._init = {"tables": tables, "table_size": _pop(kwargs, "table_size", 10), "capacities": caps,
                      "min_table_size": _pop(kwargs, "min_table_size") or 0, "rounds": _pop(kwargs, "rounds", 1),
                      "hosts": list(hosts or []), "spread": _weights_of(_pop(kwargs, "spread")),
                      "similar": _weights_of(_pop(kwargs, "similar")), "needs": float(_pop(kwargs, "needs", 1.0))}
        self._held = _pop(kwargs, "locked")
        super().__init__(community, seat, time_limit=_pop(kwargs, "time_limit", 30.0), seed=_pop(kwargs, "seed", 0),
                         requests=_pop(kwargs, "requests"), folder=_pop(kwargs, "folder"), fixed=kwargs)

    def settings_sections(self) -> list[tuple[str, list[w.Widget]]]:
        i, c = self._init, self.community
        self.tables = int_field("tables", i["tables"], lo=1, hi=10_000)
        self.table_size = int_field("seats per table", i["table_size"], lo=1, hi=1_000)
        self.capacities = text_field("or capacities", ",".join(map(str, i["capacities"] or [])), "e.g. 10,10,8")
        self.min_table_size = int_field("min. per open table", i["min_table_size"], lo=0, hi=1_000)
        self.rounds = int_field("rounds", i["rounds"], lo=1, hi=20, slider=True)
        self.hosts = self.names.tags("hosts (tables 1, 2...)", i["hosts"])
        self.spread = attribute_picker("mix at each table", c, list(i["spread"]))
        self.similar = attribute_picker("same-value affinity", c, list(i["similar"]))
        for picker in (self.spread, self.similar):
            picker.observe(self._sync_weights, names="value")
        return [("Tables", [self.tables, self.table_size, self.capacities, self.min_table_size, self.rounds]),
                ("People (hosts: table 1 first)", [self.hosts]),
                ("Mix", [self.spread, self.similar])]

    def weight_terms(self) -> dict[str, float]:
        i = self._init
        terms = dict(_AFFINITY)
        terms.update({f"similar:{a}": i["similar"].get(a, 0.5) for a in self.similar.value})
        terms["needs"] = i["needs"]
        terms.update({f"spread:{a}": i["spread"].get(a, 1.0) for a in self.spread.value})
        terms["repeat penalty"] = DEFAULT_REPEAT_PENALTY["seating"]
        return terms

    # ------------------------------------------------------------------ settings -> seat(...)
    def host_map(self) -> dict[str, int]:
        return {self.names.member(h, what="host"): t for t, h in enumerate(self.hosts.value, start=1)}

    def table_capacities(self) -> list[int]:
        caps = capacities_from(self.capacities.value)
        return caps if caps is not None else [int(self.table_size.value)] * int(self.tables.value)

    def request_limits(self) -> tuple[Requests, dict[str, Any]]:
        return Requests(hosts=self.host_map()), {"capacities": self.table_capacities(),
                                                 "rounds": int(self.rounds.value)}

    def solve_requests(self) -> Requests:
        base = self.requests_editor.requests
        pins = [(m, t, r) for m, seats in self.locked_members.items() for r, t in seats.items()]
        return Requests(together=base.together, apart=base.apart, pins=base.pins + pins, hosts=self.host_map())

    def engine_kwargs(self) -> dict[str, Any]:
        caps = self.table_capacities()
        requests = self.solve_requests()
        conflicts = requests.conflicts(capacities=caps, rounds=int(self.rounds.value))
        if conflicts:
            raise InputError("requests that cannot hold: " + "; ".join(conflicts), column="requests")
        objective = default_objective(
            self.community, "seating", pairs=self.fixed.get("pairs"), history=self.fixed.get("history"),
            together=requests.together_pairs(), spread={a: self.weight(f"spread:{a}", 1.0) for a in self.spread.value},
            needs=self.weight("needs", 1.0), repeat_penalty=self.weight("repeat penalty", 10.0),
            complementarity=self.weight("complementarity", 1.0), goals=self.weight("goals", 0.5),
            similar={a: self.weight(f"similar:{a}", 0.5) for a in self.similar.value})
        held = self._held
        if self.locked_rounds and self.editor is not None:
            held = group_rows(self.editor.plan, "round", self.locked_rounds)
        out = {"capacities": caps, "rounds": int(self.rounds.value), "requests": requests, "objective": objective,
               "min_table_size": int(self.min_table_size.value) or None, "locked": held,
               "time_limit": float(self.time_limit.value), "seed": int(self.seed.value)}
        out.update({k: v for k, v in self.fixed.items() if k not in ("pairs", "history")})
        self._solve_requests = requests
        return out

    def editor_options(self, plan: Plan) -> dict[str, Any]:
        if getattr(plan, "requests", None) is not None and getattr(plan, "rules", None):
            return {}
        return {"requests": self._solve_requests, "rules": {"capacities": self.table_capacities()}}

    def board_options(self) -> dict[str, Any]:
        return {"capacities": self.table_capacities(), "hosts": self._solve_requests.hosts}

    def lock_round(self, round: int) -> None:
        assert self.editor is not None
        self.editor.round_index(round)  # an InputError for a round the plan does not have
        self.locked_rounds.add(int(round))

    def lock_member(self, member: str, round: int | None) -> None:
        assert self.editor is not None
        seats = self.editor.where(member)
        if round is not None:
            seats = {int(round): seats[int(round)]} if int(round) in seats else {}
        if not seats:
            raise InputError(f"{member} is not seated in round {round}", column="member")
        self.locked_members.setdefault(member, {}).update(seats)


class CohortsPanel(PlanPanel):
    """Form cohorts: sizes, similar/spread/protect/balance, leaders; see :func:`cohorts_panel`."""

    kind, title, has_rounds = "cohorts", "Cohorts", False

    def __init__(self, community: Community, **kwargs: Any) -> None:
        from matchmaking.solvers.cohorts import form_cohorts

        size = _pop(kwargs, "size", "8-12")
        lo, hi = (size, size) if isinstance(size, int) else (
            tuple(size) if not isinstance(size, str) else tuple(int(x) for x in size.split("-")))
        self._init = {"size": (int(lo), int(hi)), "n_cohorts": _pop(kwargs, "n_cohorts") or 0,
                      "similar": _names(_pop(kwargs, "similar")), "spread": _weights_of(_pop(kwargs, "spread")),
                      "protect": _names(_pop(kwargs, "protect")), "balance": _weights_of(_pop(kwargs, "balance")),
                      "leaders": _pop(kwargs, "leaders") or "",
                      "weights": {k: float(_pop(kwargs, k, v)) for k, v in {**_AFFINITY, "needs": 1.0}.items()}}
        requests = _requests_of(kwargs, community)
        super().__init__(community, form_cohorts, time_limit=_pop(kwargs, "time_limit", 60.0),
                         seed=_pop(kwargs, "seed", 0), requests=requests, folder=_pop(kwargs, "folder"), fixed=kwargs)

    def settings_sections(self) -> list[tuple[str, list[w.Widget]]]:
        i, c = self._init, self.community
        self.size = w.IntRangeSlider(value=i["size"], min=2, max=max(40, i["size"][1]), description="cohort size",
                                     style={"description_width": "150px"}, layout=w.Layout(width="440px"))
        self.n_cohorts = int_field("cohorts (0 = fewest)", i["n_cohorts"], lo=0, hi=100_000)
        self.similar = attribute_picker("same in a cohort", c, i["similar"])
        self.spread = attribute_picker("mix in a cohort", c, list(i["spread"]))
        self.protect = attribute_picker("nobody alone by", c, i["protect"])
        self.balance = attribute_picker("balance (numeric)", c, list(i["balance"]), numeric=True)
        self.leaders = text_field("leaders", i["leaders"], "e.g. role=lead")
        for picker in (self.spread, self.balance):
            picker.observe(self._sync_weights, names="value")
        return [("Sizes", [self.size, self.n_cohorts]), ("Who goes together", [self.similar, self.spread,
                self.protect, self.balance]), ("Leads", [self.leaders])]

    def weight_terms(self) -> dict[str, float]:
        i = self._init
        terms = dict(i["weights"])
        terms.update({f"spread:{a}": i["spread"].get(a, 1.0) for a in self.spread.value})
        terms.update({f"balance:{a}": i["balance"].get(a, 1.0) for a in self.balance.value})
        return terms

    def request_limits(self) -> tuple[Requests, dict[str, Any]]:
        n = int(self.n_cohorts.value) or None
        return Requests(), {"n_groups": n, "capacities": [int(self.size.value[1])] * (n or 1)}

    def engine_kwargs(self) -> dict[str, Any]:
        base = self.requests_editor.requests
        pins = [(m, t, None) for m, seats in self.locked_members.items() for t in seats.values()]
        requests = Requests(together=base.together, apart=base.apart, pins=base.pins + pins)
        lo, hi = self.size.value
        self._solve_requests = requests
        out = {"size": f"{int(lo)}-{int(hi)}", "n_cohorts": int(self.n_cohorts.value) or None,
               "similar": list(self.similar.value), "protect": list(self.protect.value),
               "spread": {a: self.weight(f"spread:{a}", 1.0) for a in self.spread.value},
               "balance": {a: self.weight(f"balance:{a}", 1.0) for a in self.balance.value},
               "leaders": self.leaders.value.strip() or None, "requests": requests,
               "time_limit": float(self.time_limit.value), "seed": int(self.seed.value)}
        out.update({k: self.weight(k, v) for k, v in self._init["weights"].items()})
        return out

    def editor_options(self, plan: Plan) -> dict[str, Any]:
        from matchmaking.solvers.cohorts import check_cohorts

        kw = self.engine_kwargs()
        options: dict[str, Any] = {}  # balance is a term of the plan's objective: the scorer has it
        if getattr(plan, "checker", None) is None:
            options["requests"] = self._solve_requests
            options["rules"] = {}
            options["checker"] = lambda p: check_cohorts(
                p.assignments, self.community, size=kw["size"], protect=kw["protect"], leaders=kw["leaders"],
                similar=kw["similar"], requests=self._solve_requests)
        return options

    def lock_member(self, member: str, round: int | None) -> None:
        assert self.editor is not None
        self.locked_members[member] = self.editor.where(member)


class PairingPanel(PlanPanel):
    """Pair members: intro, mentor, roulette or welcome; see :func:`pairing_panel`."""

    kind, title, request_kinds = "pairs", "Pairings", ("together", "apart")

    def __init__(self, community: Community, mode: str = "intro", **kwargs: Any) -> None:
        from matchmaking.solvers.pairing import pair

        self._init = {"mode": mode, "rounds": _pop(kwargs, "rounds") or 1, "mentors": _pop(kwargs, "mentors") or "",
                      "capacity": _pop(kwargs, "capacity", 1), "stable": _pop(kwargs, "stable"),
                      "newcomers": _pop(kwargs, "newcomers") or "", "k": _pop(kwargs, "k", 2),
                      "hosts_per_round": _pop(kwargs, "hosts_per_round", 1), "method": _pop(kwargs, "method", "joint"),
                      "opt_out": list(_pop(kwargs, "opt_out", ()) or ()),
                      "similar": _weights_of(_pop(kwargs, "similar")) or (
                          {"city": 1.0} if mode == "welcome" and "city" in community.attributes else {})}
        for key in ("mentors", "newcomers"):
            if not isinstance(self._init[key], str):
                self._init[key] = ",".join(self._init[key])
        super().__init__(community, pair, time_limit=_pop(kwargs, "time_limit", 30.0), seed=_pop(kwargs, "seed", 0),
                         requests=_requests_of(kwargs, community),
                         folder=_pop(kwargs, "folder"), fixed=kwargs)

    def settings_sections(self) -> list[tuple[str, list[w.Widget]]]:
        i = self._init
        self.mode = w.ToggleButtons(options=["intro", "mentor", "roulette", "welcome"], value=i["mode"],
                                    description="mode", style={"description_width": "150px"})
        self.rounds = int_field("rounds (roulette)", i["rounds"], lo=1, hi=52, slider=True)
        self.method = w.Dropdown(options=["joint", "sequential"], value=i["method"], description="roulette method",
                                 style={"description_width": "150px"})
        self.opt_out = self.names.tags("opt out (roulette)", i["opt_out"])
        self.mentors = text_field("mentors", i["mentors"], "e.g. role=lead")
        self.capacity = int_field("mentees per mentor", int(i["capacity"]), lo=1, hi=1000)
        self.stable = w.Dropdown(options=[("welfare optimum", "welfare"), ("stable, mentees propose", "mentees"),
                                          ("stable, mentors propose", "mentors")], value=i["stable"] or "welfare",
                                 description="mentor method", style={"description_width": "150px"})
        self.newcomers = text_field("newcomers", i["newcomers"], "e.g. joined>=2026-01-01")
        self.k = int_field("veterans each meets", int(i["k"]), lo=1, hi=50)
        self.hosts_per_round = int_field("newcomers per veteran", int(i["hosts_per_round"]), lo=1, hi=50)
        self.similar = attribute_picker("same-value affinity", self.community, list(i["similar"]))
        self.similar.observe(self._sync_weights, names="value")
        return [("Mode", [self.mode]), ("Roulette", [self.rounds, self.method, self.opt_out]),
                ("Mentoring", [self.mentors, self.capacity, self.stable]),
                ("Welcome", [self.newcomers, self.k, self.hosts_per_round]), ("Affinity", [self.similar])]

    def weight_terms(self) -> dict[str, float]:
        terms = dict(_AFFINITY)
        terms.update({f"similar:{a}": self._init["similar"].get(a, 1.0) for a in self.similar.value})
        return terms

    def engine_args(self) -> tuple:
        return (self.community, self.mode.value)

    def engine_kwargs(self) -> dict[str, Any]:
        mode = self.mode.value
        requests = self.requests_editor.requests
        self._solve_requests = requests
        objective = default_objective(
            self.community, "pairs", pairs=self.fixed.get("pairs"), history=self.fixed.get("history"),
            together=requests.together_pairs(), complementarity=self.weight("complementarity", 1.0),
            goals=self.weight("goals", 0.5), similar={a: self.weight(f"similar:{a}", 1.0) for a in self.similar.value})
        out: dict[str, Any] = {"objective": objective, "requests": requests, "time_limit": float(self.time_limit.value),
                               "seed": int(self.seed.value)}
        if mode == "roulette":
            out.update(rounds=int(self.rounds.value), method=self.method.value,
                       opt_out=[self.names.member(m) for m in self.opt_out.value])
        elif mode == "mentor":
            if not self.mentors.value.strip():
                raise InputError("mentor mode needs mentors, e.g. role=lead", column="mentors")
            stable = None if self.stable.value == "welfare" else self.stable.value
            out.update(mentors=self.mentors.value.strip(), capacity=int(self.capacity.value), stable=stable)
        elif mode == "welcome":
            if not self.newcomers.value.strip():
                raise InputError("welcome mode needs newcomers, e.g. joined>=2026-01-01", column="newcomers")
            out.update(newcomers=self.newcomers.value.strip(), k=int(self.k.value),
                       hosts_per_round=int(self.hosts_per_round.value))
        out.update({k: v for k, v in self.fixed.items() if k != "pairs"})
        return out

    def editor_options(self, plan: Plan) -> dict[str, Any]:
        if getattr(plan, "requests", None) is not None:
            return {}
        return {"requests": self._solve_requests, "rules": {"min_size": 2, "max_size": 3}}


class SquadPanel(PlanPanel):
    """Help squads: askers, k helpers each, load cap; see :func:`squad_panel`."""

    kind, title, has_rounds, request_kinds = "cohorts", "Help squads", False, ()

    def __init__(self, community: Community, problems: Sequence[str] | str = (), **kwargs: Any) -> None:
        from matchmaking.solvers.squads import help_squad

        self._init = {"askers": [problems] if isinstance(problems, str) else list(problems),
                      "k": _pop(kwargs, "k", 5), "load_cap": _pop(kwargs, "load_cap") or 0,
                      "spread": _names(_pop(kwargs, "spread", ["sector"] if "sector" in community.attributes else []))}
        super().__init__(community, help_squad, time_limit=_pop(kwargs, "time_limit", 10.0),
                         seed=_pop(kwargs, "seed", 0), folder=_pop(kwargs, "folder"), fixed=kwargs)

    def settings_sections(self) -> list[tuple[str, list[w.Widget]]]:
        i = self._init
        self.askers = self.names.tags("askers", i["askers"])
        self.k = int_field("helpers per squad", int(i["k"]), lo=1, hi=100)
        self.load_cap = int_field("load cap (0 = none)", int(i["load_cap"]), lo=0, hi=1000)
        self.spread = attribute_picker("mix helpers by", self.community, i["spread"])
        return [("Who needs help", [self.askers]),
                ("Squads", [self.k, self.load_cap, self.spread])]

    def engine_kwargs(self) -> dict[str, Any]:
        askers = [self.names.member(m, what="asker") for m in self.askers.value]
        if not askers:
            raise InputError("name at least one member who needs help", column="askers")
        out = {"problems": askers if len(askers) > 1 else askers[0], "k": int(self.k.value),
               "load_cap": int(self.load_cap.value) or None, "spread": list(self.spread.value),
               "time_limit": float(self.time_limit.value), "seed": int(self.seed.value)}
        out.update(self.fixed)
        return out

    def editor_options(self, plan: Plan) -> dict[str, Any]:
        # re-scored with the shared cohorts objective: what `matchmaking score` reports for the squads file
        own = plan.explainer

        def explain(p: Plan, member: str) -> str:  # the squad's own words until hand edits change it
            if own is not None and not p.extras.get("edits"):
                return own(p, member)
            return replace(p, explainer=None).explain(member)

        options: dict[str, Any] = {"explainer": explain, "requests": Requests(), "rules": {}}
        if plan.objective_fn is None:
            options["objective"] = default_objective(self.community, "cohorts")
        return options


__all__ = ["CohortsPanel", "PairingPanel", "SeatingPanel", "SquadPanel"]
