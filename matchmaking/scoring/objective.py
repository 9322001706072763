"""The objective of a plan: one definition shared by every solver and by ``matchmaking score``.

A plan puts members in groups (tables of a round, cohorts, pairs of a round). Its value is

``pairs``
    the affinity of every distinct pair that shares a group at least once (a pair counts
    once however often it meets);
``needs``
    ``needs`` weight x the number of (member, need) couples covered: someone in one of the
    member's groups offers what they need;
``spread:<attr>``
    weight x, summed over groups, the number of distinct values of the attribute beyond the
    first (a table of 3 sectors scores 2);
``balance:<attr>``
    minus weight x, summed over groups, the distance of the group's mean of a numeric
    attribute to the mean of its block (members sharing the ``balance_by`` values), in
    standard deviations of the attribute (missing values count as the block mean);
``repeats``
    minus ``repeat_penalty`` x the number of repeated encounters: every meeting of a pair
    beyond its first in the plan, and every meeting of a pair that met before (history).
    Pairs asked to be kept together do not count.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from matchmaking.errors import InputError
from matchmaking.scoring.affinity import Affinity

GROUP_COLUMNS = {"seating": ["round", "table"], "cohorts": ["cohort"], "pairs": ["round", "group"]}


def plan_kind(assignments: pd.DataFrame) -> str:
    """Guess the kind of a plan from its columns (``seating``, ``cohorts`` or ``pairs``).

    Examples
    --------
    >>> import pandas as pd
    >>> plan_kind(pd.DataFrame(columns=["round", "table", "member"]))
    'seating'
    """
    cols = set(assignments.columns)
    for kind, group_cols in GROUP_COLUMNS.items():
        if set(group_cols) | {"member"} <= cols:
            return kind
    raise ValueError(
        f"a plan has columns round,table,member (seating), cohort,member or round,group,member; got {sorted(cols)}"
    )


def group_keys(assignments: pd.DataFrame, group_columns: Iterable[str]) -> np.ndarray:
    """One string key per row naming its group: the group columns' values joined by ``\\x1f``.

    Built once per distinct group (not per row), so it stays fast on 100,000-row plans.

    Examples
    --------
    >>> import pandas as pd
    >>> keys = group_keys(pd.DataFrame({"round": [1, 1, 2], "table": [3, 3, 1]}), ["round", "table"])
    >>> [k.split(chr(31)) for k in keys]
    [['1', '3'], ['1', '3'], ['2', '1']]
    """
    group_columns = list(group_columns)
    if not len(assignments):
        return np.asarray([], dtype=object)
    grouped = assignments.groupby(group_columns, sort=True)  # ngroup() and size() share this order
    names = np.asarray(
        ["\x1f".join(str(v) for v in (key if isinstance(key, tuple) else (key,))) for key in grouped.size().index],
        dtype=object,
    )
    return names[grouped.ngroup().to_numpy()]


def co_groupings(assignments: pd.DataFrame, group_columns: Iterable[str]) -> pd.DataFrame:
    """Every (a, b) pair that shares a group, one row per shared group (a < b).

    Examples
    --------
    >>> import pandas as pd
    >>> plan = pd.DataFrame({"round": [1, 1, 1, 2, 2], "table": [1, 1, 1, 1, 1],
    ...                      "member": ["x", "y", "z", "x", "y"]})
    >>> co_groupings(plan, ["round", "table"])[["a", "b"]].values.tolist()
    [['x', 'y'], ['x', 'y'], ['x', 'z'], ['y', 'z']]
    """
    keys = group_keys(assignments, group_columns)
    frame = pd.DataFrame({"g": keys, "member": assignments["member"].astype(str).to_numpy()})
    merged = frame.merge(frame, on="g", suffixes=("_a", "_b"))
    merged = merged[merged["member_a"] < merged["member_b"]]
    out = pd.DataFrame({"g": merged["g"].to_numpy(), "a": merged["member_a"].to_numpy(), "b": merged["member_b"].to_numpy()})
    return out.sort_values(["a", "b", "g"]).reset_index(drop=True)


def attribute_keys(community: object, columns: Sequence[str]) -> np.ndarray:
    """Each member's values of ``columns`` joined by ``/`` (``(missing)`` where empty); one key
    for everyone without columns. Members with the same key form a block (cohorts: a city).

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "city": ["Lyon", ""], "k": ["x", "y"]}))
    >>> attribute_keys(c, ["city", "k"]).tolist()
    ['Lyon/x', '(missing)/y']
    """
    if not columns:
        return np.asarray(["the community"] * len(community), dtype=object)  # type: ignore[arg-type]
    out = None
    for col in columns:
        values = community.members[col]  # type: ignore[attr-defined]
        text = values.astype(object).where(values.notna(), "(missing)").astype(str)
        out = text if out is None else out + "/" + text
    return out.to_numpy(dtype=object)  # type: ignore[union-attr]


def balance_value(assignments: pd.DataFrame, community: object, attr: str, by: Sequence[str],
                  group_columns: Sequence[str] = ("cohort",)) -> float:
    """Sum over groups of ``|group mean - block mean|`` of ``attr``, in standard deviations.

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community
    >>> c = Community.from_frame(pd.DataFrame({"id": list("abcd"), "age": [1.0, 2.0, 3.0, 4.0]}))
    >>> plan = pd.DataFrame({"cohort": [1, 1, 2, 2], "member": list("abcd")})
    >>> round(balance_value(plan, c, "age", []), 3)  # means 1.5, 3.5 vs 2.5; sd 1.118
    1.789
    """
    members = community.members  # type: ignore[attr-defined]
    x = members[attr].astype(float)
    sd = float(np.nanstd(x.to_numpy())) or 1.0
    keys = pd.Series(attribute_keys(community, by), index=members.index)
    who = assignments["member"].astype(str).to_numpy()
    frame = pd.DataFrame({"g": group_keys(assignments, group_columns), "x": x.reindex(who).to_numpy(),
                          "key": keys.reindex(who).to_numpy()})
    frame["mu"] = frame.groupby("key")["x"].transform("mean")
    frame["z"] = ((frame["x"] - frame["mu"]) / sd).fillna(0.0)
    return float(frame.groupby("g")["z"].mean().abs().sum())


def together_groups(pairs: Iterable[Iterable], nodes: Iterable = ()) -> list[list]:
    """Members linked by chains of "keep together" pairs (connected components), each group sorted,
    groups in sorted order; ``nodes`` not in any pair come as groups of one.

    Examples
    --------
    >>> together_groups([("a", "b"), ("c", "b")], nodes=["d"])
    [['a', 'b', 'c'], ['d']]
    """
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(tuple(p) for p in pairs)
    return sorted(sorted(group) for group in nx.connected_components(graph))


def together_closure(together: Iterable[frozenset]) -> set[frozenset]:
    """Every pair linked by a chain of "keep together" pairs (a-b and b-c link a-c).

    Examples
    --------
    >>> sorted(sorted(p) for p in together_closure({frozenset("ab"), frozenset("bc")}))
    [['a', 'b'], ['a', 'c'], ['b', 'c']]
    """
    return {frozenset(p) for group in together_groups(together) for p in itertools.combinations(group, 2)}


@dataclass
class Objective:
    """Weights of a plan's objective (see the module docstring for each term).

    Parameters
    ----------
    affinity : Affinity
        Pair values.
    needs : float
        Weight per covered (member, need).
    spread : dict
        Attribute -> weight per extra distinct value in a group.
    repeat_penalty : float
        Weight per repeated encounter.
    together : set of frozenset
        Pairs kept together on purpose (their repeats are free, and so are those of pairs
        linked by a chain of them).
    balance : dict
        Numeric attribute -> weight of the distance of each group's mean to its block's mean.
    balance_by : sequence of str
        The attributes whose values make the blocks of ``balance`` (cohorts: their ``similar``).

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community, affinity
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b", "c"], "offers": ["x", "", ""],
    ...     "needs": ["", "x", "x"], "sector": ["art", "art", "crafts"]}))
    >>> plan = pd.DataFrame({"round": [1, 1, 1, 2, 2, 2], "table": [1, 1, 2, 1, 1, 2],
    ...                      "member": ["a", "b", "c", "a", "c", "b"]})
    >>> obj = Objective(affinity(c), needs=0.5, spread={"sector": 1.0}, repeat_penalty=2.0)
    >>> obj.evaluate(plan)
    {'pairs': 2.0, 'needs': 1.0, 'spread:sector': 1.0, 'repeats': 0.0, 'total': 4.0}
    """

    affinity: Affinity
    needs: float = 0.0
    spread: Mapping[str, float] = field(default_factory=dict)
    repeat_penalty: float = 0.0
    together: set = field(default_factory=set)
    balance: Mapping[str, float] = field(default_factory=dict)
    balance_by: Sequence[str] = ()

    def __post_init__(self) -> None:
        members = self.affinity.community.members
        for attr in [*self.balance, *self.balance_by]:
            if attr not in members.columns:
                raise InputError(f"balance names no attribute {attr!r}", column="balance")
        for attr in self.balance:
            if not pd.api.types.is_numeric_dtype(members[attr]):
                raise InputError(f"balance attribute {attr!r} is not numeric", column="balance")

    def evaluate(self, assignments: pd.DataFrame, kind: str | None = None) -> dict[str, float]:
        """The value of a plan, term by term, with ``total``."""
        kind = kind or plan_kind(assignments)
        group_cols = GROUP_COLUMNS[kind]
        c = self.affinity.community
        assignments = assignments.astype({"member": str})
        pairs = co_groupings(assignments, group_cols)
        distinct = pairs.drop_duplicates(["a", "b"])
        value = float(self.affinity.totals(distinct["a"].tolist(), distinct["b"].tolist()).sum()) if len(distinct) else 0.0
        out: dict[str, float] = {"pairs": value}
        if self.needs:
            out["needs"] = self.needs * float(self.needs_covered(assignments, group_cols)[0])
        keys = group_keys(assignments, group_cols) if self.spread else None
        for attr, w in self.spread.items():
            values = c.members[attr].reindex(assignments["member"].to_numpy()).to_numpy()
            tmp = pd.DataFrame({"g": keys, "v": values})
            distinct_values = tmp.dropna().groupby("g")["v"].nunique()
            out[f"spread:{attr}"] = w * float((distinct_values - 1).clip(lower=0).sum())
        for attr, w in self.balance.items():
            out[f"balance:{attr}"] = -w * balance_value(assignments, c, attr, self.balance_by, group_cols)
        out["repeats"] = 0.0 - self.repeat_penalty * float(self.repeats(pairs))
        out["total"] = float(sum(out.values()))
        return out

    def repeats(self, pairs: pd.DataFrame) -> int:
        """Repeated encounters in a table of co-groupings (see :func:`co_groupings`)."""
        if not len(pairs):
            return 0
        keyed = pairs.groupby(["a", "b"]).size().rename("n").reset_index()
        if self.together:
            together = together_closure(self.together)
            keep = [frozenset((a, b)) not in together for a, b in zip(keyed["a"], keyed["b"], strict=True)]
            keyed = keyed[keep]
        within = int((keyed["n"] - 1).sum())
        met = self.affinity.met
        if len(met):
            before = keyed.merge(met[["a", "b"]], on=["a", "b"], how="inner")
            within += int(before["n"].sum())
        return within

    def needs_covered(self, assignments: pd.DataFrame, group_cols: list[str]) -> tuple[int, int, pd.Series]:
        """(covered, total, per-member share) of (member, need) couples covered by groupmates.

        Sparse and vectorised (no loop over groups): a 100,000-row plan takes a fraction of a second.
        """
        c = self.affinity.community
        who = assignments["member"].astype(str)
        members = who.unique().tolist()
        idx = c.index_of(members)  # the community's incidence (cached), rows in the plan's order
        offers = (c.incidence("offers")[idx] > 0).astype(np.int64).tocsr()
        needs = c.incidence("needs")[idx].toarray() > 0
        pos = {m: i for i, m in enumerate(members)}
        row_member = np.asarray([pos[m] for m in who], dtype=np.int64)
        groups = group_keys(assignments, group_cols)
        _, row_group = np.unique(groups, return_inverse=True)
        # offers of each group, then of each member's groupmates: covered where a groupmate offers the need
        member_offers = offers[row_member]
        n_groups = int(row_group.max()) + 1 if len(row_group) else 0
        group_of_rows = sp.csr_matrix((np.ones(len(row_group)), (row_group, np.arange(len(row_group)))),
                                      shape=(n_groups, len(row_group)))
        per_group = (group_of_rows @ member_offers).toarray()
        others = per_group[row_group] - member_offers.toarray()
        covered_rows = needs[row_member] & (others > 0)
        covered = np.zeros_like(needs)
        np.logical_or.at(covered, row_member, covered_rows)
        total_needs = needs.sum(axis=1)
        share = np.divide(covered.sum(axis=1), total_needs, out=np.ones(len(members)), where=total_needs > 0)
        return int(covered.sum()), int(needs.sum()), pd.Series(share, index=members)


#: Default weight of "needs covered in the group" per plan kind (pairs: complementarity already counts it).
DEFAULT_NEEDS = {"seating": 1.0, "cohorts": 1.0, "pairs": 0.0}

#: Default penalty per repeated encounter per plan kind. Seating: 10, more than a new
#: encounter usually brings, so that the objective agrees with the rule that repeats are
#: avoided (the seating solver treats zero repeats as hard whenever it finds such a plan).
DEFAULT_REPEAT_PENALTY = {"seating": 10.0, "cohorts": 0.0, "pairs": 0.0}


def default_objective(
    community: object,
    kind: str,
    *,
    pairs: object = None,
    history: object = None,
    together: set | None = None,
    spread: Mapping[str, float] | None = None,
    needs: float | None = None,
    repeat_penalty: float | None = None,
    balance: Mapping[str, float] | None = None,
    balance_by: Sequence[str] = (),
    **affinity_weights: object,
) -> Objective:
    """The objective the solvers optimise and ``matchmaking score`` reports, by default.

    With ``pairs`` (a pairs file or table) the pair weights are the whole objective (the
    ``--pairs`` contract: anyone can recompute it from the files alone). Otherwise the
    affinity of :func:`matchmaking.affinity` (``affinity_weights`` passed on) plus
    ``needs`` x needs covered in the group (default :data:`DEFAULT_NEEDS`), ``spread`` and
    ``balance`` (blocks by ``balance_by``).
    Either way, ``repeat_penalty`` per repeated encounter (default :data:`DEFAULT_REPEAT_PENALTY`).

    Examples
    --------
    >>> import matchmaking as mm
    >>> obj = default_objective(mm.datasets.demo_community(), "seating")
    >>> obj.needs, obj.affinity.terms
    (1.0, ['complementarity', 'goals'])
    """
    from matchmaking.scoring.affinity import Affinity, affinity

    if pairs is not None:
        aff = Affinity.from_pairs(community, pairs)  # type: ignore[arg-type]
        if history is not None:
            from matchmaking.scoring.pairs_file import history_counts

            aff.met = history_counts(history, community)  # type: ignore[arg-type]
        needs = 0.0
    else:
        aff = affinity(community, history=history, **affinity_weights)  # type: ignore[arg-type]
        needs = DEFAULT_NEEDS[kind] if needs is None else needs
    return Objective(
        aff,
        needs=needs,
        spread=dict(spread or {}),
        repeat_penalty=DEFAULT_REPEAT_PENALTY[kind] if repeat_penalty is None else float(repeat_penalty),
        together=set(together or ()),
        balance=dict(balance or {}),
        balance_by=tuple(balance_by),
    )
