"""A seeded generator of realistic communities: an online school of entrepreneurs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from matchmaking.model.community import Community

SECTORS = {
    "therapy": ["therapy", "coaching", "meditation", "nutrition", "active listening"],
    "crafts": ["ceramics", "woodwork", "jewellery making", "sewing", "product photography"],
    "e-commerce": ["shopify", "online ads", "logistics", "product sourcing", "email marketing"],
    "freelance": ["web development", "graphic design", "project management", "translation", "ux design"],
    "writing": ["copywriting", "editing", "storytelling", "book publishing", "newsletters"],
    "art": ["illustration", "painting", "art direction", "exhibitions", "instagram"],
}
SECTOR_SHARE = [0.22, 0.18, 0.2, 0.2, 0.1, 0.1]
GENERIC = [
    "seo", "social media", "accounting", "pricing", "sales", "public speaking", "legal status",
    "website", "branding", "networking", "video editing", "grant writing", "negotiation",
    "time management", "customer service", "hiring", "fundraising", "partnerships",
]
STAGES = ["idea", "launch", "first clients", "growing", "established"]
STAGE_SHARE = [0.15, 0.2, 0.25, 0.25, 0.15]
STAGE_NEEDS = {
    "idea": ["pricing", "legal status", "branding", "business model"],
    "launch": ["website", "social media", "sales", "branding", "legal status"],
    "first clients": ["sales", "seo", "pricing", "networking", "public speaking"],
    "growing": ["accounting", "hiring", "online ads", "seo", "partnerships", "time management"],
    "established": ["hiring", "fundraising", "delegation", "negotiation", "partnerships"],
}
STAGE_GOALS = {
    "idea": ["validate my idea", "quit my job", "find a co-founder"],
    "launch": ["first client", "launch my website", "find a co-founder"],
    "first clients": ["first client", "steady income", "raise my prices"],
    "growing": ["steady income", "hire first employee", "raise my prices"],
    "established": ["scale up", "hire first employee", "write a book", "mentor others"],
}
CITIES = ["Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille", "Nantes", "Strasbourg", "Montpellier"]
FIRST = [
    "Ana", "Ben", "Chloé", "David", "Emma", "Farid", "Gabrielle", "Hugo", "Inès", "Jules", "Karim", "Léa",
    "Marc", "Nora", "Omar", "Paula", "Quentin", "Rose", "Sami", "Théa", "Ugo", "Véra", "William", "Yasmine",
    "Zoé", "Amine", "Bérénice", "Camille", "Dounia", "Elise", "Fanny", "Gaspard", "Hélène", "Ilyes", "Jade",
]
LAST = list("ABCDEFGHIJKLMNOPRSTVW")
_VARIANTS = {"seo": ["SEO", "S.E.O.", "seo "], "social media": ["Social Media", "social-media"],
             "e-mail marketing": ["Email marketing"], "copywriting": ["Copywriting", "copy-writing"]}


def synthetic_members(
    n: int,
    *,
    seed: int | None = None,
    cities: Sequence[str] = CITIES,
    big_city_share: float = 0.35,
    lead_share: float = 0.03,
    minority_share: float = 0.02,
    label_noise: float = 0.03,
    start: str = "2023-01-01",
    end: str = "2026-06-30",
) -> pd.DataFrame:
    """A table in the ``members.csv`` shape describing a realistic community.

    An online school of entrepreneurs: therapists, craftspeople, e-commerce owners,
    freelancers, writers and artists in several cities, the first much larger than the
    rest; stages from idea to established; skills offered grow with stage and depend on the
    sector; needs depend on the stage; a few local leads (``role``); join dates that follow
    a growth curve (more members joined recently). Attributes are drawn in vectorised form and
    labels member by member: 100,000 members take about 10-20 s.

    Parameters
    ----------
    n : int
        Number of members.
    seed : int, optional
        Random seed; the same seed gives the same table.
    cities : sequence of str
        City names; the first gets ``big_city_share`` of members, the rest share the others.
    big_city_share : float
        Share of members in the first city.
    lead_share : float
        Share of members who are local leads (``role == "lead"``).
    minority_share : float
        Share of members of the gender minority (``gender == "nonbinary"``).
    label_noise : float
        Probability that a skill is written in a variant spelling ("S.E.O."), as real forms are.
    start, end : str
        Range of join dates.

    Returns
    -------
    pandas.DataFrame
        Columns ``id, name, offers, needs, goals, city, sector, stage, seniority, gender,
        role, joined``.

    Examples
    --------
    >>> df = synthetic_members(1000, seed=3)
    >>> df.shape
    (1000, 12)
    >>> bool(df.equals(synthetic_members(1000, seed=3)))
    True
    >>> bool(0.3 < (df["city"] == "Paris").mean() < 0.4)
    True
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0 < big_city_share < 1 and len(cities) > 1:
        raise ValueError("big_city_share must be in (0, 1)")
    rng = np.random.default_rng(seed)
    k = len(cities)
    city_p = np.array([big_city_share] + [(1 - big_city_share) / (k - 1)] * (k - 1)) if k > 1 else np.ones(1)
    # the smaller cities are not all equal: a gentle decreasing profile
    if k > 2:
        tail = np.linspace(1.4, 0.6, k - 1)
        city_p[1:] = (1 - big_city_share) * tail / tail.sum()
    city = rng.choice(np.asarray(cities, dtype=object), size=n, p=city_p)
    sector_names = np.asarray(list(SECTORS), dtype=object)
    sector = rng.choice(sector_names, size=n, p=SECTOR_SHARE)
    stage_idx = rng.choice(len(STAGES), size=n, p=STAGE_SHARE)
    stage = np.asarray(STAGES, dtype=object)[stage_idx]
    seniority = np.round(np.clip(stage_idx * 1.8 + rng.gamma(2.0, 0.6, size=n) - 0.5, 0, None), 1)
    u = rng.random(n)
    gender = np.where(u < minority_share, "nonbinary", np.where(u < minority_share + 0.3, "man", "woman"))
    lead_score = rng.random(n) - 0.05 * stage_idx  # leads are more often experienced
    role = np.full(n, "member", dtype=object)
    n_leads = int(round(lead_share * n))
    if n_leads:
        role[np.argsort(lead_score, kind="stable")[:n_leads]] = "lead"
    # join dates on a growth curve: density grows exponentially towards the end
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    span_days = (t1 - t0).days
    x = np.log1p(rng.random(n) * (np.e**2 - 1)) / 2.0
    joined = (t0 + pd.to_timedelta(np.floor(x * span_days), unit="D")).strftime("%Y-%m-%d")

    n_offers = np.clip(1 + stage_idx // 2 + rng.poisson(0.8, size=n), 1, 6)
    n_needs = np.clip(1 + rng.poisson(1.2, size=n) - stage_idx // 3, 1, 5)
    n_goals = 1 + (rng.random(n) < 0.35)
    offers_col, needs_col, goals_col = [], [], []
    generic = np.asarray(GENERIC, dtype=object)
    for i in range(n):
        own = SECTORS[sector[i]]
        k_own = min(len(own), int(rng.integers(1, n_offers[i] + 1)))
        chosen = list(rng.choice(own, size=k_own, replace=False))
        rest = int(n_offers[i]) - k_own
        if rest > 0:
            chosen += [g for g in rng.choice(generic, size=rest, replace=False) if g not in chosen]
        pool = STAGE_NEEDS[stage[i]] + [s for s in SECTORS[rng.choice(sector_names)] if s not in chosen][:2]
        want = [s for s in pool if s not in chosen]
        needs = list(rng.choice(np.asarray(want, dtype=object), size=min(len(want), int(n_needs[i])), replace=False))
        goals_pool = STAGE_GOALS[stage[i]]
        goals = list(rng.choice(np.asarray(goals_pool, dtype=object), size=min(len(goals_pool), int(n_goals[i])), replace=False))
        offers_col.append("; ".join(_spell(s, rng, label_noise) for s in chosen))
        needs_col.append("; ".join(_spell(s, rng, label_noise) for s in needs))
        goals_col.append("; ".join(goals))
    width = max(4, len(str(n)))
    first = rng.choice(np.asarray(FIRST, dtype=object), size=n)
    last = rng.choice(np.asarray(LAST, dtype=object), size=n)
    return pd.DataFrame(
        {
            "id": [f"m{i:0{width}d}" for i in range(n)],
            "name": [f"{f} {s}." for f, s in zip(first, last, strict=True)],
            "offers": offers_col,
            "needs": needs_col,
            "goals": goals_col,
            "city": city,
            "sector": sector,
            "stage": stage,
            "seniority": seniority,
            "gender": gender,
            "role": role,
            "joined": joined,
        }
    )


def synthetic_community(n: int, *, seed: int | None = None, **kwargs: object) -> Community:
    """A :class:`~matchmaking.Community` built from :func:`synthetic_members`.

    Examples
    --------
    >>> c = synthetic_community(500, seed=7)
    >>> len(c), "city" in c.attributes
    (500, True)
    """
    return Community.from_frame(synthetic_members(n, seed=seed, **kwargs), name=f"synthetic(n={n}, seed={seed})")


def _spell(label: str, rng: np.random.Generator, noise: float) -> str:
    variants = _VARIANTS.get(label)
    if variants and rng.random() < noise * 5:
        return str(variants[int(rng.integers(len(variants)))])
    if rng.random() < noise:
        return label.capitalize() if rng.random() < 0.7 else label.upper()
    return label
