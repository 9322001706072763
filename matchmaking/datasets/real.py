"""Loaders for real public data: Davis Southern Women, Zachary's karate club, SocioPatterns.

The SocioPatterns files are not shipped with the package; the loaders take a path.
"""

from __future__ import annotations

import gzip
import io
import os
import zipfile
from pathlib import Path

import networkx as nx
import pandas as pd

from matchmaking.errors import InputError
from matchmaking.model.community import Community

SOCIOPATTERNS_HELP = (
    "SocioPatterns data are free (CC0) at sociopatterns.org: download the file named here "
    "(e.g. 'SFHH_tij.dat.gz' from the SFHH conference data set) and pass its path"
)


def davis_southern_women() -> tuple[Community, pd.DataFrame]:
    """Davis, Gardner and Gardner's Southern Women: 18 women, 14 social events (1930s).

    Returns
    -------
    community : Community
        The 18 women (``id`` = their name).
    attendance : pandas.DataFrame
        Columns ``event``, ``member``: who attended which event (89 rows).

    Examples
    --------
    >>> c, att = davis_southern_women()
    >>> len(c), att["event"].nunique(), len(att)
    (18, 14, 89)
    """
    g = nx.davis_southern_women_graph()
    women = sorted(g.graph["top"])
    rows = [(e, w) for w in women for e in g[w]]
    att = pd.DataFrame(rows, columns=["event", "member"]).sort_values(["event", "member"]).reset_index(drop=True)
    counts = att.groupby("member").size()
    community = Community.from_frame(
        pd.DataFrame({"id": women, "events_attended": [int(counts[w]) for w in women]}), name="davis_southern_women"
    )
    return community, att


def karate_club() -> tuple[Community, pd.DataFrame]:
    """Zachary's karate club: 34 members, their ties, and the split into two clubs.

    Returns
    -------
    community : Community
        Members ``"0"`` .. ``"33"`` with attribute ``club`` (``Mr. Hi`` / ``Officer``), the
        side each member joined after the split.
    ties : pandas.DataFrame
        Columns ``a``, ``b``, ``count`` (interaction contexts, Zachary's weights): usable as a
        meeting history.

    Examples
    --------
    >>> c, ties = karate_club()
    >>> len(c), len(ties), sorted(c.members["club"].value_counts().items())
    (34, 78, [('Mr. Hi', 17), ('Officer', 17)])
    """
    g = nx.karate_club_graph()
    community = Community.from_frame(
        pd.DataFrame({"id": [str(v) for v in g], "club": [g.nodes[v]["club"] for v in g]}), name="karate_club"
    )
    ties = pd.DataFrame(
        [(str(min(u, v)), str(max(u, v)), int(d.get("weight", 1))) for u, v, d in g.edges(data=True)],
        columns=["a", "b", "count"],
    )
    return community, ties


def read_sociopatterns(path: str | os.PathLike) -> pd.DataFrame:
    """Read a SocioPatterns contact file (``t i j`` lines; ``.dat``, ``.gz`` or ``.zip``).

    Returns
    -------
    pandas.DataFrame
        Columns ``t`` (seconds; the 20 s window ending at t), ``i``, ``j`` (as strings, i < j
        numerically), sorted by time.

    Raises
    ------
    FileNotFoundError
        With a note on where to download the file.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: not found. {SOCIOPATTERNS_HELP}")
    if p.suffix == ".zip":
        with zipfile.ZipFile(p) as z:
            name = next(n for n in z.namelist() if n.endswith(".dat"))
            text = z.read(name).decode()
        frame = pd.read_csv(io.StringIO(text), sep=r"\s+", header=None, names=["t", "i", "j"])
    else:
        opener = gzip.open if p.suffix == ".gz" else open
        with opener(p, "rt") as fh:
            frame = pd.read_csv(fh, sep=r"\s+", header=None, names=["t", "i", "j"])
    if frame.isna().any().any():
        bad = int(frame.isna().any(axis=1).to_numpy().argmax()) + 1
        raise InputError("expected three numbers 't i j'", file=str(p), row=bad)
    lo = frame[["i", "j"]].min(axis=1)
    hi = frame[["i", "j"]].max(axis=1)
    out = pd.DataFrame({"t": frame["t"].astype(int), "i": lo.astype(str), "j": hi.astype(str)})
    return out.sort_values(["t", "i", "j"], kind="stable").reset_index(drop=True)


def read_sociopatterns_metadata(path: str | os.PathLike) -> pd.DataFrame:
    """Read a SocioPatterns metadata file (``id<TAB>group``; CRLF tolerated) as ``id, department``."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: not found. {SOCIOPATTERNS_HELP}")
    frame = pd.read_csv(p, sep=r"\s+", header=None, names=["id", "department"], dtype=str)
    return frame.assign(id=frame["id"].str.strip(), department=frame["department"].str.strip())


def sfhh_contacts(path: str | os.PathLike) -> pd.DataFrame:
    """The SFHH conference contacts (Nice, 2009: 403 people, 2 days) with a ``day`` column.

    Parameters
    ----------
    path : path
        ``SFHH_tij.dat.gz`` (or the unpacked ``.dat``).
    """
    frame = read_sociopatterns(path)
    day = (frame["t"] - frame["t"].min()) // 86_400 + 1
    return frame.assign(day=day.astype(int))


def contact_graph(contacts: pd.DataFrame) -> nx.Graph:
    """A tie graph from contacts: edge weight = number of 20 s contact windows.

    Examples
    --------
    >>> import pandas as pd
    >>> g = contact_graph(pd.DataFrame({"t": [20, 40, 40], "i": ["1", "1", "2"], "j": ["2", "2", "3"]}))
    >>> sorted(g.edges(data="weight"))
    [('1', '2', 2), ('2', '3', 1)]
    """
    counts = contacts.groupby(["i", "j"]).size()
    g = nx.Graph()
    g.add_weighted_edges_from((i, j, int(w)) for (i, j), w in counts.items())
    return g


