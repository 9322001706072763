"""Hypothesis strategies for the fuzzing suite: tables, their files, and ways to damage them.

A *table* is a header and rows of text cells. :func:`encoded` turns one into the bytes of a
CSV as some tool might have written it (delimiter, quoting, line ends, encoding, BOM, one row
in another encoding); :func:`workbook` and :func:`parquet` write it as .xlsx / .parquet with
cells of mixed Python types. :func:`mutated` damages bytes the ways files get damaged.
"""

from __future__ import annotations

import codecs
import csv
import io
import random
from pathlib import Path

import pandas as pd
from hypothesis import assume
from hypothesis import strategies as st

from matchmaking.errors import InputError

#: Cells that have broken readers before, or would break a naive one.
NASTY = [
    "", " ", "é", "Zoé", "Chloé Œuvre", "€", "ß", "日本", "😀", "\u202e", "\ufeff", "\xa0", "=1+1", "+33 6", "-x",
    "@home", "'=x", '"', '""', "a,b", "a;b", "a\tb", "a\nb", "a\r\nb", "a\rb", "null", "NaN", "nan", "inf", "-inf",
    "1e400", "-50", "0", "1", "2.5", "0,5", "1,000", "01000", "  padded  ", "\x0b", "\x1b[31m", "TRUE", "<b>x</b>",
]
TEXT = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00")
ID = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=6)
CELL = st.one_of(st.sampled_from(NASTY), st.text(TEXT, max_size=10), st.integers(-10**20, 10**20).map(str),
                 st.floats(allow_nan=True, allow_infinity=True).map(repr))


def expected_cell(text: str) -> str:
    """What a reader gives back for a cell written as ``text``: stripped, and without the apostrophe
    that escapes a formula character (``'=``, ``'+``, ``'-``, ``'@``; ``'`` then a tab or CR)."""
    if text[:1] == "'" and text[1:2] in ("\t", "\r"):
        return text[1:].strip()
    text = text.strip()
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


@st.composite
def encoded(draw, header: list[str], rows: list[list[str]]) -> bytes:
    """The bytes of a CSV holding the table, as some tool wrote it (and reads back as the table)."""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    if end == "\n" and any("\r" in c for r in rows for c in r):
        end = "\r\n"  # a lone CR is only quoted when it is part of the line end (as write_table does)
    lines = []
    for record in [header, *rows]:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=end).writerow(record)
        lines.append(buf.getvalue())
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "one row cp1252"]))
    if encoding in ("utf-8", "utf-8-sig", "utf-16"):
        return "".join(lines).encode(encoding)
    out = []
    for k, line in enumerate(lines):
        if encoding == "cp1252" or k == len(lines) - 1:
            try:
                raw = line.encode("cp1252")
            except UnicodeEncodeError:
                raw = line.encode("utf-8")
            else:  # a Windows-1252 line that also reads as UTF-8 (mojibake-like bytes) is read as UTF-8
                assume(raw.isascii() or not _is_utf8(raw))
            out.append(raw)
        else:
            out.append(line.encode("utf-8"))
    data = b"".join(out)
    assume(_lines_decode_alone(data))
    return data


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _lines_decode_alone(data: bytes) -> bool:
    """Every physical line is valid UTF-8 or pure Windows-1252 (what the per-line fallback reads right)."""
    for line in data.split(b"\n"):
        if _is_utf8(line):
            continue
        try:
            line.decode("cp1252")
        except UnicodeDecodeError:
            return False
        if any(_is_utf8(line[i:i + n]) for i in range(len(line)) for n in (2, 3, 4)
               if line[i] >= 0xC2 and i + n <= len(line)):
            return False  # the line holds a valid UTF-8 sequence too: ambiguous
    return True


