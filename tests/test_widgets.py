import pandas as pd

import matchmaking as mm
from matchmaking.errors import InfeasibleError


def test_affinity_panel_reacts_and_escapes(tiny_frame):
    frame = tiny_frame.copy()
    frame.loc[1, "name"] = "<script>alert(1)</script>"
    c = mm.Community.from_frame(frame)
    panel = mm.widgets.affinity_panel(c, similar=["city"], top=3)
    assert "<script>" not in panel.result.value and "&lt;script&gt;" in panel.result.value
    panel.member.value = "ben"
    assert "ana" in panel.result.value  # ana offers seo, which ben needs
    before = panel.result.value
    panel.sliders["complementarity"].value = 0.0
    panel.sliders["goals"].value = 0.0
    assert panel.affinity.weights["complementarity"] == 0.0
    assert panel.result.value != before


def test_solve_panel_live_progress_and_errors(tiny):
    seen = []

    def solver(community, *, time_limit, seed, callback, size):
        callback({"objective": 1.0})
        seen.append((time_limit, seed, size))
        if size > 5:
            raise InfeasibleError("cohorts of 6 cannot hold", ["size 6 > 6 members / 2 cohorts"])
        ids = community.ids
        return mm.Plan("cohorts", pd.DataFrame({"cohort": [i % 2 + 1 for i in range(len(ids))], "member": ids}),
                       objective=0.0)

    panel = mm.widgets.solve_panel(solver, tiny, params={"size": (3, 2, 8, 1)}, time_limit=5)
    panel.button.click()
    assert seen == [(5.0, 0, 3.0)] and panel.progress.value == "done"
    assert "cohorts plan" in panel.summary.value
    panel.params["size"].value = 6
    panel.button.click()
    assert panel.progress.value == "failed" and "cannot hold" in panel.summary.value
    assert not panel.button.disabled
