"""Reading the user's tables (CSV, Excel, Parquet or a DataFrame) with clear errors.

All readers return string tables with a ``_row`` column holding the row number a
spreadsheet would show (header = 1), so that later validation can name the row.
"""

from __future__ import annotations

import atexit
import contextvars
import hashlib
import math
import os
import re
import signal
import socket
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.text import (  # unescape_cell: spreadsheet_safe's inverse, importable from here too
    column_text,
    header_text,
    read_csv_frame,
    sheet_with_header,
    unescape_cell,
)

TableLike = str | os.PathLike | pd.DataFrame
ROW = "_row"
_SEPARATORS = {"|": "pipe"}  # commas, semicolons and tabs are recognised (model/text.py)
#: Largest table, cohort, group or round number a file may give (plans and requests).
MAX_GROUP = 1_000_000_000
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what openpyxl refuses in a cell
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


__all__ = ["MAX_GROUP", "ROW", "TableLike", "atomic_write", "clean_stale_temps", "csv_text", "output_batch",
           "output_target", "parse_number", "read_table", "require_columns", "safe_frame", "source_name", "split_list",
           "spreadsheet_safe", "unescape_cell", "workbook_frame", "write_table"]


def source_name(source: TableLike, default: str = "DataFrame") -> str:
    """Return the display name of a table source (its file name, or ``default``).

    >>> source_name(42)
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: a table must be a file path or a DataFrame, not int
    """
    if isinstance(source, pd.DataFrame):
        return default
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(f"a table must be a file path or a DataFrame, not {type(source).__name__}")
    return os.fspath(source)


def read_table(source: TableLike, *, name: str | None = None) -> pd.DataFrame:
    """Read a CSV, Excel or Parquet file (or take a DataFrame) as a table of strings.

    Column names are stripped of spaces. Empty cells become ``""``; rows with no value at all
    in a file are dropped (they keep their place in the numbering), and so are columns with
    neither a name nor a value. A ``_row`` column gives each row's number as a spreadsheet shows it
    (header = row 1). List cells (a Parquet list column) become ``;``-separated text, dates
    at midnight become ``YYYY-MM-DD``.

    Parameters
    ----------
    source : path or DataFrame
        ``.csv`` (comma, semicolon or tab separated; UTF-8, UTF-16 or Windows-1252: see
        :mod:`matchmaking.model.text`), ``.xlsx``, ``.parquet`` or a DataFrame.
    name : str, optional
        Name used in error messages; defaults to the path.

    Raises
    ------
    InputError
        When the file is missing, unreadable, not text, ragged, mixes encodings, has a
        duplicate or an unnamed column, or a cell too long to be real (naming the row and
        column where it applies).

    Examples
    --------
    >>> import pandas as pd
    >>> t = read_table(pd.DataFrame({"id": ["a", "b"], " city ": ["Lyon", None]}))
    >>> list(t.columns), t["city"].tolist(), t["_row"].tolist()
    (['id', 'city', '_row'], ['Lyon', ''], [2, 3])
    >>> read_table(pd.DataFrame({"id": ["a"], "offers": [["seo", "ads"]]}))["offers"].tolist()
    ['seo; ads']
    """
    fname = name or source_name(source)
    numbers: list[int] | None = None
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index(drop=True).copy()
    else:
        path = Path(source)
        if not path.exists():
            raise InputError("file not found", file=fname)
        if path.is_dir():
            raise InputError("this is a folder, not a file", file=fname)
        suffix = path.suffix.lower()
        try:
            if suffix in {".xlsx", ".xlsm", ".xls"}:
                frame, numbers = sheet_with_header(
                    pd.read_excel(path, header=None, dtype=object, keep_default_na=False), fname)
            elif suffix in {".parquet", ".pq"}:
                frame = pd.read_parquet(path)
            else:
                frame, numbers = read_csv_frame(path, fname)
        except InputError:
            raise
        except Exception as exc:  # a corrupt workbook or Parquet file, an unreadable file...
            raise InputError(f"cannot read the file ({type(exc).__name__}: {exc})"[:500], file=fname) from exc
    drop_blank = numbers is not None  # a spreadsheet's empty rows (CSV, Excel); a DataFrame keeps every row
    if numbers is None:
        numbers = list(range(2, len(frame) + 2))
    header = [header_text(c, fname) for c in frame.columns]
    frame = frame.set_axis(range(len(header)), axis=1)  # positions: duplicate names stay visible
    out = pd.DataFrame({k: column_text(frame[k], fname, numbers, header[k]) for k in frame.columns},
                       index=frame.index, columns=list(frame.columns))
    keep = [k for k, h in enumerate(header) if h or out[k].ne("").any()]
    for k in keep:
        if not header[k]:
            first = int(out[k].ne("").to_numpy().argmax())
            raise InputError(f"column {k + 1} has no name in the header but holds values (e.g. row "
                             f"{numbers[first]}): give it a name", file=fname, row=1)
    out = out[keep].set_axis([header[k] for k in keep], axis=1)
    _check_header(out, fname)
    if drop_blank and len(out.columns):
        filled = out.ne("").any(axis=1).to_numpy()
    else:
        filled = np.full(len(out), not drop_blank)
    out = out.loc[filled].reset_index(drop=True)
    out[ROW] = [n for n, f in zip(numbers, filled, strict=True) if f]
    return out


