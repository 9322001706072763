"""Pieces shared by the pairing modes: objective, weights, exact matchers, plan building."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import rustworkx as rx

from matchmaking.errors import InfeasibleError, InputError
from matchmaking.model.community import Community
from matchmaking.plans.plan import Plan
from matchmaking.scoring.affinity import Affinity
from matchmaking.scoring.objective import Objective, default_objective
from matchmaking.scoring.requests import Requests
from matchmaking.solvers.control import Monitor

#: Largest integer weight handed to an exact integer solver (room for sums of 10^6 edges).
INT_RANGE = 2**40



def build_objective(
    community: Community,
    objective: Objective | Affinity | None,
    *,
    pairs: object = None,
    history: object = None,
    requests: Requests | None = None,
    **affinity_weights: object,
) -> Objective:
    """The objective of a pairing: the given one, or the shared default for plans of kind ``pairs``.

    Pairings optimise the affinity of the pairs they form; an objective with a ``needs`` or
    ``spread`` group term is refused (put such preferences in the affinity's terms).
    """
    together = requests.together_pairs() if requests is not None else set()
    if objective is None:
        return default_objective(community, "pairs", pairs=pairs, history=history, together=together, **affinity_weights)
    if isinstance(objective, Affinity):
        return Objective(objective, together=together)
    if not isinstance(objective, Objective):
        raise InputError(f"objective must be an Objective, an Affinity or None, not {type(objective).__name__}",
                         column="objective")
    if objective.needs or objective.spread:
        raise InputError(
            "pairings optimise pair affinity only: use an Objective without needs/spread group terms "
            "(put diversity in the affinity, e.g. mm.affinity(c, spread=['sector']))",
            column="objective",
        )
    return objective


def per_member(
    values: object, members: Sequence[str], what: str, default: int, community: Community | None = None
) -> np.ndarray:
    """An int per member: a whole number >= 1, a mapping (missing -> ``default``; 0 allowed) or an
    attribute column's name (empty cells -> ``default``). Anything else is an InputError.

    Examples
    --------
    >>> import pandas as pd
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "seats": ["3", ""]}))
    >>> per_member("seats", ["a", "b"], "capacity", 1, c).tolist()
    [3, 1]
    >>> per_member(0, ["a"], "capacity", 1)
    Traceback (most recent call last):
    ...
    matchmaking.errors.InputError: column 'capacity': capacity must be a whole number >= 1, a mapping member -> number or a column name, not 0
    """
    def whole(v: object, who: str, column: str) -> int:
        try:
            number = float(str(v).strip()) if not isinstance(v, bool) else math.nan
            if not number.is_integer() or number < 0:
                raise ValueError
        except (TypeError, ValueError):
            raise InputError(f"{what} of {who!r} is {v!r}, not a whole number >= 0", column=column) from None
        return int(number)

    if isinstance(values, str) and community is not None and values in community.attributes:
        column = community.members[values]
        out_list = [default if (v := column.get(m)) is None or pd.isna(v) or str(v).strip() == "" else whole(v, m, values)
                    for m in members]
        return np.asarray(out_list, dtype=np.int64)
    if isinstance(values, (int, np.integer)) and not isinstance(values, bool) and values >= 1:
        return np.full(len(members), int(values), dtype=np.int64)
    if isinstance(values, (Mapping, pd.Series)):
        return np.asarray([whole(values.get(m, default), m, what) for m in members], dtype=np.int64)
    hint = f"; attributes are {community.attributes}" if isinstance(values, str) and community is not None else ""
    raise InputError(f"{what} must be a whole number >= 1, a mapping member -> number or a column name, "
                     f"not {values!r}{hint}", column=what)


def integer_weights(weights: np.ndarray, *, limit: int = INT_RANGE) -> tuple[np.ndarray, float, bool]:
    """Float weights as integers for an exact integer solver: ``(ints, scale, exact)``.

    ``ints == round(weights * scale)``; ``exact`` when no rounding happened (weights that
    are multiples of 1/scale, e.g. halves), in which case the integer optimum is the float
    optimum. Otherwise each weight is off by at most ``0.5 / scale``. No integer exceeds
    ``limit`` in size.

    Examples
    --------
    >>> integer_weights(np.array([1.5, 2.0, -0.5]))
    (array([ 3,  4, -1]), 2.0, True)
    >>> ints, scale, exact = integer_weights(np.array([1 / 3, 1.0]))
    >>> exact, bool(abs(ints[0] / scale - 1 / 3) <= 0.5 / scale)
    (False, True)
    """
    weights = np.asarray(weights, dtype=float)
    if not len(weights):
        return np.zeros(0, dtype=np.int64), 1.0, True
    top = max(float(np.abs(weights).max()), 1e-12)
    for scale in (1.0, 2.0, 4.0, 10.0, 20.0, 100.0, 1000.0, 1e4, 1e6):
        if top * scale > limit:
            break
        scaled = weights * scale
        ints = np.rint(scaled)
        if np.all(np.abs(scaled - ints) <= 1e-9 * np.maximum(1.0, np.abs(scaled))) and np.all(ints / scale == weights):
            return ints.astype(np.int64), scale, True
    scale = 2.0 ** math.floor(math.log2(limit / top))
    return np.rint(weights * scale).astype(np.int64), scale, False


def max_weight_matching(
    n: int, i: np.ndarray, j: np.ndarray, weights: np.ndarray, *, max_cardinality: bool = False
) -> list[tuple[int, int]]:
    """Exact maximum-weight matching of a general graph (rustworkx's blossom), integer weights.

    Nodes are ``0..n-1``, edges ``(i[k], j[k])`` of weight ``weights[k]`` (ints). Returns the
    matched pairs ``(u, v)`` with ``u < v``, sorted.

    Examples
    --------
    >>> max_weight_matching(4, np.array([0, 1, 2]), np.array([1, 2, 3]), np.array([2, 3, 2]))
    [(0, 1), (2, 3)]
    """
    g = rx.PyGraph(multigraph=False)
    g.add_nodes_from(range(n))
    g.add_edges_from(list(zip(i.tolist(), j.tolist(), np.asarray(weights, dtype=np.int64).tolist(), strict=True)))
    found = rx.max_weight_matching(g, max_cardinality=max_cardinality, weight_fn=lambda w: w)
    return sorted((min(u, v), max(u, v)) for u, v in found)


def bipartite_edge_coloring(left: Sequence[int], right: Sequence[int], colors: int) -> list[int]:
    """Colour the edges of a bipartite multigraph so that no two edges at a node share a colour.

    ``left[k]`` and ``right[k]`` are the ends of edge ``k`` (left and right nodes are two
    separate name spaces). With ``colors`` at least the maximum degree a colouring always
    exists (König); found with alternating-path swaps. Returns the colour (``0..colors-1``)
    of each edge.

    Examples
    --------
    >>> bipartite_edge_coloring([0, 0, 1, 1], [0, 1, 0, 1], 2)
    [0, 1, 1, 0]
    """
    at: dict[tuple[str, int], dict[int, int]] = {}  # node -> colour -> edge
    color = [-1] * len(left)
    for e, (u, v) in enumerate(zip(left, right, strict=True)):
        nu, nv = ("L", u), ("R", v)
        cu, cv = at.setdefault(nu, {}), at.setdefault(nv, {})
        a = next(c for c in range(colors) if c not in cu)  # free at u
        b = next(c for c in range(colors) if c not in cv)  # free at v
        if a not in cv:
            b = a
        elif b not in cu:
            pass
        else:
            # flip the a/b alternating path that starts at v with colour a; it cannot reach u
            path, node, want = [], nv, a
            while want in at.get(node, {}):
                edge = at[node][want]
                path.append(edge)
                x, y = ("L", left[edge]), ("R", right[edge])
                node = y if node == x else x
                want = b if want == a else a
            for edge in path:
                x, y = ("L", left[edge]), ("R", right[edge])
                old = color[edge]
                del at[x][old], at[y][old]
            for edge in path:
                x, y = ("L", left[edge]), ("R", right[edge])
                new = b if color[edge] == a else a
                color[edge] = new
                at[x][new] = edge
                at[y][new] = edge
            b = a
        color[e] = b
        cu[b] = e
        cv[b] = e
    return color


def forced_pairs(requests: Requests, members: Iterable[str]) -> list[tuple[str, str]]:
    """The ``together`` requests among ``members`` as forced pairs; a member in two is infeasible."""
    members = set(members)
    out, seen = [], {}
    for a, b in requests.together:
        if a not in members or b not in members:
            continue
        for m in (a, b):
            if m in seen:
                raise InfeasibleError(
                    f"{m} is asked to be paired with two people, but a pair has two members",
                    [f"together {seen[m][0]}-{seen[m][1]}", f"together {a}-{b}"],
                )
            seen[m] = (a, b)
        out.append((a, b))
    return out


def drop_apart(acceptable: np.ndarray, requests: Requests | None, side_a: Sequence[str], side_b: Sequence[str]) -> None:
    """Mark the ``apart`` pairs between two sides as unacceptable (in place)."""
    pa = {m: k for k, m in enumerate(side_a)}
    pb = {m: k for k, m in enumerate(side_b)}
    for a, b in (requests.apart if requests else []):
        for x, y in ((a, b), (b, a)):
            if x in pa and y in pb:
                acceptable[pa[x], pb[y]] = False


def together_note(requests: Requests | None, mode: str) -> list[str]:
    """A note when ``together`` requests are given to a two-sided mode, which does not use them."""
    if requests is not None and requests.together:
        return [f"together requests are not used in {mode} mode (apart requests are)"]
    return []


def build_plan(
    groups: Sequence[tuple[int, Sequence[str]]],
    objective: Objective,
    *,
    requests: Requests | None,
    rules: dict[str, Any],
    monitor: Monitor,
    method: str,
    bound: float = math.inf,
    proven: bool = False,
    status: str | None = None,
    notes: Sequence[str] = (),
    extras: dict[str, Any] | None = None,
    explainer: Callable[[Plan, str], str] | None = None,
    checker: Callable[[Plan], list[str]] | None = None,
) -> Plan:
    """A ``pairs`` plan from ``(round, members)`` groups, through :meth:`Plan.build`.

    Groups are numbered from 1 within each round, in the order given. The plan keeps the
    requests and ``rules`` (keyword arguments of :func:`~matchmaking.plans.check_plan`), so
    ``plan.check()`` re-checks it; the monitor gets the final record.
    """
    rows: list[tuple[int, int, str]] = []
    counter: dict[int, int] = {}
    for rnd, members in groups:
        counter[rnd] = counter.get(rnd, 0) + 1
        rows += [(int(rnd), counter[rnd], str(m)) for m in members]
    assignments = pd.DataFrame(rows, columns=["round", "group", "member"])
    plan = Plan.build(
        "pairs", assignments, objective_fn=objective, requests=requests, rules=rules, bound=bound, proven=proven,
        status=status, method=method, monitor=monitor, notes=notes, extras=extras, explainer=explainer,
        checker=checker,
    )
    if not monitor.stopped:
        monitor.report("done", objective=plan.objective, bound=plan.bound, force=True)
        plan.progress = list(monitor.history)
    return plan


def generic_explain(plan: Plan, member: str) -> str:
    """The plan's generic explanation (who, and the affinity reasons), bypassing its explainer."""
    return dataclasses.replace(plan, explainer=None).explain(member)



