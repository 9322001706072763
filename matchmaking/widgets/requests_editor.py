"""The requests editor: together, apart and pins, picked by name; impossible ones refused at once.

Each request is checked with :meth:`Requests.conflicts <matchmaking.Requests.conflicts>` against
the requests already given and the current settings (tables, rounds, capacities, hosts) the
moment it is added; one that cannot hold is refused with the reason.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from matchmaking.errors import InputError
from matchmaking.scoring.requests import Requests
from matchmaking.widgets.fields import STYLE, MemberNames


class RequestsEditor(w.VBox):
    """Add and remove hard requests; :attr:`requests` is the current :class:`~matchmaking.Requests`.

    Parameters
    ----------
    names : MemberNames
        The member pickers' labels.
    word : str
        ``"table"``, ``"cohort"`` or ``"group"`` (what a pin names).
    limits : callable
        ``limits() -> (base Requests, {n_groups, rounds, capacities})`` from the current
        settings: the hosts and the numbers a new request is checked against.
    kinds : tuple of str
        The kinds offered (pairings take no pins).
    rounds : bool
        Whether pins may name a round.
    on_change : callable, optional
        Called after each change (the panel marks its plan stale).
    """

    def __init__(
        self,
        names: MemberNames,
        *,
        word: str,
        limits: Callable[[], tuple[Requests, dict[str, Any]]],
        kinds: tuple[str, ...] = ("together", "apart", "pin"),
        rounds: bool = True,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.names = names
        self.word = word
        self.limits = limits
        self.on_change = on_change
        self.items: list[tuple] = []
        self.kinds = kinds
        self.kind = w.ToggleButtons(options=list(kinds) or ["none"], description="request", style=STYLE)
        self.a = names.picker("member")
        self.b = names.picker("with")
        self.group = w.BoundedIntText(value=1, min=1, max=100_000, description=word, style=STYLE,
                                      layout=w.Layout(width="260px"))
        self.round = w.BoundedIntText(value=0, min=0, max=1000, description="round (0 = all)", style=STYLE,
                                      layout=w.Layout(width="260px"))
        self.add_button = w.Button(description="Add request", icon="plus")
        self.remove_button = w.Button(description="Remove selected", icon="trash")
        self.listing = w.Select(options=[], rows=5, layout=w.Layout(width="440px"))
        self.message = w.HTML()
        self._rounds = rounds
        self.add_button.on_click(lambda _: self._add_clicked())
        self.remove_button.on_click(lambda _: self._remove_clicked())
        self.kind.observe(lambda _: self._layout(), names="value")
        super().__init__()
        self._layout()

    # ------------------------------------------------------------------ Python API
    @property
    def requests(self) -> Requests:
        """The requests given here (no hosts: those are a setting)."""
        out = Requests()
        for item in self.items:
            if item[0] == "together":
                out.together.append(item[1:])
            elif item[0] == "apart":
                out.apart.append(item[1:])
            else:
                out.pins.append(item[1:])
        return out

    def add(self, kind: str, a: str, b: str | None = None, *, group: int | None = None,
            round: int | None = None) -> tuple:
        """Add a request (member ids or picker labels); InputError with the reason if it cannot hold."""
        a = self.names.member(a)
        if kind in ("together", "apart"):
            b = self.names.member(b or "", what="second member")
            if a == b:
                raise InputError(f"a {kind} request needs two different members", column="member")
            item: tuple = (kind, a, b)
            twin = (kind, b, a)
        elif kind == "pin":
            if group is None or int(group) < 1:
                raise InputError(f"a pin needs a {self.word} number >= 1", column=self.word)
            item = ("pin", a, int(group), int(round) if round else None)
            twin = item
        else:
            kind = ""
        if kind not in self.kinds:
            raise InputError(f"this solver takes {', '.join(self.kinds) or 'no'} requests, not {kind or 'that'}",
                             column="kind")
        if item in self.items or twin in self.items:
            raise InputError("this request is already there", column="kind")
        base, limits = self.limits()
        before = set(base.merged(self.requests).conflicts(**limits))
        candidate = Requests(**{k: list(v) for k, v in _fields(self.requests).items()})
        if kind == "pin":
            candidate.pins.append(item[1:])
        else:
            getattr(candidate, kind).append(item[1:])
        new = [c for c in base.merged(candidate).conflicts(**limits) if c not in before]
        if new:
            raise InputError("refused: " + "; ".join(new), column="kind")
        self.items.append(item)
        self._show()
        return item

    def remove(self, index: int) -> None:
        del self.items[index]
        self._show()

    def clear(self) -> None:
        self.items.clear()
        self._show()

    # ------------------------------------------------------------------ widgets
    def _layout(self) -> None:
        if not self.kinds:
            self.children = [w.HTML("This solver takes no together/apart/pin requests.")]
            return
        kind = self.kind.value
        row = [self.kind, self.a]
        if kind == "pin":
            row += [self.group] + ([self.round] if self._rounds else [])
        else:
            row.append(self.b)
        self.children = [*row, w.HBox([self.add_button, self.remove_button]), self.listing, self.message]

    def _add_clicked(self) -> None:
        try:
            item = self.add(self.kind.value, self.a.value, self.b.value, group=self.group.value,
                            round=self.round.value if self._rounds else None)
        except InputError as exc:
            self.message.value = f'<span style="color:#c62828">{html.escape(exc.message)}</span>'
            return
        self.message.value = f"added: {html.escape(self._words(item))}"
        self.a.value = self.b.value = ""

    def _remove_clicked(self) -> None:
        if self.listing.index is None:
            self.message.value = "select a request to remove"
            return
        self.remove(self.listing.index)
        self.message.value = "removed"

    def _words(self, item: tuple) -> str:
        label = self.names.label
        if item[0] == "pin":
            where = f"{self.word} {item[2]}" + (f" in round {item[3]}" if item[3] else "")
            return f"pin {label(item[1])} to {where}"
        return f"{item[0]}: {label(item[1])} and {label(item[2])}"

    def _show(self) -> None:
        self.refresh()

    def refresh(self, *, notify: bool = True) -> None:
        """List :attr:`items` again (after they were changed directly); ``notify`` calls ``on_change``."""
        self.listing.options = [self._words(i) for i in self.items]
        if notify and self.on_change is not None:
            self.on_change()


def _fields(r: Requests) -> dict[str, list]:
    return {"together": r.together, "apart": r.apart, "pins": r.pins}


__all__ = ["RequestsEditor"]