def _check_header(frame: pd.DataFrame, fname: str) -> None:
    cols = list(frame.columns)
    if len(cols) == 1:
        for sep, word in _SEPARATORS.items():
            if sep in cols[0]:
                raise InputError(
                    f"the header is one column {cols[0]!r}: the file looks separated by "
                    f"{word}s; columns must be separated by commas, semicolons or tabs "
                    "(lists inside a cell use ';')",
                    file=fname,
                    row=1,
                )
    seen: dict[str, int] = {}
    for i, col in enumerate(cols):
        if col == ROW:
            raise InputError(f"column name {ROW!r} is reserved (the row numbers)", file=fname, row=1, column=col)
        if col in seen:
            raise InputError(
                f"column name {col!r} appears twice (columns {seen[col] + 1} and {i + 1})",
                file=fname,
                row=1,
                column=col,
            )
        seen[col] = i


def require_columns(table: pd.DataFrame, columns: Iterable[str], fname: str) -> None:
    """Raise :class:`InputError` naming the first required column that is missing."""
    present = [c for c in table.columns if c != ROW]
    for col in columns:
        if col not in table.columns:
            raise InputError(
                f"required column {col!r} is missing; the columns are {present}",
                file=fname,
                row=1,
                column=col,
            )


def split_list(cell: str) -> list[str]:
    """Split a ``;``-separated cell into stripped, non-empty items.

    Examples
    --------
    >>> split_list(" SEO; copywriting ;; ")
    ['SEO', 'copywriting']
    """
    return [part.strip() for part in str(cell).split(";") if part.strip()]


def parse_number(
    value: str, *, fname: str, row: int, column: str, kind: type = float, low: float | None = None,
    high: float | None = None,
) -> Any:
    """Parse a finite number from a cell, or raise an :class:`InputError` naming the cell.

    A decimal comma is read when it cannot mean anything else (``"0,5"``, ``"-2,75"``: what a
    spreadsheet writes where the decimal mark is a comma); ``"1,000"`` could be a thousand or
    one, so it is refused with the two readings. ``inf`` and ``nan`` are never numbers here.
    ``low`` / ``high`` bound the value (inclusive).

    Examples
    --------
    >>> parse_number("0,5", fname="pairs.csv", row=2, column="weight")
    0.5
    >>> parse_number("inf", fname="pairs.csv", row=3, column="weight")
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: pairs.csv, row 3, column 'weight': 'inf' is not a finite number
    >>> parse_number("-50", fname="h.csv", row=4, column="count", low=0)
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: h.csv, row 4, column 'count': -50 is below 0
    """
    text = str(value).strip().lstrip("'")
    if _DECIMAL_COMMA.fullmatch(text):
        if _THOUSANDS.fullmatch(text.lstrip("+-")):
            raise InputError(
                f"{text!r} is ambiguous (a thousands separator or a decimal comma?): write "
                f"{text.replace(',', '')} or {text.replace(',', '.')}", file=fname, row=row, column=column,
            )
        text = text.replace(",", ".")
    try:
        number = kind(text)
    except (ValueError, OverflowError):
        raise InputError(
            f"{text[:40]!r} is not a {'whole ' if kind is int else ''}number", file=fname, row=row, column=column
        ) from None
    if kind is float and not math.isfinite(number):
        raise InputError(f"{text[:40]!r} is not a finite number", file=fname, row=row, column=column)
    shown = f"{number:g}" if kind is float else str(number)
    if low is not None and number < low:
        raise InputError(f"{shown} is below {low:g}", file=fname, row=row, column=column)
    if high is not None and number > high:
        raise InputError(f"{shown} is above {high:g}", file=fname, row=row, column=column)
    return number


