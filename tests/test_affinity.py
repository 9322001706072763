import numpy as np
import pandas as pd
import pytest

import matchmaking as mm


def brute_force(c, weights, met=None):
    """Pairwise scores by the definition, one pair at a time (the reference)."""
    ids = c.ids
    n = len(ids)
    out = np.zeros((n, n))
    m = c.members
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            a, b = m.iloc[i], m.iloc[j]
            s = weights.get("complementarity", 0) * (
                len(set(a["offers"]) & set(b["needs"])) + len(set(b["offers"]) & set(a["needs"]))
            )
            s += weights.get("goals", 0) * len(set(a["goals"]) & set(b["goals"]))
            for t, w in weights.items():
                if t.startswith("similar:"):
                    attr = t.split(":")[1]
                    s += w * (pd.notna(a[attr]) and a[attr] == b[attr])
                if t.startswith("spread:"):
                    attr = t.split(":")[1]
                    s += w * (not (pd.notna(a[attr]) and a[attr] == b[attr]))
            if met is not None:
                s -= weights.get("novelty", 0) * met.get(frozenset((ids[i], ids[j])), 0)
            out[i, j] = s
    return out


def test_matches_brute_force_on_synthetic():
    c = mm.datasets.synthetic_community(120, seed=5)
    hist = pd.DataFrame({"a": c.ids[:10], "b": c.ids[10:20], "count": [1, 2] * 5})
    aff = mm.affinity(c, goals=0.7, similar={"city": 0.5}, spread={"sector": 0.3}, novelty=2.0, history=hist)
    met = {frozenset((a, b)): n for a, b, n in hist.itertuples(index=False)}
    ref = brute_force(c, aff.weights, met)
    assert np.allclose(aff.dense(), ref)
    assert np.allclose(aff.matrix().toarray() + aff.baseline * (1 - np.eye(len(c))), ref)
    i, j = np.triu_indices(len(c), 1)
    ids = np.asarray(c.ids)
    s = aff.score(ids[i[:500]].tolist(), ids[j[:500]].tolist())
    assert np.allclose(s["total"], ref[i[:500], j[:500]])
    assert np.allclose(s[aff.terms].sum(axis=1), s["total"])


def test_explicit_pairs_term_and_from_pairs(tiny):
    pairs = pd.DataFrame({"a": ["ana", "dan"], "b": ["eve", "fay"], "weight": [3, -2]})
    aff = mm.affinity(tiny, pairs=pairs, pair_weight=2.0)
    s = aff.score(["eve", "fay"], ["ana", "dan"])
    assert s["pairs"].tolist() == [6.0, -4.0]
    only = mm.Affinity.from_pairs(tiny, pairs)
    assert only.terms == ["pairs"]
    assert only.score(["ana", "ana"], ["eve", "ben"])["total"].tolist() == [3.0, 0.0]
    assert "organizer's pair weight -2" in only.explain("dan", "fay")


def test_explain_decomposes_in_words(tiny):
    hist = pd.DataFrame({"a": ["ana"], "b": ["ben"], "count": [2]})
    aff = mm.affinity(tiny, similar=["city"], spread=["sector"], history=hist)
    words = aff.explain("ana", "ben")
    assert "Ana offers seo, which Ben needs" in words
    assert "Ben offers accounting, which Ana needs" in words
    assert "shared goal 'first client'" in words
    assert "different sector (art / crafts)" in words
    assert "already met 2 time(s)" in words
    assert "new contact" in aff.explain("ana", "chloe")


def test_top_pairs_are_the_best(tiny):
    aff = mm.affinity(tiny)
    top = aff.top_pairs(1)
    dense = aff.dense()
    ids = tiny.ids
    for a in ids:
        i = ids.index(a)
        best = dense[i].max()
        if best <= 0:
            continue
        mine = top[(top["a"] == a) | (top["b"] == a)]
        assert mine["score"].max() == pytest.approx(best)


def test_unknown_terms_rejected(tiny):
    with pytest.raises(ValueError, match="names no attribute"):
        mm.affinity(tiny, similar=["planet"])
    with pytest.raises(ValueError, match="unknown affinity term"):
        mm.Affinity(tiny, {"charisma": 1.0})


def test_scales_sparse_at_10000():
    """10,000 members: sparse throughout (timing lives in benchmarks/bench_scoring.py)."""
    import tracemalloc

    c = mm.datasets.synthetic_community(10_000, seed=1)
    aff = mm.affinity(c, similar={"city": 0.5})
    tracemalloc.start()
    top = aff.top_pairs(5)
    s = aff.score(c.ids[:5000], c.ids[5000:])
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    assert len(top) <= 50_000 and len(s) == 5000
    assert peak < 400, f"top_pairs/score at 10,000 members peaked at {peak:.0f} MiB"
