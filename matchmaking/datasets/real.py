"""Loaders for real public data: Davis Southern Women, Zachary's karate club, SocioPatterns.

Three SocioPatterns contact data sets (CC0 1.0) ship with the package, in
``matchmaking/datasets/data/sociopatterns/`` (licence and citations in its ``README.md``), so
the loaders find them on any machine, from a clone or an installed package; every loader
also takes the path of another copy.
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

#: The folder of the shipped SocioPatterns files (package data: present in a clone and in an install).
SOCIOPATTERNS_DIR = Path(__file__).resolve().parent / "data" / "sociopatterns"

#: The shipped files, by data set.
SOCIOPATTERNS_FILES = {
    "sfhh": ("SFHH_tij.dat.gz", None),
    "invs13": ("workplace_InVS_tij.dat.zip", "workplace_InVS_metadata.txt"),
    "invs15": ("workplace_InVS15_tij.dat.gz", "workplace_InVS15_metadata.txt"),
}


def sociopatterns_file(name: str) -> Path:
    """The path of a shipped SocioPatterns file, e.g. ``"SFHH_tij.dat.gz"``.

    Raises
    ------
    FileNotFoundError
        When no shipped file has that name (the message lists the shipped ones).

    Examples
    --------
    >>> sociopatterns_file("SFHH_tij.dat.gz").name
    'SFHH_tij.dat.gz'
    >>> sociopatterns_file("SFHH_tij.dat.gz").is_file()
    True
    """
    shipped = sorted(n for pair in SOCIOPATTERNS_FILES.values() for n in pair if n)
    path = SOCIOPATTERNS_DIR / name
    if name not in shipped or not path.is_file():
        raise FileNotFoundError(f"{name!r} is not a shipped SocioPatterns file (shipped: {', '.join(shipped)}; "
                                f"looked in {SOCIOPATTERNS_DIR}). {SOCIOPATTERNS_HELP}")
    return path


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
    InputError
        When the file is not a contact file (naming the first line that is not ``t i j``).
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: not found. {SOCIOPATTERNS_HELP}")
    try:
        if p.suffix == ".zip":
            with zipfile.ZipFile(p) as z:
                names = [n for n in z.namelist() if n.endswith(".dat")]
                if not names:
                    raise InputError("the archive holds no .dat contact file", file=str(p))
                text = z.read(names[0]).decode()
        else:
            opener = gzip.open if p.suffix == ".gz" else open
            with opener(p, "rt") as fh:
                text = fh.read()
        frame = pd.read_csv(io.StringIO(text), sep=r"\s+", header=None, names=["t", "i", "j"], dtype=str)
    except InputError:
        raise
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, pd.errors.ParserError) as exc:
        raise InputError(f"not a SocioPatterns contact file ({type(exc).__name__}: {exc})"[:300], file=str(p)) from exc
    numbers = frame.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna().any(axis=1) | (numbers % 1 != 0).any(axis=1)
    if bad.any():
        raise InputError("expected three whole numbers 't i j'", file=str(p), row=int(bad.to_numpy().argmax()) + 1)
    numbers = numbers.astype("int64")
    lo = numbers[["i", "j"]].min(axis=1)
    hi = numbers[["i", "j"]].max(axis=1)
    out = pd.DataFrame({"t": numbers["t"], "i": lo.astype(str), "j": hi.astype(str)})
    return out.sort_values(["t", "i", "j"], kind="stable").reset_index(drop=True)


def read_sociopatterns_metadata(path: str | os.PathLike) -> pd.DataFrame:
    """Read a SocioPatterns metadata file (``id<TAB>group``; CRLF tolerated) as ``id, department``."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: not found. {SOCIOPATTERNS_HELP}")
    frame = pd.read_csv(p, sep=r"\s+", header=None, names=["id", "department"], dtype=str)
    return frame.assign(id=frame["id"].str.strip(), department=frame["department"].str.strip())