# --------------------------------------------------------------------------- writing


def spreadsheet_safe(value: Any) -> Any:
    """Neutralise a text cell that a spreadsheet would run as a formula.

    Text that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a
    leading apostrophe (the OWASP recommendation). Numbers are left alone.

    Examples
    --------
    >>> spreadsheet_safe("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> spreadsheet_safe(-3), spreadsheet_safe("Ana")
    (-3, 'Ana')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with every text cell and column name made :func:`spreadsheet_safe`.

    Examples
    --------
    >>> safe_frame(pd.DataFrame({"=x": ["@a", 1]})).to_dict("list")
    {"'=x": ["'@a", 1]}
    """
    out = frame.copy()
    out.columns = [spreadsheet_safe(c) for c in out.columns]
    for k in range(out.shape[1]):
        col = out.iloc[:, k]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            out.isetitem(k, col.map(spreadsheet_safe))
    return out


def workbook_frame(frame: pd.DataFrame) -> pd.DataFrame:
    r""":func:`safe_frame` for a workbook: line breaks as ``\n`` (a workbook's XML keeps no ``\r``)
    and the control characters it cannot hold at all shown as U+FFFD.

    Examples
    --------
    >>> workbook_frame(pd.DataFrame({"name": ["=1", "a\x0bb", "c\r\nd"]}))["name"].tolist()
    ["'=1", 'a\ufffdb', 'c\nd']
    """

    def fit(v: Any) -> Any:
        if not isinstance(v, str):
            return v
        return _XLSX_ILLEGAL.sub("\ufffd", v.replace("\r\n", "\n").replace("\r", "\n"))

    out = frame.copy()  # fitted first, so that the formula escape sees what the workbook will hold
    out.columns = [fit(c) for c in out.columns]
    for k in range(out.shape[1]):
        col = out.iloc[:, k]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            out.isetitem(k, col.map(fit))
    return safe_frame(out)


_TEMP_TAG = f"mm-{hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]}"
_TEMP_NAME = re.compile(r"^\..*\.(mm-[0-9a-f]{8})-(\d+)-[^.]*\.tmp$")
_LIVE_TEMPS: set[str] = set()  # temp files of this process, removed at exit if still there
_BATCH: contextvars.ContextVar[list[tuple[Path, Path]] | None] = contextvars.ContextVar("output_batch", default=None)


