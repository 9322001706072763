"""Errors raised on bad input.

Every problem with a user's file is reported as an :class:`InputError` that names the
file, the row and the column, so that an organizer can open the spreadsheet and fix it.
Rows are numbered as a spreadsheet shows them: the header is row 1, the first member row 2.
"""

from __future__ import annotations


class InputError(ValueError):
    """A problem in a user's input file or table.

    Parameters
    ----------
    message : str
        What is wrong, in words.
    file : str, optional
        The file (or table name) the problem is in.
    row : int, optional
        The row as a spreadsheet shows it (header = 1, first data row = 2).
    column : str, optional
        The column name.

    Examples
    --------
    >>> err = InputError("duplicate id 'm1'", file="members.csv", row=4, column="id")
    >>> str(err)
    "members.csv, row 4, column 'id': duplicate id 'm1'"
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return (", ".join(where) + ": " if where else "") + self.message


class InfeasibleError(ValueError):
    """Hard requests that cannot all hold together.

    Parameters
    ----------
    message : str
        The explanation.
    conflicts : list of str
        The requests that conflict, in words.
    """

    def __init__(self, message: str, conflicts: list[str] | None = None) -> None:
        self.conflicts = list(conflicts or [])
        text = message
        if self.conflicts:
            text += "\n" + "\n".join(f"  - {c}" for c in self.conflicts)
        super().__init__(text)
