"""Reading the user's tables (CSV, Excel, Parquet or a DataFrame) with clear errors.

All readers return string tables with a ``_row`` column holding the row number a
spreadsheet would show (header = 1), so that later validation can name the row.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from matchmaking.errors import InputError

TableLike = str | os.PathLike | pd.DataFrame
ROW = "_row"
_SEPARATORS = {";": "semicolon", "\t": "tab", "|": "pipe"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def source_name(source: TableLike, default: str = "DataFrame") -> str:
    """Return the display name of a table source (its file name, or ``default``)."""
    if isinstance(source, pd.DataFrame):
        return default
    return os.fspath(source)


def read_table(source: TableLike, *, name: str | None = None) -> pd.DataFrame:
    """Read a CSV, Excel or Parquet file (or take a DataFrame) as a table of strings.

    Column names are stripped of spaces. Empty cells become ``""``. A ``_row``
    column gives each row's number as a spreadsheet shows it (header = row 1).

    Parameters
    ----------
    source : path or DataFrame
        ``.csv`` (UTF-8 or Windows-1252), ``.xlsx``, ``.parquet`` or a DataFrame.
    name : str, optional
        Name used in error messages; defaults to the path.

    Raises
    ------
    InputError
        When the file is missing, unreadable, ragged, or separated by the wrong character.

    Examples
    --------
    >>> import pandas as pd
    >>> t = read_table(pd.DataFrame({"id": ["a", "b"], " city ": ["Lyon", None]}))
    >>> list(t.columns), t["city"].tolist(), t["_row"].tolist()
    (['id', 'city', '_row'], ['Lyon', ''], [2, 3])
    """
    fname = name or source_name(source)
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index(drop=True).copy()
    else:
        path = Path(source)
        if not path.exists():
            raise InputError("file not found", file=fname)
        suffix = path.suffix.lower()
        try:
            if suffix in {".xlsx", ".xlsm", ".xls"}:
                frame = pd.read_excel(path, dtype=object)
            elif suffix in {".parquet", ".pq"}:
                frame = pd.read_parquet(path)
            else:
                frame = _read_csv(path, fname)
        except InputError:
            raise
        except Exception as exc:  # pragma: no cover - exotic reader failures
            raise InputError(f"cannot read the file ({exc})", file=fname) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_header(frame, fname)
    numbers = frame.attrs.get("rows")
    out = frame.astype(object).where(frame.notna(), "")
    out = out.map(_cell_text)
    out[ROW] = numbers if numbers is not None and len(numbers) == len(out) else range(2, len(out) + 2)
    return out


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unescape_cell(str(value).strip())


def _read_csv(path: Path, fname: str) -> pd.DataFrame:
    """Parse a CSV with the standard library, so every row keeps its spreadsheet number.

    Rows with more or fewer fields than the header are errors (never silently shifted or
    padded); blank lines count as rows (a spreadsheet shows them) and are then dropped.
    """
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "cp1252"]
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise InputError("not a UTF-8, UTF-16 or Windows-1252 text file", file=fname)
    if not text.strip():
        raise InputError("the file is empty", file=fname)
    records = list(csv.reader(io.StringIO(text, newline="")))
    header = [h.strip() for h in records[0]]
    width = len(header)
    rows, numbers = [], []
    for number, record in enumerate(records[1:], start=2):
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) != width:
            extra = len(record) > width
            raise InputError(
                f"{len(record)} fields where the header has {width}"
                + (": a stray comma, or a list separated by ',' instead of ';'? (quote cells that contain commas)"
                   if extra else ": a missing cell or a missing comma?"),
                file=fname,
                row=number,
            )
        rows.append(record)
        numbers.append(number)
    _check_header(pd.DataFrame(columns=header), fname)  # before rows are framed: duplicates stay visible
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    frame.attrs["rows"] = numbers
    return frame


def _check_header(frame: pd.DataFrame, fname: str) -> None:
    cols = list(frame.columns)
    if len(cols) == 1:
        for sep, word in _SEPARATORS.items():
            if sep in cols[0]:
                raise InputError(
                    f"the header is one column {cols[0]!r}: the file looks separated by "
                    f"{word}s, but columns must be separated by commas (lists inside a cell use ';')",
                    file=fname,
                    row=1,
                )
    seen: dict[str, int] = {}
    for i, col in enumerate(cols):
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


def parse_number(value: str, *, fname: str, row: int, column: str, kind: type = float) -> Any:
    """Parse a number from a cell, or raise an :class:`InputError` naming the cell."""
    text = str(value).strip().lstrip("'")
    try:
        number = kind(text)
    except ValueError:
        raise InputError(
            f"{text!r} is not a {'whole ' if kind is int else ''}number", file=fname, row=row, column=column
        ) from None
    if kind is float and number != number:  # NaN
        raise InputError(f"{text!r} is not a number", file=fname, row=row, column=column)
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


def unescape_cell(value: str) -> str:
    """Undo :func:`spreadsheet_safe` on a cell read back from an exported file."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with every text cell made :func:`spreadsheet_safe`."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(spreadsheet_safe)
    return out


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Write a file through a temporary file in the same folder, then rename it.

    A crash or an error half-way leaves the previous file (or no file), never a half file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + target.name, suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_table(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a table safely (formula-injection-proof, atomic) as CSV, Excel or Parquet."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return atomic_write(target, lambda p: safe_frame(frame).to_excel(p, index=False, engine="openpyxl"))
    if suffix in {".parquet", ".pq"}:
        return atomic_write(target, lambda p: frame.to_parquet(p, index=False))
    return atomic_write(target, lambda p: safe_frame(frame).to_csv(p, index=False))