def _umask() -> int:
    """The process umask, read without changing it where the system tells it (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o22)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


def _remove_temps() -> None:
    for tmp in list(_LIVE_TEMPS):
        Path(tmp).unlink(missing_ok=True)
        _LIVE_TEMPS.discard(tmp)


atexit.register(_remove_temps)


def clean_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files a killed writer of this machine left in ``folder``.

    Temporary files are named ``.NAME.mm-HOST-PID-XXXX.tmp``: one whose process (on this
    host) no longer runs is stale. Returns the files removed.
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if not match or match.group(1) != _TEMP_TAG or not entry.is_file(follow_symlinks=False):
            continue
        pid = int(match.group(2))
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            continue  # still running (its own temp file)
        except ProcessLookupError:
            pass
        except OSError:  # another user's live process, or not ours to ask
            continue
        try:
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


def output_target(path: str | os.PathLike) -> Path:
    """The file a write to ``path`` really replaces, checked before anything is written.

    A symbolic link is followed (its target is written, the link stays). The folder must
    exist and the path must not be a folder.

    Raises
    ------
    InputError
        When the path is a folder or its folder does not exist.
    """
    target = Path(os.path.realpath(os.fspath(path)))
    if target.is_dir():
        raise InputError("is a folder, not a file: give a file name", file=os.fspath(path))
    if not target.parent.is_dir():
        raise InputError(f"the folder {str(Path(os.fspath(path)).parent)!r} does not exist (create it first)",
                         file=os.fspath(path))
    return target


@contextmanager
def output_batch() -> Iterator[list[tuple[Path, Path]]]:
    """Stage every :func:`atomic_write` inside the block and commit them together at its end.

    Each output is written to a temporary file beside its target; only when the block ends
    without an error are all of them renamed into place (signals blocked meanwhile). An error,
    Ctrl-C or a termination signal inside the block leaves every target as it was. Nested
    blocks join the outer one.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> try:
    ...     with output_batch():
    ...         _ = write_table(pd.DataFrame({"a": [1]}), os.path.join(folder, "one.csv"))
    ...         raise RuntimeError("a later output failed")
    ... except RuntimeError:
    ...     pass
    >>> os.listdir(folder)
    []
    """
    if _BATCH.get() is not None:
        yield _BATCH.get()  # type: ignore[misc]
        return
    staged: list[tuple[Path, Path]] = []
    token = _BATCH.set(staged)
    try:
        yield staged
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
            _LIVE_TEMPS.discard(str(tmp))
        raise
    else:
        blocked = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP} if hasattr(signal, "SIGHUP") else set()
        old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked) if blocked else None
        try:
            for tmp, target in staged:
                os.replace(tmp, target)
                _LIVE_TEMPS.discard(str(tmp))
        finally:
            for tmp, _ in staged:  # a rename that failed: no temp left behind
                if str(tmp) in _LIVE_TEMPS:
                    tmp.unlink(missing_ok=True)
                    _LIVE_TEMPS.discard(str(tmp))
            if old is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
    finally:
        _BATCH.reset(token)


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Write a file through a temporary file in the same folder, then rename it.

    A crash or an error half-way leaves the previous file (or no file), never a half file.
    A symbolic link is followed (its target is replaced, the link stays); a missing folder
    or a folder as target is an :class:`InputError`. A new file gets the permissions the
    umask gives; a replaced file keeps its own. Inside :func:`output_batch` the rename waits
    for the end of the batch. Temporary files are removed on errors, at exit, and (when a
    kill left them) by the next write into the same folder.
    """
    target = output_target(path)
    clean_stale_temps(target.parent)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:100]}.{_TEMP_TAG}-{os.getpid()}-", suffix=".tmp",
                               dir=target.parent)
    _LIVE_TEMPS.add(tmp)
    os.close(fd)
    staged = _BATCH.get()
    try:
        write(Path(tmp))
        os.chmod(tmp, mode)
        if staged is None:
            os.replace(tmp, target)
            _LIVE_TEMPS.discard(tmp)
        else:
            for i, (old_tmp, old_target) in enumerate(staged):
                if old_target == target:  # written twice in one batch: the last write wins
                    old_tmp.unlink(missing_ok=True)
                    _LIVE_TEMPS.discard(str(old_tmp))
                    del staged[i]
                    break
            staged.append((Path(tmp), target))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        _LIVE_TEMPS.discard(tmp)
        raise
    return target


def write_table(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    r"""Write a table safely (formula-injection-proof, atomic) as CSV, Excel or Parquet.

    CSV is UTF-8 with ``\n`` line ends, or ``\r\n`` when a cell holds a carriage return (so
    that the cell is quoted and reads back whole). In a workbook, line breaks are ``\n`` and
    the control characters Excel cannot store become U+FFFD. :func:`read_table` reads every
    output back as written.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return atomic_write(target, lambda p: workbook_frame(frame).to_excel(p, index=False, engine="openpyxl"))
    if suffix in {".parquet", ".pq"}:
        return atomic_write(target, lambda p: frame.to_parquet(p, index=False))
    text = csv_text(frame)
    return atomic_write(target, lambda p: p.write_text(text, encoding="utf-8", newline=""))


def csv_text(frame: pd.DataFrame) -> str:
    r"""The formula-safe CSV text of a table: ``\n`` line ends, or ``\r\n`` when a cell holds a
    carriage return (so that the cell is quoted and reads back as one row).

    Examples
    --------
    >>> csv_text(pd.DataFrame({"member": ["-x", "a\rb"]}))
    'member\r\n\'-x\r\n"a\rb"\r\n'
    """
    safe = safe_frame(frame)
    cr = any(_has_cr(safe.iloc[:, k]) for k in range(safe.shape[1])) or any("\r" in str(c) for c in safe.columns)
    return safe.to_csv(index=False, lineterminator="\r\n" if cr else "\n")


def _has_cr(col: pd.Series) -> bool:
    if not (col.dtype == object or pd.api.types.is_string_dtype(col)):
        return False
    return bool(col.map(lambda v: isinstance(v, str) and "\r" in v).any())
