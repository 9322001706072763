"""Shared pieces of the cohort tests: the rules of the reference instance and a brute-force reference."""

from __future__ import annotations

import itertools

KW = dict(size="8-12", similar=["city"], spread=["sector"], protect=["gender"], leaders="role=lead")


def partitions(items, lo, hi):
    """Every split of ``items`` into groups of ``lo`` to ``hi`` members (the brute-force reference)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for extra in range(lo - 1, hi):
        for comb in itertools.combinations(rest, extra):
            left = [x for x in rest if x not in comb]
            for p in partitions(left, lo, hi):
                yield [[first, *comb], *p]
