"""Turning a user's file into text cells: encoding, delimiter, row numbers, cell values.

What an organizer gets (see ``tests/README.md`` for the whole table):

- **Encoding.** UTF-8 (with or without a byte-order mark) and UTF-16 with its mark are read
  as such. A file that is not valid UTF-8 is read *line by line*: each line that is valid
  UTF-8 stays UTF-8, and a line whose only non-ASCII bytes are not UTF-8 is read as
  Windows-1252 (what Excel writes on Windows for "CSV"). So a UTF-8 file with one pasted
  Windows-1252 row keeps every other accent right, and a whole Windows-1252 file reads as
  before. A line that mixes both, or a byte that is text in neither, stops the reading with
  an :class:`~matchmaking.errors.InputError` naming the file, row and column of the byte.
- **Delimiter.** Comma, semicolon (Excel's default where the decimal mark is a comma, as in
  France) or tab, whichever splits the header into the most columns (comma on a tie). Quoted
  cells may hold the delimiter, quotes (doubled) and line breaks.
- **Rows** are numbered as a spreadsheet shows them (header = 1; a quoted cell with line
  breaks is one row). A cell longer than :data:`MAX_CELL_CHARS`, a NUL byte (a binary file)
  and a spreadsheet or Parquet file saved under a ``.csv`` name are refused with a message.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matchmaking.errors import InputError

#: Longest cell accepted, in characters (128 K, the limit of Python's csv module).
MAX_CELL_CHARS = 131_072
#: Delimiters recognised, in order of preference on a tie.
DELIMITERS = (",", ";", "\t")
DELIMITER_WORDS = {",": "comma", ";": "semicolon", "\t": "tab"}

_SURROGATE = re.compile("[\ud800-\udfff]")
_MAGIC = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip archive",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"PAR1": "a Parquet file",
    b"SQLite format 3\x00": "a SQLite database",
    b"%PDF": "a PDF document",
}


def decode_text(raw: bytes, fname: str) -> str:
    """Decode a text file's bytes (see the module notes); undecodable bytes stay as surrogates.

    Bytes that are text in no encoding tried are kept as lone surrogates (``"\\udc81"``), so
    that :func:`check_cell` can name the row and column they sit in once the rows are known.

    Examples
    --------
    >>> decode_text("id,name\\nb,Chloé\\n".encode() + b"c,Zo\\xe9\\n", "m.csv")
    'id,name\\nb,Chloé\\nc,Zoé\\n'
    >>> decode_text("\\ufeffid\\n".encode(), "m.csv")
    'id\\n'
    """
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            raise InputError(f"this is {what}, not a CSV text file: give it its own extension "
                             "(.xlsx and .parquet are read as such) or export it as CSV", file=fname)
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise InputError("a UTF-32 text file: save it as UTF-8 (or UTF-16)", file=fname)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].decode("utf-16", errors="replace").count("\n") + 1
            raise InputError("the file starts as UTF-16 but is not valid UTF-16 further on (a binary file?)",
                             file=fname, row=line) from None
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    text = raw.decode("utf-8", errors="surrogateescape")
    if not _SURROGATE.search(text):
        return text
    lines = text.split("\n")
    for k, line in enumerate(lines):
        if not _SURROGATE.search(line) or any(ord(ch) > 127 and not 0xDC80 <= ord(ch) <= 0xDCFF for ch in line):
            continue  # valid UTF-8, or UTF-8 mixed with other bytes (left for check_cell to name)
        try:
            lines[k] = line.encode("utf-8", errors="surrogateescape").decode("cp1252")
        except UnicodeDecodeError:
            continue  # a byte that is not Windows-1252 text either: named by check_cell
    return "\n".join(lines)


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header (the first row) into the most columns.

    Examples
    --------
    >>> sniff_delimiter("id;name;offers\\nm1;Ana;\\"seo;ads\\"\\n")
    ';'
    >>> sniff_delimiter('id,"a;b"\\n'), sniff_delimiter("id\\tname\\n"), sniff_delimiter("id\\n")
    (',', '\\t', ',')
    """
    best, width = DELIMITERS[0], 0
    for delimiter in DELIMITERS:
        try:
            header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(header) > width:
            best, width = delimiter, len(header)
    return best


