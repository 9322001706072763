"""Arguments shared by the solving verbs, so they mean the same everywhere."""

from __future__ import annotations

import argparse
import io
import math
import os
from collections.abc import Iterable, Sequence
from typing import TextIO

from matchmaking.errors import InputError


def add_common(parser: argparse.ArgumentParser, *, solve: bool = True) -> None:
    """Add ``--pairs``, ``--constraints``, ``--history`` and, for solvers, ``--time-limit``, ``--seed``."""
    parser.add_argument("--pairs", metavar="F", help="pairs file a,b,weight: its weights are the whole affinity")
    parser.add_argument("--constraints", metavar="F", help="constraints file kind,a,b[,round]")
    parser.add_argument("--history", metavar="DB", help="meeting history (SQLite file, or a CSV a,b[,count])")
    if solve:
        parser.add_argument("--time-limit", type=positive_float, default=30.0, metavar="SEC", help="seconds (default 30)")
        parser.add_argument("--seed", type=non_negative_int, default=0, metavar="K", help="random seed (default 0)")


def split_names(text: str | None) -> list[str]:
    """A comma-separated option (``"city, sector"``) as a list of names; empty or None gives [].

    Examples
    --------
    >>> split_names(" city, sector,,")
    ['city', 'sector']
    """
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def load_history(path: str | None, *, must_exist: bool = True) -> object:
    """A meeting history from ``--history``: a SQLite ledger, or a CSV/Excel table ``a,b[,count]``.

    A history that is only read must exist: a typo must not silently start an empty ledger.
    """
    if not path:
        return None
    from pathlib import Path

    if must_exist and not Path(path).exists():
        raise InputError("history file not found (record an event first: matchmaking history DB record ...)",
                         file=str(path))
    if str(path).lower().endswith((".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq")):
        from matchmaking.scoring.pairs_file import read_meeting_counts

        table = read_meeting_counts(path)  # counts are checked again where every engine reads them (history_counts)
        table.attrs["file"] = str(path)
        return table
    from matchmaking.history import MeetingHistory

    return MeetingHistory(path)


#: ``--report`` of every solving verb.
REPORT_HELP = ("room-ready report: a folder (index.html, <kind>.pdf, <kind>.xlsx) or one file .html, .pdf, .xlsx "
               "or .csv")


def add_outputs(parser: argparse.ArgumentParser, *, out_help: str, out_metavar: str | None = None) -> None:
    """Add ``--out`` (the plan file, required) and ``--report`` (a room-ready report, optional)."""
    parser.add_argument("--out", required=True, metavar=out_metavar, help=out_help)
    parser.add_argument("--report", metavar="PATH", help=REPORT_HELP)


def check_report(args: argparse.Namespace, kind: str) -> None:
    """Refuse a bad ``--report`` (an unknown format, a missing folder) before the solve starts."""
    if getattr(args, "report", None):
        from matchmaking.reports import report_paths

        report_paths(args.report, kind)


def write_plan_report(plan: object, args: argparse.Namespace, community: object, **options: object) -> dict | None:
    """Write the ``--report`` of ``plan`` (None when none was asked): its paths by format.

    ``options`` go to :func:`matchmaking.reports.write_report` (``hosts=``, ``color_by=``...); the
    members file and the plan file are the report's inputs.
    """
    if not getattr(args, "report", None):
        return None
    from matchmaking.reports import write_report

    return write_report(plan, args.report, community, inputs=[args.members, args.out], **options)


# --------------------------------------------------------------------------- option types