def sfhh_contacts(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The SFHH conference contacts (Nice, 2009: 403 people, 2 days) with a ``day`` column.

    Parameters
    ----------
    path : path, optional
        ``SFHH_tij.dat.gz`` (or the unpacked ``.dat``); default: the shipped copy.

    Examples
    --------
    >>> contacts = sfhh_contacts()
    >>> len(contacts), sorted(contacts["day"].unique().tolist())
    (70261, [1, 2])
    """
    frame = read_sociopatterns(sociopatterns_file(SOCIOPATTERNS_FILES["sfhh"][0]) if path is None else path)
    return frame.assign(day=contact_days(frame["t"]))


def contact_days(t: pd.Series) -> pd.Series:
    """Day number (from 1) of contact times in seconds, by calendar day (midnight to midnight).

    SocioPatterns times count seconds from midnight of the first day, so a day-2 contact
    at 8:10 is on day 2 even though it comes less than 24 hours after the first contact.

    Examples
    --------
    >>> import pandas as pd
    >>> contact_days(pd.Series([32_520, 86_399, 86_400, 118_000])).tolist()
    [1, 1, 2, 2]
    """
    return (t // 86_400 - t.min() // 86_400 + 1).astype(int)


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


def contact_episodes(contacts: pd.DataFrame, *, gap: int = 60) -> pd.DataFrame:
    """Ties per pair and day: contact windows and *episodes* (contacts split by silences > ``gap`` s).

    An episode is one conversation: consecutive 20 s windows of the same pair with no break
    longer than ``gap`` seconds. It is the real counterpart of a shared round in
    :func:`matchmaking.simulate`.

    Parameters
    ----------
    contacts : pandas.DataFrame
        ``t, i, j`` (and ``day``; computed by calendar day when absent).
    gap : int
        Seconds of silence that end an episode.

    Returns
    -------
    pandas.DataFrame
        ``day, i, j, windows, episodes, first`` (``first`` = time of the pair's first contact
        that day), sorted by day and pair.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"t": [20, 40, 300, 320, 90_000], "i": ["1"] * 5, "j": ["2"] * 5})
    >>> contact_episodes(c).values.tolist()
    [[1, '1', '2', 4, 2, 20], [2, '1', '2', 1, 1, 90000]]
    """
    frame = contacts if "day" in contacts else contacts.assign(day=contact_days(contacts["t"]))
    frame = frame.sort_values(["day", "i", "j", "t"], kind="stable")
    step = frame.groupby(["day", "i", "j"])["t"].diff()
    starts = step.isna() | (step > gap)
    out = (
        frame.assign(start=starts)
        .groupby(["day", "i", "j"], sort=True)
        .agg(windows=("t", "size"), episodes=("start", "sum"), first=("t", "min"))
        .reset_index()
    )
    return out.astype({"day": int, "windows": int, "episodes": int, "first": int})


def daily_tie_graphs(contacts: pd.DataFrame, *, gap: int = 60) -> dict[int, nx.Graph]:
    """One tie graph per day: edge attributes ``windows`` (20 s windows) and ``episodes``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"t": [20, 40, 90_000], "i": ["1", "1", "2"], "j": ["2", "2", "3"]})
    >>> {d: sorted(g.edges(data="windows")) for d, g in daily_tie_graphs(c).items()}
    {1: [('1', '2', 2)], 2: [('2', '3', 1)]}
    """
    graphs: dict[int, nx.Graph] = {}
    for day, grp in contact_episodes(contacts, gap=gap).groupby("day", sort=True):
        g = nx.Graph(day=int(day))
        g.add_edges_from(
            (i, j, {"windows": int(w), "episodes": int(e)})
            for i, j, w, e in zip(grp["i"], grp["j"], grp["windows"], grp["episodes"], strict=True)
        )
        graphs[int(day)] = g
    return graphs


def invs_offices(
    contacts_path: str | os.PathLike | None = None,
    metadata_path: str | os.PathLike | None = None,
    *,
    year: int = 2015,
) -> tuple[Community, pd.DataFrame]:
    """The InVS office building (2013 or 2015): people with their department, and their contacts.

    Parameters
    ----------
    contacts_path : path, optional
        ``workplace_InVS_tij.dat.zip`` (2013) or ``workplace_InVS15_tij.dat.gz`` (2015);
        default: the shipped file of ``year``.
    metadata_path : path, optional
        The matching ``..._metadata.txt`` (``id<TAB>department``); default: the shipped file of
        ``year``.
    year : {2015, 2013}
        Which shipped data set the defaults read.

    Returns
    -------
    community : Community
        Everyone in the metadata, with attribute ``department`` (the ground-truth groups) and
        ``in_contacts`` (whether they appear in the contact file: some do not).
    contacts : pandas.DataFrame
        ``t, i, j, day`` (day by calendar day from the first).

    Raises
    ------
    FileNotFoundError
        With a note on where to download the files.
    InputError
        When a contact names someone absent from the metadata.

    Examples
    --------
    >>> office, contacts = invs_offices(year=2013)
    >>> len(office), office.members["department"].nunique()
    (92, 5)
    """
    if year not in (2013, 2015):
        raise InputError(f"year {year!r}: the shipped InVS data sets are 2013 and 2015", column="year")
    shipped = SOCIOPATTERNS_FILES["invs13" if year == 2013 else "invs15"]
    if contacts_path is None:
        contacts_path = sociopatterns_file(shipped[0])
    if metadata_path is None:
        metadata_path = sociopatterns_file(shipped[1])  # type: ignore[arg-type]
    contacts = read_sociopatterns(contacts_path)
    meta = read_sociopatterns_metadata(metadata_path)
    known = set(meta["id"])
    seen = set(contacts["i"]) | set(contacts["j"])
    missing = sorted(seen - known, key=lambda x: int(x) if x.isdigit() else 0)
    if missing:
        raise InputError(f"{len(missing)} people in the contacts are not in the metadata, e.g. {missing[0]!r}",
                         file=str(metadata_path))
    community = Community.from_frame(
        meta.assign(in_contacts=meta["id"].isin(seen).map({True: "yes", False: "no"})),
        name=str(metadata_path),
    )
    return community, contacts.assign(day=contact_days(contacts["t"]))


