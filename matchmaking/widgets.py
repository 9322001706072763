"""Tuning panels for JupyterLab (ipywidgets): change weights and constraints by hand, re-solve.

``affinity_panel(community)`` tunes the affinity terms and shows, for a chosen member, their best
matches and why. ``solve_panel(solve, community, ...)`` wraps any solver of the workbench
(``mm.seat``, ``mm.form_cohorts``, ``mm.pair``...) with sliders for the time limit, the seed and
weights, a Solve button, live progress from the solver's callback, and the plan's summary.

The panels hold no logic: they call the library and display what it returns.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w
import pandas as pd

from matchmaking.model.community import Community
from matchmaking.scoring.affinity import Affinity, affinity


def _table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, border=0)


class AffinityPanel(w.VBox):
    """Sliders for every affinity term and a member picker; shows the member's best matches.

    Attributes
    ----------
    sliders : dict
        Term name -> FloatSlider.
    member : ipywidgets.Dropdown
    result : ipywidgets.HTML
        The current table of matches (escaped HTML).
    affinity : Affinity
        The affinity built from the current weights.

    Examples
    --------
    >>> import matchmaking as mm
    >>> panel = affinity_panel(mm.datasets.demo_community(), similar=["city"], top=3)
    >>> panel.sliders["goals"].value = 2.0
    >>> panel.affinity.weights["goals"]
    2.0
    >>> "<table" in panel.result.value
    True
    """

    def __init__(
        self,
        community: Community,
        *,
        similar: Sequence[str] = (),
        spread: Sequence[str] = (),
        history: object = None,
        top: int = 8,
    ) -> None:
        self.community = community
        self.history = history
        self.top = top
        terms = {"complementarity": 1.0, "goals": 0.5}
        terms.update({f"similar:{a}": 0.5 for a in similar})
        terms.update({f"spread:{a}": 0.25 for a in spread})
        if history is not None:
            terms["novelty"] = 1.0
        self.sliders = {
            t: w.FloatSlider(value=v, min=-2.0, max=3.0, step=0.25, description=t,
                             style={"description_width": "140px"}, layout=w.Layout(width="420px"))
            for t, v in terms.items()
        }
        names = community.members["name"].astype(str)
        self.member = w.Dropdown(options=[(f"{n} ({i})", i) for i, n in zip(community.ids, names, strict=True)],
                                 description="member")
        self.result = w.HTML()
        for slider in self.sliders.values():
            slider.observe(self._refresh, names="value")
        self.member.observe(self._show, names="value")  # same weights: no need to rebuild the affinity
        super().__init__([w.HTML("<b>Affinity weights</b>"), *self.sliders.values(), self.member, self.result])
        self._refresh()

    def _weights(self) -> dict[str, Any]:
        vals = {t: s.value for t, s in self.sliders.items()}
        return {
            "complementarity": vals.get("complementarity", 0.0),
            "goals": vals.get("goals", 0.0),
            "similar": {t.split(":", 1)[1]: v for t, v in vals.items() if t.startswith("similar:")},
            "spread": {t.split(":", 1)[1]: v for t, v in vals.items() if t.startswith("spread:")},
            "novelty": vals.get("novelty", 0.0),
        }

    def _refresh(self, *_: object) -> None:
        self.affinity: Affinity = affinity(self.community, history=self.history, **self._weights())
        self._show()

    def _show(self, *_: object) -> None:
        me = self.member.value
        others = [m for m in self.community.ids if m != me]
        scores = self.affinity.score([me] * len(others), others)
        best = scores.sort_values(["total", "b"], ascending=[False, True]).head(self.top)
        best = best.assign(
            name=self.community.members.loc[best["b"], "name"].to_numpy(),
            why=["; ".join(self.affinity.explain(me, b)) for b in best["b"]],
        )[["b", "name", "total", "why"]].rename(columns={"b": "member", "total": "score"})
        self.result.value = _table_html(best.round(2))


def affinity_panel(community: Community, **kwargs: Any) -> AffinityPanel:
    """A panel to tune affinity weights and see a member's best matches (see :class:`AffinityPanel`)."""
    return AffinityPanel(community, **kwargs)