def _number(text: str, convert: type, minimum: float, *, strict: bool, words: str) -> int | float:
    """``text`` as a finite ``convert`` (int or float) above ``minimum`` (``strict``) or at least it."""
    try:
        value = convert(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and (value > minimum if strict else value >= minimum)):
        raise argparse.ArgumentTypeError(f"must be {words}, not {text!r}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1.

    Examples
    --------
    >>> positive_int("3")
    3
    >>> positive_int("-3")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a whole number >= 1, not '-3'
    """
    return int(_number(text, int, 1, strict=False, words="a whole number >= 1"))


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number >= 0.

    >>> non_negative_int("0")
    0
    """
    return int(_number(text, int, 0, strict=False, words="a whole number >= 0"))


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0 (seconds, shares...).

    Examples
    --------
    >>> positive_float("1.5")
    1.5
    >>> positive_float("-1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a number > 0, not '-1'
    """
    return float(_number(text, float, 0, strict=True, words="a number > 0"))


def non_negative_float(text: str) -> float:
    """An argparse type: a finite number >= 0.

    >>> non_negative_float("0")
    0.0
    """
    return float(_number(text, float, 0, strict=False, words="a number >= 0"))


# --------------------------------------------------------------------------- input and output paths


def declare_paths(parser: argparse.ArgumentParser, *, inputs: Sequence[str] = (), outputs: Sequence[str] = (),
                  folders: Sequence[str] = ()) -> None:
    """Name the arguments (by dest) a verb reads and writes, for :func:`check_paths`.

    :func:`matchmaking.cli.main` checks them once, before anything is read or solved.
    ``folders`` are outputs that may name a folder (a report: ``DIR/index.html``...).
    """
    labels = {}
    for action in parser._actions:  # noqa: SLF001 - argparse keeps no public list
        labels[action.dest] = action.option_strings[0] if action.option_strings else (action.metavar or action.dest.upper())
    parser.set_defaults(
        _inputs=tuple((dest, labels.get(dest, dest.upper())) for dest in inputs),
        _outputs=tuple((dest, labels.get(dest, dest.upper())) for dest in outputs),
        _folders=tuple(labels.get(dest, dest.upper()) for dest in folders),
    )


def _same_file(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links, case-insensitive file systems
    except OSError:
        return False


def check_paths(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output that would destroy an input or another output.

    Every output must be a file (not a folder) in an existing folder, differ from every input
    (symbolic and hard links followed) and from the other outputs.

    Raises
    ------
    InputError
        Naming the option, e.g. ``--out m.csv is also MEMBERS: writing it would destroy the input``.

    Examples
    --------
    >>> ns = argparse.Namespace(members="m.csv", out="./m.csv", _inputs=(("members", "MEMBERS"),),
    ...                         _outputs=(("out", "--out"),))
    >>> check_paths(ns)
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: --out ./m.csv is also MEMBERS (m.csv): writing it would destroy the input; choose another file name
    """
    from matchmaking.model.io import output_target

    def given(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        out = []
        for dest, label in pairs:
            value = getattr(args, dest, None)
            for item in value if isinstance(value, list) else [value]:
                if item:
                    out.append((str(item), label))
        return out

    inputs = given(getattr(args, "_inputs", ()))
    outputs = given(getattr(args, "_outputs", ()))
    for k, (path, label) in enumerate(outputs):
        for source, source_label in inputs:
            if _same_file(path, source):
                raise InputError(f"{label} {path} is also {source_label} ({source}): writing it would destroy "
                                 "the input; choose another file name")
        for other, other_label in outputs[:k]:
            if _same_file(path, other):
                raise InputError(f"{label} {path} is also {other_label} ({other}): one output would overwrite "
                                 "the other; choose another file name")
        try:
            if label in getattr(args, "_folders", ()) and (os.path.isdir(path) or not os.path.splitext(path)[1]):
                if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
                    raise InputError(f"the folder {os.path.dirname(path)!r} does not exist (create it first)")
                continue  # a report folder: its files are checked when written
            output_target(path)
        except InputError as exc:
            raise InputError(f"{label} {path}: {exc.message}") from None


# --------------------------------------------------------------------------- terminal output

_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]}
_CONTROL.update({c: f"\\u{c:04x}" for c in [0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]})


def sanitize(text: str) -> str:
    r"""Text safe for a terminal: control characters and bidirectional overrides shown escaped.

    Member data (names, ids, labels) could otherwise move the cursor, retitle the window or
    hide text. Newlines and tabs stay.

    Examples
    --------
    >>> sanitize("Ana\x1b[2J\u202eevil\tok\n")
    'Ana\\x1b[2J\\u202eevil\tok\n'
    """
    return text.translate(_CONTROL)


class SafeStream(io.TextIOBase):
    """A text stream that :func:`sanitize` s everything written to it before passing it on."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(sanitize(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", "utf-8")

    def fileno(self) -> int:
        return self.stream.fileno()
