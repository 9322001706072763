"""Reading and writing the user's tables (CSV, Excel, Parquet or a DataFrame) with clear errors.

The public names of the package, importable from here (``from matchmaking.model.io import read_table``):

- :mod:`~matchmaking.model.io.read`: :func:`read_table` (strings, with a ``_row`` column holding
  the row number a spreadsheet shows, header = 1), :func:`source_name`, :func:`require_columns`;
- :mod:`~matchmaking.model.io.cells`: one cell, :func:`split_list` and :func:`parse_number`;
- :mod:`~matchmaking.model.io.write`: :func:`write_table`, :func:`csv_text`, and the formula
  escapes :func:`spreadsheet_safe`, :func:`safe_frame`, :func:`workbook_frame` (``unescape_cell``
  is the inverse);
- :mod:`~matchmaking.model.io.atomic`: :func:`atomic_write`, :func:`output_batch`,
  :func:`output_target`, :func:`clean_stale_temps`.
"""

from __future__ import annotations

from matchmaking.errors import InputError
from matchmaking.model.io.atomic import (
    TEMP_TAG,
    atomic_write,
    clean_stale_temps,
    output_batch,
    output_target,
)
from matchmaking.model.io.cells import MAX_GROUP, parse_number, split_list
from matchmaking.model.io.read import ROW, TableLike, read_table, require_columns, source_name
from matchmaking.model.io.write import (
    csv_text,
    safe_frame,
    spreadsheet_safe,
    workbook_frame,
    write_table,
)
from matchmaking.model.text import (  # unescape_cell: spreadsheet_safe's inverse, importable from here too
    unescape_cell,
)

__all__ = ["MAX_GROUP", "ROW", "TEMP_TAG", "InputError", "TableLike", "atomic_write", "clean_stale_temps",
           "csv_text", "output_batch", "output_target", "parse_number", "read_table", "require_columns",
           "safe_frame", "source_name", "split_list", "spreadsheet_safe", "unescape_cell", "workbook_frame",
           "write_table"]
