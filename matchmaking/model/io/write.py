"""Writing tables a spreadsheet opens safely: formula-proof cells, workbook-fit text, atomic files.

:func:`write_table` writes CSV, Excel or Parquet through :func:`~matchmaking.model.io.atomic.atomic_write`
(never a half file); every text cell a spreadsheet would run as a formula is escaped first.
:func:`~matchmaking.model.text.unescape_cell` is the inverse of :func:`spreadsheet_safe`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from matchmaking.model.io.atomic import atomic_write

_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what openpyxl refuses in a cell
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

__all__ = ["csv_text", "safe_frame", "spreadsheet_safe", "workbook_frame", "write_table"]


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


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col)


def _map_text(frame: pd.DataFrame, fn: Callable[[Any], Any]) -> pd.DataFrame:
    """A copy of ``frame`` with ``fn`` applied to every column name and every cell of a text column."""
    out = frame.copy()
    out.columns = [fn(c) for c in out.columns]
    for k in range(out.shape[1]):
        col = out.iloc[:, k]
        if _is_text(col):
            out.isetitem(k, col.map(fn))
    return out


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with every text cell and column name made :func:`spreadsheet_safe`.

    Examples
    --------
    >>> safe_frame(pd.DataFrame({"=x": ["@a", 1]})).to_dict("list")
    {"'=x": ["'@a", 1]}
    """
    return _map_text(frame, spreadsheet_safe)


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

    return safe_frame(_map_text(frame, fit))  # fitted first, so that the formula escape sees what the workbook holds


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
    if not _is_text(col):
        return False
    return bool(col.map(lambda v: isinstance(v, str) and "\r" in v).any())
