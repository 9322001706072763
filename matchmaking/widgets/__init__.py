"""Tuning panels for JupyterLab and the studio dashboard (ipywidgets; the logic lives in the library).

One shared design for every solver (:class:`~matchmaking.widgets.panel.PlanPanel`): settings
with the right widget types, a requests editor that refuses impossible requests on the spot, a
solve in the background (progress bar, live objective/bound chart, Stop keeps the best plan),
the plan as table cards coloured by an attribute (click a member: why they sit there), hand
edits re-scored at once (move, swap, undo, broken rules flagged), locks and re-planning
around them, and downloads (CSV, Excel, printable report).

The Python contract of every panel: ``solve()``, ``stop()``, ``wait(timeout=None) -> Plan``,
``plan``, ``move(member, table, round=None)``, ``swap(a, b, round=None)``, ``undo()``,
``problems``, ``lock(round=None, member=None)`` and ``stale``.

Examples
--------
>>> import matchmaking as mm
>>> event = mm.datasets.synthetic_community(24, seed=1)
>>> panel = mm.widgets.seating_panel(event, tables=4, table_size=6, rounds=2, time_limit=1)
>>> panel.solve()                      # returns at once: the solve runs in the background
>>> plan = panel.wait()
>>> plan.kind, len(plan.assignments), panel.problems
('seating', 48, [])
>>> a, b = plan.assignments["member"][:2]
>>> moved = panel.move(a, 4, round=1)  # re-scored at once
>>> panel.plan.objective == moved["total"]
True
>>> _ = panel.undo()
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from matchmaking.model.community import Community
from matchmaking.widgets.affinity import AffinityPanel, affinity_panel
from matchmaking.widgets.panel import PlanPanel
from matchmaking.widgets.panels import CohortsPanel, PairingPanel, SeatingPanel, SquadPanel


def seating_panel(community: Community, **seat_kwargs: Any) -> SeatingPanel:
    """A panel that seats an event: ``seat_kwargs`` (``tables``, ``table_size``, ``rounds``,
    ``hosts``, ``spread``, ``requests``...) are its starting settings; others pass to ``mm.seat``."""
    return SeatingPanel(community, **seat_kwargs)


def cohorts_panel(community: Community, **kwargs: Any) -> CohortsPanel:
    """A panel that forms cohorts (``size``, ``similar``, ``spread``, ``protect``, ``leaders``...)."""
    return CohortsPanel(community, **kwargs)


def pairing_panel(community: Community, mode: str = "intro", **kwargs: Any) -> PairingPanel:
    """A panel that pairs members in ``mode`` (intro, mentor, roulette, welcome)."""
    return PairingPanel(community, mode, **kwargs)


def squad_panel(community: Community, problems: Sequence[str] | str = (), **kwargs: Any) -> SquadPanel:
    """A panel that gathers help squads around members' problems (``mm.help_squad``)."""
    return SquadPanel(community, problems, **kwargs)


def solve_panel(solve: Callable[..., Any], community: Community, **kwargs: Any) -> PlanPanel:
    """The panel of a solver: ``solve_panel(mm.seat, community, ...)`` is :func:`seating_panel`..."""
    import matchmaking as mm

    panels = {mm.seat: seating_panel, mm.form_cohorts: cohorts_panel, mm.pair: pairing_panel,
              mm.help_squad: squad_panel}
    if solve not in panels:
        raise TypeError("solve_panel takes mm.seat, mm.form_cohorts, mm.pair or mm.help_squad")
    return panels[solve](community, **kwargs)


__all__ = ["AffinityPanel", "CohortsPanel", "PairingPanel", "PlanPanel", "SeatingPanel", "SquadPanel",
           "affinity_panel", "cohorts_panel", "pairing_panel", "seating_panel", "solve_panel", "squad_panel"]