class SolvePanel(w.VBox):
    """Wrap a solver: time limit, seed and numeric parameters as sliders; Solve shows the plan.

    Parameters
    ----------
    solve : callable
        A solver returning a :class:`~matchmaking.Plan`; it must accept ``time_limit=`` and
        ``seed=``, and ``callback=`` if ``live=True``.
    community : Community
        Passed as the first argument.
    params : dict
        Name -> (default, min, max, step) of numeric keyword arguments exposed as sliders.
    fixed : dict
        Other keyword arguments passed as they are.
    live : bool
        Pass a ``callback`` that shows each improvement while the solver runs.

    Examples
    --------
    >>> import pandas as pd
    >>> import matchmaking as mm
    >>> def toy(community, *, time_limit, seed, size):
    ...     ids = community.ids
    ...     frame = pd.DataFrame({"cohort": [i // int(size) + 1 for i in range(len(ids))], "member": ids})
    ...     return mm.Plan("cohorts", frame, objective=0.0)
    >>> panel = solve_panel(toy, mm.datasets.demo_community(), params={"size": (10, 5, 20, 1)}, live=False)
    >>> panel.button.click()
    >>> int(panel.plan.assignments["cohort"].max())
    15
    >>> "cohorts plan" in panel.summary.value
    True
    """

    def __init__(
        self,
        solve: Callable[..., Any],
        community: Community,
        *,
        params: Mapping[str, tuple[float, float, float, float]] | None = None,
        fixed: Mapping[str, Any] | None = None,
        time_limit: float = 10.0,
        live: bool = True,
    ) -> None:
        self.solve = solve
        self.community = community
        self.fixed = dict(fixed or {})
        self.live = live
        self.plan: Any = None
        self.time_limit = w.FloatSlider(value=time_limit, min=1, max=120, step=1, description="time limit (s)",
                                        style={"description_width": "140px"})
        self.seed = w.IntText(value=0, description="seed")
        self.params = {
            name: w.FloatSlider(value=d, min=lo, max=hi, step=st, description=name,
                                style={"description_width": "140px"})
            for name, (d, lo, hi, st) in (params or {}).items()
        }
        self.button = w.Button(description="Solve", button_style="primary")
        self.progress = w.HTML()
        self.summary = w.HTML()
        self.button.on_click(self._solve)
        super().__init__([self.time_limit, self.seed, *self.params.values(), self.button, self.progress, self.summary])

    def _callback(self, event: Any) -> None:
        self.progress.value = html.escape(str(event))

    def _solve(self, *_: object) -> None:
        kwargs = dict(self.fixed)
        kwargs.update({k: s.value for k, s in self.params.items()})
        kwargs.update(time_limit=self.time_limit.value, seed=int(self.seed.value))
        if self.live:
            kwargs["callback"] = self._callback
        self.button.disabled = True
        self.progress.value = "solving..."
        try:
            self.plan = self.solve(self.community, **kwargs)
            self.summary.value = "<pre>" + html.escape(self.plan.summary()) + "</pre>"
            self.progress.value = "done"
        except ValueError as exc:  # bad requests, infeasible: say it, keep the panel usable
            self.summary.value = "<pre>" + html.escape(str(exc)) + "</pre>"
            self.progress.value = "failed"
        finally:
            self.button.disabled = False


def solve_panel(solve: Callable[..., Any], community: Community, **kwargs: Any) -> SolvePanel:
    """A panel that runs a solver with tunable parameters (see :class:`SolvePanel`)."""
    return SolvePanel(solve, community, **kwargs)


__all__ = ["AffinityPanel", "SolvePanel", "affinity_panel", "solve_panel"]
