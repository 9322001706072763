"""Setting widgets of the right type, and reading them back as the engines' keyword arguments.

Whole numbers are ``IntText`` / ``IntSlider`` (they arrive as ``int``), attributes are picked
from the community's columns, members from a name search (``Combobox``: type a few letters of
the name). Every reader raises :class:`~matchmaking.InputError` naming the setting.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import traitlets

from matchmaking.errors import InputError
from matchmaking.model.community import Community

STYLE = {"description_width": "150px"}
WIDE = w.Layout(width="440px")


def int_field(description: str, value: int, *, lo: int = 0, hi: int = 100_000, slider: bool = False) -> w.Widget:
    """A whole-number setting (``IntSlider`` for small ranges, else ``BoundedIntText``)."""
    kind = w.IntSlider if slider else w.BoundedIntText
    return kind(value=int(value), min=lo, max=hi, description=description, style=STYLE, layout=WIDE)


def float_field(description: str, value: float, *, lo: float = 0.0, hi: float = 3600.0, step: float = 1.0) -> w.Widget:
    return w.BoundedFloatText(value=float(value), min=lo, max=hi, step=step, description=description,
                              style=STYLE, layout=WIDE)


def weight_slider(term: str, value: float, *, lo: float = 0.0, hi: float = 3.0) -> w.FloatSlider:
    """A slider for one objective term's weight."""
    return w.FloatSlider(value=float(value), min=lo, max=hi, step=0.25, description=term, style=STYLE,
                         layout=WIDE, continuous_update=False)


def attribute_picker(description: str, community: Community, value: Sequence[str] = (),
                     *, numeric: bool | None = None) -> w.SelectMultiple:
    """Pick attributes among the community's columns (``numeric``: only numeric ones, or none)."""
    options = list(community.attributes)
    if numeric is not None:
        people = community.members
        options = [a for a in options if _is_numeric(people[a]) == numeric]
    value = tuple(v for v in value if v in options)
    rows = min(max(len(options), 2), 5)
    return w.SelectMultiple(options=options, value=value, rows=rows, description=description, style=STYLE,
                            layout=w.Layout(width="440px"))


def _is_numeric(series: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series))


def text_field(description: str, value: str = "", placeholder: str = "") -> w.Text:
    return w.Text(value=value, placeholder=placeholder, description=description, style=STYLE, layout=WIDE)


class MemberNames:
    """Labels ``"Name (id)"`` for member pickers, and back to ids.

    Examples
    --------
    >>> import pandas as pd
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a1", "b2"], "name": ["Ana", "Ben"]}))
    >>> names = MemberNames(c)
    >>> names.label("a1"), names.member("Ben (b2)"), names.member("b2"), names.member(" ana "), names.member("be")
    ('Ana (a1)', 'b2', 'b2', 'a1', 'b2')
    """

    def __init__(self, community: Community) -> None:
        people = community.members
        names = people["name"].astype(str) if "name" in people else None
        self.labels: dict[str, str] = {}
        by_name: dict[str, list[str]] = {}
        for m in community.ids:
            name = str(names[m]).strip() if names is not None else ""
            self.labels[m] = f"{name} ({m})" if name and name != "nan" else m
            if name:
                by_name.setdefault(name.casefold(), []).append(m)
        self._ids = {label: m for m, label in self.labels.items()}
        self._by_name = {k: v[0] for k, v in by_name.items() if len(v) == 1}

    def label(self, member: str) -> str:
        return self.labels.get(member, member)

    def member(self, text: str, *, what: str = "member") -> str:
        """The id behind a picker's text (a label, an id, or a unique name). InputError if none."""
        text = str(text).strip()
        if not text:
            raise InputError(f"choose a {what}", column=what)
        for key in (text, self._ids.get(text), self._by_name.get(text.casefold())):
            if key in self.labels:
                return key  # type: ignore[return-value]
        folded = text.casefold()
        close = [m for m, label in self.labels.items() if folded in label.casefold()]
        if len(close) == 1:
            return close[0]
        if close:
            shown = ", ".join(self.labels[m] for m in close[:4]) + (", ..." if len(close) > 4 else "")
            raise InputError(f"{len(close)} members match {text!r} ({shown}): type more of the name", column=what)
        raise InputError(f"no member {text!r} (type a few letters of the name and pick one)", column=what)

    def picker(self, description: str, placeholder: str = "type a name") -> w.Combobox:
        return w.Combobox(options=list(self.labels.values()), placeholder=placeholder, description=description,
                          ensure_option=False, style=STYLE, layout=WIDE)

    def tags(self, description: str, value: Sequence[str] = ()) -> MemberTags:
        """Several members (hosts, askers, opt-outs): type a name, Enter adds it; x removes it."""
        return MemberTags(self, description, value)


class MemberTags(w.VBox):
    """A name search (``Combobox``: Enter adds the member) above the chosen members (``TagsInput``).

    ``value`` is the tags' labels, in order (hosts: table 1 first).
    """

    def __init__(self, names: MemberNames, description: str, value: Sequence[str] = ()) -> None:
        self.names = names
        self.search = w.Combobox(options=list(names.labels.values()), placeholder="type a name, then Enter",
                                 description=description, ensure_option=False, continuous_update=False,
                                 style=STYLE, layout=WIDE)
        self.box = w.TagsInput(value=[names.label(m) for m in value], allowed_tags=list(names.labels.values()),
                               allow_duplicates=False, layout=w.Layout(width="440px"))
        self.note = w.HTML()
        self.search.observe(self._add, names="value")
        super().__init__([self.search, self.box, self.note])

    @property
    def value(self) -> tuple[str, ...]:
        return tuple(self.box.value)

    @value.setter
    def value(self, labels: Sequence[str]) -> None:
        self.box.value = [self.names.label(self.names.member(x)) for x in labels]

    def observe(self, handler: Any, names: Any = traitlets.All, **kwargs: Any) -> None:  # type: ignore[override]
        """Observing ``value`` observes the chosen members."""
        if names == "value":
            self.box.observe(handler, names="value")
        else:
            super().observe(handler, names=names, **kwargs)

    def _add(self, change: dict[str, Any]) -> None:
        text = str(change["new"]).strip()
        if not text:
            return
        try:
            label = self.names.label(self.names.member(text))
        except InputError as exc:
            self.note.value = f'<span style="color:#c62828">{html.escape(exc.message)}</span>'
            return
        if label not in self.box.value:
            self.box.value = [*self.box.value, label]
        self.note.value = ""
        self.search.value = ""


def capacities_from(text: str) -> list[int] | None:
    """``"10, 10, 8"`` -> ``[10, 10, 8]``; empty -> None. InputError naming the setting otherwise.

    Examples
    --------
    >>> capacities_from("10, 10,8"), capacities_from(" ")
    ([10, 10, 8], None)
    """
    parts = [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    if not parts:
        return None
    try:
        caps = [int(p) for p in parts]
    except ValueError:
        raise InputError(f"capacities must be whole numbers separated by commas, not {text!r}",
                         column="capacities") from None
    if min(caps) < 1:
        raise InputError("every table needs at least 1 seat", column="capacities")
    return caps


def labelled(title: str, *children: w.Widget) -> w.VBox:
    """A titled group of settings."""
    return w.VBox([w.HTML(f"<b>{title}</b>"), *children], layout=w.Layout(margin="0 0 8px 0"))


__all__ = ["MemberNames", "MemberTags", "attribute_picker", "capacities_from", "float_field", "int_field", "labelled",
           "text_field", "weight_slider"]
