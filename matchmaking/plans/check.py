"""An independent checker of plans: it re-reads the assignments and trusts no solver."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from matchmaking.scoring.objective import GROUP_COLUMNS, plan_kind
from matchmaking.scoring.requests import Requests


def check_plan(
    assignments: pd.DataFrame,
    *,
    requests: Requests | None = None,
    capacities: Sequence[int] | None = None,
    min_size: int | None = None,
    max_size: int | None = None,
    members: Sequence[str] | None = None,
    attendance: Mapping[int, Iterable[str]] | None = None,
    kind: str | None = None,
) -> list[str]:
    """List every hard rule a plan breaks, in words (empty list: valid).

    Parameters
    ----------
    assignments : pandas.DataFrame
        A plan in one of the output shapes (see :func:`matchmaking.scoring.objective.plan_kind`).
    requests : Requests, optional
        Together / apart / pin / host requests.
    capacities : sequence of int, optional
        Seats per table (table ``t`` has ``capacities[t - 1]``); tables beyond it are errors.
    min_size, max_size : int, optional
        Bounds on every group's size.
    members : sequence of str, optional
        Who must be placed (in every round of the plan, or once for cohorts).
    attendance : mapping, optional
        ``{round: members}``: who attends each round; they must be placed in it, and nobody else.
    kind : str, optional
        The plan kind, guessed from the columns by default.

    Examples
    --------
    >>> import pandas as pd
    >>> plan = pd.DataFrame({"round": [1, 1, 1], "table": [1, 1, 2], "member": ["a", "b", "a"]})
    >>> check_plan(plan, capacities=[1, 1])
    ['round 1: a is placed 2 times', 'round 1, table 1: 2 members for 1 seats']
    """
    kind = kind or plan_kind(assignments)
    cols = GROUP_COLUMNS[kind]
    out: list[str] = []
    slot_cols = cols[:-1]
    slots = assignments.groupby(slot_cols, sort=True) if slot_cols else [((1,), assignments)]
    for key, frame in slots:
        key = key if isinstance(key, tuple) else (key,)
        label = f"round {key[0]}: " if slot_cols else ""
        counts = frame["member"].value_counts()
        for m, n in counts[counts > 1].sort_index().items():
            out.append(f"{label}{m} is placed {n} times")
        expected = members
        if attendance is not None and slot_cols and int(key[0]) in attendance:
            expected = list(attendance[int(key[0])])
            extra = sorted(set(frame["member"]) - set(expected))
            if extra:
                out.append(f"{label}{len(extra)} member(s) placed but not attending: {', '.join(extra[:5])}")
        if expected is not None:
            missing = sorted(set(expected) - set(frame["member"]))
            if missing:
                out.append(f"{label}{len(missing)} member(s) not placed: {', '.join(missing[:5])}")
    sizes = assignments.groupby(cols, sort=True).size()  # one vectorised pass: 100,000-row plans stay fast
    count = sizes.to_numpy()
    flag = np.zeros(len(sizes), dtype=bool)
    if capacities is not None and len(sizes):
        t = np.asarray(sizes.index.get_level_values(-1), dtype=np.int64)
        caps = np.asarray(list(capacities), dtype=np.int64)
        bad_table = (t < 1) | (t > len(caps))
        flag |= bad_table | (count > caps[np.clip(t, 1, max(len(caps), 1)) - 1] if len(caps) else bad_table)
    if min_size is not None:
        flag |= count < min_size
    if max_size is not None:
        flag |= count > max_size
    for key, size in zip(sizes.index[flag], count[flag], strict=True):
        key = key if isinstance(key, tuple) else (key,)
        where = ", ".join(f"{c} {v}" for c, v in zip(cols, key, strict=True))
        if capacities is not None:
            t = int(key[-1])
            if not 1 <= t <= len(capacities):
                out.append(f"{where}: no such table (1..{len(capacities)})")
            elif size > capacities[t - 1]:
                out.append(f"{where}: {size} members for {capacities[t - 1]} seats")
        if min_size is not None and size < min_size:
            out.append(f"{where}: {size} members, fewer than {min_size}")
        if max_size is not None and size > max_size:
            out.append(f"{where}: {size} members, more than {max_size}")
    if requests is not None:
        out += requests.violations(assignments, cols)
    return out
