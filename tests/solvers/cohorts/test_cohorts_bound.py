"""The proven bound: above every plan (brute force), also across sub-blocks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cohorts_helpers import partitions

import matchmaking as mm


def test_bound_is_a_real_bound_and_tiny_instances_reach_the_optimum():
    for seed, size in ((11, 3), (12, 2)):
        c = mm.datasets.synthetic_community(6, seed=seed)
        plan = mm.form_cohorts(c, size=size, spread=["sector"], seed=0)
        best = -np.inf
        for parts in partitions(c.ids, size, size):
            frame = pd.DataFrame([(g + 1, m) for g, grp in enumerate(parts) for m in grp], columns=["cohort", "member"])
            best = max(best, plan.objective_fn.evaluate(frame, "cohorts")["total"])
        assert plan.bound >= best - 1e-9
        assert plan.objective == pytest.approx(best)  # the local search finds the optimum here


def test_bound_holds_across_sub_blocks():
    # 10 members, cohorts of 2-3, cut into sub-blocks of 4: the unsplit optimum (14.5) used to beat the bound
    rows = ["m0,c,b;e,,s3,m,member", "m1,,,,s3,m,member", "m2,,e,,s2,m,lead", "m3,,a,g2,s3,m,member",
            "m4,,e;c,g1,s3,m,lead", "m5,,,g3,s3,m,member", "m6,,c;a,,s2,m,member",
            "m7,c;e,,,s3,m,lead", "m8,e,c,g3,s1,m,member", "m9,c;e,a,g2,s2,m,lead"]
    frame = pd.DataFrame([r.split(",") for r in rows], columns=["id", "offers", "needs", "goals", "sector",
                                                                 "gender", "role"])
    c = mm.Community.from_frame(frame)
    kw = dict(size="2-3", spread=["sector"], protect=["gender"], leaders="role=lead", seed=0)
    whole = mm.form_cohorts(c, max_block=None, **kw)
    cut = mm.form_cohorts(c, max_block=4, **kw)
    assert cut.bound >= whole.objective and cut.bound == pytest.approx(whole.bound)


def test_time_capped_bounds_stay_bounds():
    from matchmaking.solvers.cohorts.blocks import block_matrix
    from matchmaking.solvers.cohorts.bound import city_bound, cohort_bound, factor_bound

    c = mm.datasets.synthetic_community(300, seed=4)
    aff = mm.affinity(c)
    z = np.zeros((300, 0), dtype=np.int64)
    exact, rows = city_bound(aff, z, z, 0.0, [], 8, 12)
    capped, none = city_bound(aff, z, z, 0.0, [], 8, 12, deadline=0.0)  # no time: the per-member factor bound
    assert rows == 300 and none == 0 and capped >= exact > 0
    assert exact == pytest.approx(cohort_bound(block_matrix(aff), z, z, 0.0, [], 12, (25, 37)))
    assert factor_bound(aff, z, z, 0.0, [], 12, (25, 37)) == pytest.approx(capped)