def parse_records(text: str, fname: str, delimiter: str) -> list[list[str]]:
    """Split decoded text into records (lists of cells), with row-numbered errors.

    Record ``k`` (from 0) is spreadsheet row ``k + 1``; blank lines are records (empty lists).
    """
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        row = len(records) + 1
        if "field larger than field limit" in str(exc):
            raise InputError(too_long_message(None), file=fname, row=row) from None
        raise InputError(f"this row cannot be read as CSV ({exc})", file=fname, row=row) from None
    return records


def too_long_message(length: int | None) -> str:
    """The message for a cell over :data:`MAX_CELL_CHARS`."""
    size = f" ({length:,} characters)" if length else ""
    return (f"a cell longer than {MAX_CELL_CHARS:,} characters{size}: is this the right file? "
            "(a quote \" that is never closed makes one cell of the rest of the file)")


def cells_are_clean(cells: list[str]) -> bool:
    """Whether :func:`check_cell` would pass every cell (one quick pass over them all).

    Examples
    --------
    >>> cells_are_clean(["Ana", "Chloé"]), cells_are_clean(["a" + chr(0) + "b"])
    (True, False)
    """
    if not cells:
        return True
    if max(map(len, cells)) > MAX_CELL_CHARS:
        return False
    joined = "\x01".join(cells)
    return "\x00" not in joined and not _SURROGATE.search(joined)


def check_cell(value: str, fname: str, row: int | None, column: str | None) -> None:
    """Refuse a cell too long to be real, with a NUL byte, or with undecodable bytes.

    Examples
    --------
    >>> check_cell("Chloé", "m.csv", 2, "name")
    >>> check_cell("Zo\\udce9 Chloé", "m.csv", 3, "name")
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: m.csv, row 3, column 'name': byte 0xE9 is not UTF-8 (in Windows-1252 it is 'é') ...
    """
    if len(value) > MAX_CELL_CHARS:
        raise InputError(too_long_message(len(value)), file=fname, row=row, column=column)
    if "\x00" in value:
        raise InputError("a NUL byte: this is not a text file (a binary file, or UTF-16 without its "
                         "byte-order mark?)", file=fname, row=row, column=column)
    bad = _SURROGATE.findall(value)
    if not bad:
        return
    codes = [ord(ch) for ch in bad]
    if any(not 0xDC80 <= c <= 0xDCFF for c in codes):
        raise InputError("a lone surrogate character: not valid text", file=fname, row=row, column=column)
    for code in codes:  # a byte that is text in no encoding tried is the clearest sign of a binary file
        try:
            bytes([code - 0xDC00]).decode("cp1252")
        except UnicodeDecodeError:
            raise InputError(f"byte 0x{code - 0xDC00:02X} is text neither in UTF-8 nor in Windows-1252: "
                             "is this a text file?", file=fname, row=row, column=column) from None
    byte = codes[0] - 0xDC00
    raise InputError(
        f"byte 0x{byte:02X} is not UTF-8 (in Windows-1252 it is {bytes([byte]).decode('cp1252')!r}) and this "
        "line also has UTF-8 text: it mixes two encodings. Retype the accented letters of this row, or "
        "save the file as 'CSV UTF-8'",
        file=fname, row=row, column=column,
    )


# --------------------------------------------------------------------------- cells and CSV frames


def header_row(grid: pd.DataFrame) -> int | None:
    """Position of a sheet's header (read without one): its first non-empty row; None when empty."""
    filled = grid.map(lambda v: not is_missing(v) and v != "").any(axis=1).to_numpy()
    return int(filled.argmax()) if filled.any() else None


def sheet_with_header(grid: pd.DataFrame, fname: str) -> tuple[pd.DataFrame, list[int]]:
    """A sheet read without a header: its first non-empty row (:func:`header_row`) becomes the header."""
    top = header_row(grid)
    if top is None:
        raise InputError("the sheet is empty", file=fname)
    frame = grid.iloc[top + 1:].reset_index(drop=True)
    frame.columns = grid.iloc[top].tolist()
    return frame, list(range(top + 2, len(grid) + 1))


def header_text(value: Any, fname: str) -> str:
    """A header cell as text (row 1)."""
    return "" if is_missing(value) else cell_text(value, fname, 1, None)


def column_text(values: pd.Series, fname: str, numbers: list[int], column: str) -> pd.Series:
    """A column as stripped text, validated cell by cell (errors name the row and column)."""
    cells = values.tolist()
    if all(type(v) is str for v in cells) and cells_are_clean(cells):  # the common case (CSV), at C speed
        return pd.Series([clean_cell(v) for v in cells], index=values.index, dtype=object)
    return pd.Series(
        ["" if is_missing(v) else cell_text(v, fname, row, column or None)
         for v, row in zip(values.tolist(), numbers, strict=True)],
        index=values.index, dtype=object,
    )


