"""What the engines' tuning dataclasses share: ``coerce`` from a dict, and their field checks.

Each engine keeps its tuning values in a small frozen dataclass (``SeatingParams``,
``CohortParams``, ``IntroParams``...) that subclasses :class:`Params` and validates itself in
``__post_init__`` with :func:`check_whole` and :func:`check_number`, so a bad value is an
:class:`~matchmaking.errors.InputError` naming the field.

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class DemoParams(Params):
...     label = "demo"
...     rounds: int = 3
...     share: float = 0.5
...     def __post_init__(self) -> None:
...         check_whole(self, ["rounds"])
...         check_number(self, "share", high=1)
>>> DemoParams.coerce({"rounds": 4}).rounds
4
>>> DemoParams.coerce({"laps": 4})
Traceback (most recent call last):
...
matchmaking.errors.InputError: column 'params': unknown demo parameter(s) ['laps']; see DemoParams
>>> DemoParams(share=2)
Traceback (most recent call last):
...
matchmaking.errors.InputError: column 'share': share must be between 0 and 1, not 2
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import ClassVar, TypeVar

import numpy as np

from matchmaking.errors import InputError

__all__ = ["Params", "check_number", "check_whole"]

P = TypeVar("P", bound="Params")


class Params:
    """Base of the engines' tuning dataclasses: :meth:`coerce` turns ``params=`` into one."""

    #: The engine's word in messages ("unknown seating parameter(s) ...").
    label: ClassVar[str] = "engine"

    @classmethod
    def coerce(cls: type[P], params: P | Mapping[str, object] | None) -> P:
        """``params=`` as an instance: None (the defaults), an instance, or a dict of its fields.

        Raises
        ------
        InputError
            For a field the class does not have, or a value of another type (``column="params"``).
        """
        if params is None:
            return cls()
        if isinstance(params, cls):
            return params
        if isinstance(params, Mapping):
            unknown = sorted(set(params) - {f.name for f in fields(cls)})  # type: ignore[arg-type]
            if unknown:
                raise InputError(f"unknown {cls.label} parameter(s) {unknown}; see {cls.__name__}", column="params")
            return cls(**params)
        raise InputError(f"params must be a {cls.__name__} or a dict, not {type(params).__name__}", column="params")


def check_whole(params: object, names: Iterable[str], *, minimum: int = 1, prefix: str = "",
                column_prefix: str = "") -> None:
    """Each field in ``names`` must be a whole number (not a bool) >= ``minimum``.

    ``prefix`` starts the message (``"IntroParams."``), ``column_prefix`` the column
    (``"params."``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> check_whole(SimpleNamespace(k=0), ["k"], prefix="X.")
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: column 'k': X.k must be a whole number >= 1, not 0
    """
    for name in names:
        value = getattr(params, name)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise InputError(f"{prefix}{name} must be a whole number >= {minimum}, not {value!r}",
                             column=column_prefix + name)


def check_number(params: object, name: str, *, low: float = 0.0, high: float = math.inf, low_open: bool = False,
                 high_open: bool = False, prefix: str = "", column_prefix: str = "") -> None:
    """The field ``name`` must be a finite number (not a bool) in ``[low, high]``.

    ``low_open`` / ``high_open`` exclude that end (``low=0, low_open=True``: > 0).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> check_number(SimpleNamespace(rate=0.0), "rate", low_open=True)
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: column 'rate': rate must be > 0, not 0.0
    """
    value = getattr(params, name)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(value):
        raise InputError(f"{prefix}{name} must be a number, not {value!r}", column=column_prefix + name)
    below = value < low or (low_open and value == low)
    above = value > high or (high_open and value == high)
    if not (below or above):
        return
    if math.isfinite(high) and not (low_open or high_open):
        words = f"between {low:g} and {high:g}"
    elif below:
        words = f"{'>' if low_open else '>='} {low:g}"
    else:
        words = f"{'<' if high_open else '<='} {high:g}"
    raise InputError(f"{prefix}{name} must be {words}, not {value!r}", column=column_prefix + name)