def write_file(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def csv_file(folder: Path, name: str, header: list[str], rows: list[list[str]], data: st.DataObject) -> Path:
    """Write the table as a CSV drawn by :func:`encoded`."""
    return write_file(folder, name, data.draw(encoded(header, rows), label="encoded"))


def frame_of(header: list[str], rows: list[list[object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=range(len(header)), dtype=object) if rows else pd.DataFrame(
        columns=range(len(header)), dtype=object)
    frame.columns = header
    return frame


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """``data`` damaged the ways files get damaged: cut, bytes changed, lines doubled, junk, a huge cell..."""
    how = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "nul", "junk", "binary", "empty", "bom",
                                "double line", "drop header cell", "duplicate header", "only header", "huge cell",
                                "open quote", "magic"]))
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    pos = rnd.randrange(len(data) + 1) if data else 0
    if how == "truncate":
        return data[:pos]
    if how == "flip" and data:
        k = min(pos, len(data) - 1)
        return data[:k] + bytes([data[k] ^ (1 << rnd.randrange(8))]) + data[k + 1:]
    if how == "insert":
        return data[:pos] + draw(st.binary(min_size=1, max_size=8)) + data[pos:]
    if how == "delete":
        return data[:pos] + data[pos + rnd.randrange(1, 9):]
    if how == "nul":
        return data[:pos] + b"\x00" + data[pos:]
    if how == "junk":
        return draw(st.binary(max_size=300))
    if how == "binary":
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 2000)))
    if how == "empty":
        return draw(st.sampled_from([b"", b"\n", b"\r\n\r\n", b" ", codecs.BOM_UTF8, codecs.BOM_UTF16_LE]))
    if how == "bom":
        return draw(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE,
                                     codecs.BOM_UTF32_LE])) + data
    lines = data.split(b"\n")
    if how == "double line" and lines:
        k = rnd.randrange(len(lines))
        return b"\n".join(lines[:k + 1] + lines[k:])
    if how == "drop header cell":
        for sep in (b",", b";", b"\t"):
            if sep in lines[0]:
                cells = lines[0].split(sep)
                del cells[rnd.randrange(len(cells))]
                return b"\n".join([sep.join(cells), *lines[1:]])
        return data
    if how == "duplicate header":
        for sep in (b",", b";", b"\t"):
            if sep in lines[0]:
                cells = lines[0].split(sep)
                cells[-1] = cells[0]
                return b"\n".join([sep.join(cells), *lines[1:]])
        return data
    if how == "only header":
        return lines[0] + b"\n"
    if how == "huge cell":
        return data + b"\n" + b"x" * rnd.choice([131_073, 200_000]) + b"\n"
    if how == "open quote":
        return data[:pos] + b'"' + data[pos:]
    return rnd.choice([b"PK\x03\x04", b"PAR1", b"SQLite format 3\x00", b"\xd0\xcf\x11\xe0"]) + data


_TYPED = {
    "text": CELL,
    "int": st.integers(-10**6, 10**6),
    "float": st.floats(allow_nan=True, allow_infinity=True),
    "bool": st.booleans(),
    "date": st.datetimes(min_value=pd.Timestamp("1900-01-01").to_pydatetime(),
                         max_value=pd.Timestamp("2100-01-01").to_pydatetime()),
    "list": st.lists(st.one_of(st.none(), st.sampled_from(["seo", "ads", "Zoé", "", "a;b", "m1"])), max_size=3),
    "bytes": st.binary(max_size=6),
}


@st.composite
def typed_rows(draw, n_cols: int, n_rows: int, *, uniform: bool) -> list[list[object]]:
    """Rows of cells of the Python types a workbook or Parquet file holds.

    ``uniform``: one type per column (what Parquet stores), with missing cells; else any mix.
    """
    kinds = list(_TYPED)
    if uniform:
        col_kinds = [draw(st.sampled_from(kinds)) for _ in range(n_cols)]
        return [[draw(st.one_of(st.none(), _TYPED[k])) for k in col_kinds] for _ in range(n_rows)]
    mixed = st.one_of(st.none(), *(_TYPED[k] for k in kinds if k not in ("list", "bytes")))
    return [draw(st.lists(mixed, min_size=n_cols, max_size=n_cols)) for _ in range(n_rows)]


def check_reader_outcome(read, path: Path, *, rows: int | None = None):  # noqa: ANN001, ANN201
    """Run ``read(path)``: it returns, or raises an InputError naming the file (and a sane row).

    The file's bytes and the folder's listing must not change. Returns the result, or None
    after an InputError.
    """
    before = path.read_bytes()
    listing = sorted(p.name for p in path.parent.iterdir())
    try:
        result = read(path)
    except InputError as err:
        assert err.file and Path(err.file).name == path.name, f"error without this file: {err!r}"
        if err.row is not None and rows is not None:
            assert 1 <= err.row <= rows, f"row {err.row} outside 1..{rows}: {err!r}"
        assert str(err) and "Traceback" not in str(err)
        result = None
    assert path.read_bytes() == before, "the reader changed its input file"
    assert sorted(p.name for p in path.parent.iterdir()) == listing, "the reader left files behind"
    return result


def physical_rows(data: bytes) -> int:
    """An upper bound on the spreadsheet rows of a file (its line breaks, plus one)."""
    return data.count(b"\n") + data.count(b"\r") + 2
