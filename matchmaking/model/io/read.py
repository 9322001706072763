"""Reading the user's tables (CSV, Excel, Parquet or a DataFrame) as strings, with clear errors.

Every reader returns a table of strings with a ``_row`` column (:data:`ROW`) holding the row
number a spreadsheet would show (header = 1), so that later validation can name the row.
Decoding a CSV file (encodings, separators, ragged rows) is :mod:`matchmaking.model.text`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.text import column_text, header_text, read_csv_frame, sheet_with_header

#: What a table argument may be: a path (CSV, Excel, Parquet) or a DataFrame.
TableLike = str | os.PathLike | pd.DataFrame
#: The column :func:`read_table` adds: each row's number as a spreadsheet shows it.
ROW = "_row"
_SEPARATORS = {"|": "pipe"}  # commas, semicolons and tabs are recognised (model/text.py)

__all__ = ["ROW", "TableLike", "read_table", "require_columns", "source_name"]


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


#: File endings read as Excel workbooks.
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls"})


def read_table(source: TableLike, *, name: str | None = None, sheet: str | int = 0) -> pd.DataFrame:
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
    sheet : str or int, default 0
        The sheet of a workbook to read (its name or position; the first by default).

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
            if suffix in EXCEL_SUFFIXES:
                frame, numbers = sheet_with_header(
                    pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, keep_default_na=False), fname)
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
