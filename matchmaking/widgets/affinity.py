"""The affinity panel: tune the affinity terms, see a member's best matches and why.

The panel holds no logic: it calls the library and displays what it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
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


__all__ = ["AffinityPanel", "affinity_panel"]
