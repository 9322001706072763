"""A community as a graph: members, skills and needs (:func:`community_graph`), or members only (:func:`member_graph`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx
import scipy.sparse as sp

from matchmaking.model.members import LIST_COLUMNS, NODE_PREFIX, is_missing

if TYPE_CHECKING:
    from matchmaking.model.community import Community

__all__ = ["community_graph", "member_graph"]


def community_graph(community: Community) -> nx.Graph:
    """A networkx graph of members, skills and needs.

    Nodes: every member id (``kind="member"`` plus name, goals (``;``-joined) and attributes; an
    attribute named ``kind`` or ``label`` is stored as ``attr_kind`` / ``attr_label``), ``"skill:<label>"``
    (``kind="skill"``) and ``"need:<label>"`` (``kind="need"``). Edges: member - skill
    (``kind="offers"``), member - need (``kind="needs"``) and skill - need of the same label
    (``kind="answers"``), so a path member - need - skill - member is a possible help.

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community
    >>> g = community_graph(Community.from_frame(pd.DataFrame({"id": ["a", "b"], "offers": ["x", ""], "needs": ["", "x"]})))
    >>> sorted(g.edges(data="kind"))
    [('a', 'skill:x', 'offers'), ('b', 'need:x', 'needs'), ('skill:x', 'need:x', 'answers')]
    """
    g = nx.Graph(name=f"community from {community.source}")
    for member, row in community.members.iterrows():
        # GraphML/GEXF-friendly: no None, no lists; an attribute called "kind" or "label" keeps its value
        # under "attr_kind" / "attr_label" so the node type stays readable
        attrs = {("attr_" + k if k in ("kind", "label") else k): (v.item() if hasattr(v, "item") else v)
                 for k, v in row.items() if k not in LIST_COLUMNS and not is_missing(v)}
        attrs.update(kind="member", goals="; ".join(row["goals"]))
        g.add_node(member, **attrs)
    for label in community.skills:
        g.add_node(NODE_PREFIX["skill"] + label, kind="skill", label=label)
        g.add_node(NODE_PREFIX["need"] + label, kind="need", label=label)
    for member, offers, needs in zip(community.members.index, community.members["offers"], community.members["needs"], strict=True):
        g.add_edges_from(((member, NODE_PREFIX["skill"] + s) for s in offers), kind="offers")
        g.add_edges_from(((member, NODE_PREFIX["need"] + s) for s in needs), kind="needs")
    offered = {s for labels in community.members["offers"] for s in labels}
    needed = {s for labels in community.members["needs"] for s in labels}
    for label in sorted(offered & needed):
        g.add_edge(NODE_PREFIX["need"] + label, NODE_PREFIX["skill"] + label, kind="answers")
    isolated = [n for n, d in g.nodes(data=True) if d["kind"] != "member" and g.degree(n) == 0]
    g.remove_nodes_from(isolated)
    return g


def member_graph(community: Community) -> nx.Graph:
    """Graph of members only, weighted by how many needs of one the other offers (both ways).

    Examples
    --------
    >>> import pandas as pd
    >>> from matchmaking import Community
    >>> c = Community.from_frame(pd.DataFrame({"id": ["a", "b"], "offers": ["x", ""], "needs": ["", "x"]}))
    >>> list(member_graph(c).edges(data="weight"))
    [('a', 'b', 1.0)]
    """
    offers, needs = community.incidence("offers"), community.incidence("needs")
    comp = (offers @ needs.T).tocsr()
    comp = sp.triu(comp + comp.T, k=1).tocoo()
    g = nx.Graph()
    g.add_nodes_from(community.ids)
    ids = community.ids
    g.add_weighted_edges_from(
        (ids[i], ids[j], float(w)) for i, j, w in zip(comp.row, comp.col, comp.data, strict=True) if w
    )
    return g
