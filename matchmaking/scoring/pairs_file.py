"""Reading the optional ``pairs.csv`` (``a,b,weight``) and meeting counts (``a,b[,count]``)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import scipy.sparse as sp

from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.model.io import ROW, parse_number, read_table, require_columns, source_name

#: Largest pair weight or meeting count accepted: beyond it sums over millions of pairs lose
#: the precision that bounds and gaps need (and such a number is a typo, not an affinity).
MAX_WEIGHT = 1e9


def read_pairs(source: str | os.PathLike | pd.DataFrame, community: Community) -> pd.DataFrame:
    """Read and validate a pairs table ``a,b,weight`` against a community.

    Parameters
    ----------
    source : path or DataFrame
        The pairs file (CSV, Excel, Parquet) or table.
    community : Community
        Members the ids must belong to.

    Returns
    -------
    pandas.DataFrame
        Columns ``a``, ``b`` (member ids) and ``weight`` (float).

    Raises
    ------
    InputError
        Naming the file, row and column of an unknown member, a pair of a member with
        themself, a pair listed twice, or a weight that is not a finite number within
        +-:data:`MAX_WEIGHT` (a decimal comma such as ``0,5`` is read).

    Examples
    --------
    >>> import pandas as pd
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"]}))
    >>> read_pairs(pd.DataFrame({"a": ["a"], "b": ["c"], "weight": ["2.5"]}), c)
       a  b  weight
    0  a  c     2.5
    >>> read_pairs(pd.DataFrame({"a": ["a"], "b": ["z"], "weight": [1]}), c)
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: DataFrame, row 2, column 'b': unknown member 'z'
    """
    fname = "DataFrame" if isinstance(source, pd.DataFrame) else source_name(source)
    table = read_table(source, name=fname)
    require_columns(table, ["a", "b", "weight"], fname)
    a = table["a"].tolist()
    b = table["b"].tolist()
    rows = table[ROW].tolist()
    community.check_members(a, file=fname, column="a", rows=rows)
    community.check_members(b, file=fname, column="b", rows=rows)
    weights = []
    seen: dict[frozenset, int] = {}
    for x, y, w, row in zip(a, b, table["weight"], rows, strict=True):
        if x == y:
            raise InputError(f"a member paired with themself ({x!r})", file=fname, row=row, column="b")
        key = frozenset((x, y))
        if key in seen:
            raise InputError(
                f"pair {x!r}-{y!r} is listed twice (first on row {seen[key]})", file=fname, row=row, column="b"
            )
        seen[key] = row
        weights.append(parse_number(w, fname=fname, row=row, column="weight", low=-MAX_WEIGHT, high=MAX_WEIGHT))
    return pd.DataFrame({"a": a, "b": b, "weight": np.asarray(weights, dtype=float)})


def pair_matrix(frame: pd.DataFrame, community: Community, value: str = "weight") -> sp.csr_matrix:
    """Symmetric sparse member x member matrix from a table of pairs ``a, b, <value>``.

    Pairs listed in both orders are summed.
    """
    n = len(community)
    if len(frame) == 0:
        return sp.csr_matrix((n, n))
    i = community.index_of(frame["a"])
    j = community.index_of(frame["b"])
    v = frame[value].to_numpy(dtype=float)
    m = sp.coo_matrix((np.r_[v, v], (np.r_[i, j], np.r_[j, i])), shape=(n, n)).tocsr()
    m.sum_duplicates()
    return m


def read_meeting_counts(source: str | os.PathLike | pd.DataFrame, *, name: str | None = None) -> pd.DataFrame:
    """Read a meeting history table ``a,b[,count]`` (one row per pair; count 1 when absent).

    Returns
    -------
    pandas.DataFrame
        Columns ``a``, ``b`` (member ids as written) and ``count`` (float >= 0).

    Raises
    ------
    InputError
        Naming file, row and column of an empty member id, a member met by themself, or a
        count that is not a finite number in ``0..MAX_WEIGHT``.

    Examples
    --------
    >>> import pandas as pd
    >>> read_meeting_counts(pd.DataFrame({"a": ["x"], "b": ["y"], "count": ["2"]})).values.tolist()
    [['x', 'y', 2.0]]
    >>> read_meeting_counts(pd.DataFrame({"a": ["x"], "b": ["y"], "count": ["-50"]}), name="met.csv")
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: met.csv, row 2, column 'count': -50 is below 0
    """
    fname = name or ("DataFrame" if isinstance(source, pd.DataFrame) else source_name(source))
    table = read_table(source, name=fname)
    require_columns(table, ["a", "b"], fname)
    rows = table[ROW].tolist()
    for col in ("a", "b"):
        for value, row in zip(table[col], rows, strict=True):
            if not value:
                raise InputError("empty member id", file=fname, row=row, column=col)
    for a, b, row in zip(table["a"], table["b"], rows, strict=True):
        if a == b:
            raise InputError(f"a member met themself ({a!r})", file=fname, row=row, column="b")
    if "count" in table:
        counts = [parse_number(v, fname=fname, row=r, column="count", low=0, high=MAX_WEIGHT)
                  for v, r in zip(table["count"], rows, strict=True)]
    else:
        counts = [1.0] * len(table)
    return pd.DataFrame({"a": table["a"].tolist(), "b": table["b"].tolist(), "count": np.asarray(counts, dtype=float)})


def history_counts(history: object, community: Community) -> pd.DataFrame:
    """Normalise a meeting history to a table ``a, b, count`` of members of ``community``.

    ``history`` may be None, a DataFrame with columns ``a, b`` (and optionally ``count``;
    each row counts once otherwise), or any object with a ``pair_counts(members)`` method
    returning such a table (:class:`matchmaking.MeetingHistory` does). Pairs involving
    people outside the community are ignored. A count that is not a finite number >= 0
    (``inf``, ``-50``, empty, NaN) is an :class:`InputError` naming the file, row and column.

    Examples
    --------
    >>> import pandas as pd
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"]}))
    >>> history_counts(pd.DataFrame({"a": ["b"], "b": ["a"], "count": ["2"]}), c)
       a  b  count
    0  a  b    2.0
    >>> history_counts(pd.DataFrame({"a": ["a"], "b": ["b"], "count": ["inf"]}), c)
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: history, row 2, column 'count': meeting count 'inf' is not a number >= 0
    """
    if history is None:
        return pd.DataFrame({"a": [], "b": [], "count": []})
    if hasattr(history, "pair_counts"):
        frame = history.pair_counts(community.ids)
    elif isinstance(history, pd.DataFrame):
        frame = history
    else:
        raise TypeError("history must be None, a DataFrame (a, b[, count]) or a MeetingHistory")
    frame = frame.copy()
    if "count" not in frame:
        frame["count"] = 1
    if not {"a", "b"} <= set(frame.columns):
        raise InputError(f"a history table needs columns a, b[, count]; the columns are {list(frame.columns)}",
                         file=frame.attrs.get("file", "history"), row=1)
    if pd.api.types.is_integer_dtype(frame["count"]):  # a ledger's counts: checked at C speed
        ints = frame["count"].to_numpy()
        if len(ints) and (ints.min() < 0 or ints.max() > MAX_WEIGHT):
            frame["count"] = _counts(frame)  # names the cell
    else:
        frame["count"] = _counts(frame)
    keep = frame["a"].isin(community.members.index) & frame["b"].isin(community.members.index)
    frame = frame.loc[keep & (frame["a"] != frame["b"])]
    lo = np.minimum(frame["a"].astype(str), frame["b"].astype(str))
    hi = np.maximum(frame["a"].astype(str), frame["b"].astype(str))
    frame = pd.DataFrame({"a": lo, "b": hi, "count": frame["count"].astype(float)})
    return frame.groupby(["a", "b"], as_index=False)["count"].sum()


def _counts(frame: pd.DataFrame) -> np.ndarray:
    """Meeting counts as floats; a count that is not a finite number in 0..MAX_WEIGHT is an InputError naming its cell."""
    text = frame["count"].astype(str).str.strip().str.lstrip("'")
    numbers = pd.to_numeric(text.where(text != "", "nan"), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers) | (numbers < 0) | (numbers > MAX_WEIGHT)
    if bad.any():
        pos = int(bad.argmax())
        row = int(frame[ROW].iloc[pos]) if ROW in frame else pos + 2
        limit = f"in 0..{MAX_WEIGHT:g}" if MAX_WEIGHT < numbers[pos] < np.inf else ">= 0"
        raise InputError(f"meeting count {text.iloc[pos][:40]!r} is not a number {limit}",
                         file=frame.attrs.get("file", "history"), row=row, column="count")
    return numbers