def is_missing(value: Any) -> bool:
    """Whether a cell is empty (None, NaN, NaT, NA)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and value != value


def cell_text(value: Any, fname: str, row: int | None, column: str | None) -> str:
    """One cell as stripped text: numbers without a spurious ``.0``, dates at midnight as
    ``YYYY-MM-DD``, lists joined by ``"; "``; checked by :func:`check_cell`.

    Examples
    --------
    >>> cell_text(3.0, "m.xlsx", 2, "n"), cell_text(["seo", None, "ads"], "m.parquet", 2, "offers")
    ('3', 'seo; ads')
    """
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool | np.bool_):
        text = str(bool(value))
    elif isinstance(value, float | np.floating):
        text = str(int(value)) if float(value).is_integer() else str(value)
    elif isinstance(value, int | np.integer):
        text = str(int(value))
    elif isinstance(value, dt.datetime | pd.Timestamp):
        midnight = value.hour == value.minute == value.second == value.microsecond == 0 and value.tzinfo is None
        text = value.date().isoformat() if midnight else value.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, bytes | bytearray):
        try:
            text = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("a binary cell that is not UTF-8 text", file=fname, row=row, column=column) from None
    elif isinstance(value, list | tuple | set | frozenset | np.ndarray):  # a Parquet list column
        items = [cell_text(v, fname, row, column) for v in value if not is_missing(v)]
        text = "; ".join(item for item in items if item)
    elif isinstance(value, dict):
        raise InputError("a nested record (a dict) where a cell is expected: flatten the column",
                         file=fname, row=row, column=column)
    else:
        text = str(value)
    check_cell(text, fname, row, column)
    return clean_cell(text)


def read_csv_frame(path: Path, fname: str) -> tuple[pd.DataFrame, list[int]]:
    """Parse a CSV with the standard library, so every row keeps its spreadsheet number.

    Rows with more or fewer fields than the header are errors (never silently shifted or
    padded); blank lines count as rows (a spreadsheet shows them) and are then dropped;
    blank lines before the header are skipped.
    """
    text = decode_text(path.read_bytes(), fname)
    if not text.strip():
        raise InputError("the file is empty", file=fname)
    delimiter = sniff_delimiter(text.lstrip("\r\n"))
    records = parse_records(text, fname, delimiter)
    top = next((k for k, r in enumerate(records) if any(cell.strip() for cell in r)), None)
    if top is None:
        raise InputError("the file has only empty cells: no header", file=fname)
    header = records[top]
    width = len(header)
    word = DELIMITER_WORDS[delimiter]
    rows, numbers = [], []
    for number, record in enumerate(records[top + 1:], start=top + 2):
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) != width:
            if len(record) < width:
                hint = f": a missing cell or a missing {word}?"
            elif delimiter == ",":
                hint = ": a stray comma, or a list separated by ',' instead of ';'? (quote cells that contain commas)"
            else:
                hint = (f": a stray {word}, or a list separated by '{delimiter}' in a cell without quotes? "
                        f"(in a {word}-separated file, quote cells that contain '{delimiter}')")
            raise InputError(f"{len(record)} fields where the header has {width}" + hint, file=fname, row=number)
        rows.append(record)
        numbers.append(number)
    frame = pd.DataFrame(rows, columns=range(width), dtype=object) if rows else pd.DataFrame(columns=range(width),
                                                                                              dtype=object)
    frame.columns = header
    return frame, numbers


def clean_cell(text: str) -> str:
    """A cell as read: spaces around it stripped, and the apostrophe our exports put before a
    formula character (:func:`matchmaking.model.io.spreadsheet_safe`) removed, also before a
    tab or a carriage return that stripping would otherwise leave behind it.

    Examples
    --------
    >>> clean_cell(" '=1+1 "), clean_cell("'\\t x"), clean_cell("'\\r"), clean_cell(" Ana ")
    ('=1+1', 'x', '', 'Ana')
    """
    if len(text) > 1 and text[0] == "'" and text[1] in "\t\r":
        return text[1:].strip()
    return unescape_cell(text.strip())


def unescape_cell(value: str) -> str:
    """Undo :func:`matchmaking.model.io.spreadsheet_safe` on a cell read back from an exported file.

    Examples
    --------
    >>> unescape_cell("'=1+1"), unescape_cell("'tis")
    ('=1+1', "'tis")
    """
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value
