"""Help squads: coverage, batch exclusivity, load cap, novelty, exactness, CLI."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.cli import main
from matchmaking.solvers.squads import COVER


@pytest.fixture(scope="module")
def small() -> mm.Community:
    return mm.Community.from_frame(pd.DataFrame({
        "id": ["ana", "ben", "cy", "dee", "eve", "fox", "gus", "hal"],
        "offers": ["", "seo", "seo; pricing", "pricing", "branding", "S.E.O.", "legal status; seo", "pricing"],
        "needs": ["seo; pricing; branding; astrology", "pricing; legal status", "", "", "", "", "", ""],
        "sector": ["art", "art", "crafts", "crafts", "writing", "art", "therapy", "crafts"],
    }))


def _score(c: mm.Community, needs: list[str], helpers: tuple[str, ...], met: set[str]) -> int:
    offers = {s for h in helpers for s in c.members.at[h, "offers"]}
    covered = sum(s in offers for s in needs)
    relevant = sum(bool(set(c.members.at[h, "offers"]) & set(needs)) for h in helpers)
    new = sum(h not in met for h in helpers)
    return COVER * covered + c.members.loc[list(helpers), "sector"].nunique() + relevant + new


def test_covers_every_coverable_need_and_names_the_rest(small):
    plan = mm.help_squad(small, "ana", k=3)
    squad = plan.extras["squads"]
    helpers = squad.loc[squad["role"] == "helper", "member"].tolist()
    offered = {s for h in helpers for s in small.members.at[h, "offers"]}
    assert {"seo", "pricing", "branding"} <= offered
    assert plan.extras["uncovered"] == {"ana": ["astrology"]}
    assert any("nobody offers astrology" in n for n in plan.notes)
    assert plan.status == "optimal" and plan.gap == 0.0
    assert "nobody offers astrology" in plan.explain("ana")
    assert plan.explain(helpers[0]).startswith(f"{helpers[0]} helps ana")


def test_exact_against_brute_force(small):
    history = pd.DataFrame({"a": ["ana", "ana"], "b": ["cy", "gus"]})
    plan = mm.help_squad(small, "ana", k=3, history=history)
    needs = list(small.members.at["ana", "needs"])
    pool = [m for m in small.ids if m != "ana"]
    best = max(_score(small, needs, h, {"cy", "gus"}) for h in itertools.combinations(pool, 3))
    assert plan.objective == best == plan.bound


def test_novelty_prefers_new_contacts(small):
    history = pd.DataFrame({"a": ["ben", "ben"], "b": ["cy", "dee"]})
    plan = mm.help_squad(small, "ben", k=2, history=history)
    helpers = set(plan.extras["squads"].query("role == 'helper'")["member"])
    assert helpers == {"gus", "hal"}  # gus: legal status + seo, hal: pricing, both new to ben


def test_batch_helpers_join_one_squad(small):
    plan = mm.help_squad(small, ["ana", "ben"], k=3)
    squad = plan.extras["squads"]
    helpers = squad[squad["role"] == "helper"]
    assert helpers["member"].is_unique
    assert set(helpers["member"]).isdisjoint({"ana", "ben"})
    assert sorted(squad["squad"].unique()) == [1, 2]
    # ben's needs are covered too (pricing and legal status)
    ben = {s for h in helpers.loc[helpers["problem"] == "ben", "member"] for s in small.members.at[h, "offers"]}
    assert {"pricing", "legal status"} <= ben


def test_load_cap_leaves_busy_helpers_out(small):
    plan = mm.help_squad(small, "ben", k=2, load={"gus": 3, "hal": 1}, load_cap=2)
    helpers = set(plan.extras["squads"].query("role == 'helper'")["member"])
    assert "gus" not in helpers
    assert plan.extras["uncovered"] == {"ben": ["legal status"]}
    assert any("load" in n for n in plan.notes)


def test_load_from_a_meeting_history_since_a_date(small, tmp_path):
    history = mm.MeetingHistory(tmp_path / "h.db")
    session = pd.DataFrame({"cohort": [1, 1, 1], "member": ["ana", "gus", "eve"]})
    history.record(session, event="s1", date="2026-01-10")
    history.record(session, event="s2", date="2026-03-10")
    busy = mm.help_squad(small, "ben", k=2, history=history, load_cap=2)
    assert "gus" not in set(busy.extras["squads"]["member"])
    recent = mm.help_squad(small, "ben", k=2, history=history, load_cap=2, since="2026-02-01")
    assert "gus" in set(recent.extras["squads"]["member"])


def test_free_problem_and_spelling(small):
    plan = mm.help_squad(small, {"launch": ["S.E.O.", "Pricing"]}, k=2)
    squad = plan.extras["squads"]
    assert (squad["role"] == "helper").all()
    assert plan.breakdown["needs_covered"] == 2
    assert plan.explain("launch").startswith("launch: squad 1")


def test_errors(small):
    with pytest.raises(mm.InputError, match="zed"):
        mm.help_squad(small, "zed")
    with pytest.raises(mm.InputError, match="no needs"):
        mm.help_squad(small, "cy")
    with pytest.raises(mm.InputError, match="k must be"):
        mm.help_squad(small, "ana", k=0)


def test_batch_of_five_on_3000_members():
    c = mm.datasets.synthetic_community(3000, seed=1)
    plan = mm.help_squad(c, c.ids[:5], k=15)
    squad = plan.extras["squads"]
    assert plan.status == "optimal"
    assert squad.loc[squad["role"] == "helper", "member"].is_unique
    assert plan.breakdown["needs_covered"] == plan.breakdown["needs_total"]


def test_cli(tmp_path, small, capsys):
    members = tmp_path / "members.csv"
    small.to_frame().to_csv(members, index=False)
    out = tmp_path / "squad.csv"
    assert main(["squad", str(members), "--member", "ana", "-k", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "optimal" in text and "nobody offers astrology" in text
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["squad", "problem", "member", "role", "covers", "reason"]
    assert main(["squad", str(members), "--skills", "seo;pricing", "--out", str(out)]) == 0
    assert main(["squad", str(members), "--member", "zed", "--out", str(out)]) == 2
    assert main(["squad", str(members), "--question", "Any tips on pricing?", "-k", "2", "--out", str(out)]) == 0
    assert "pricing" in set(pd.read_csv(out)["covers"])


def test_no_time_keeps_a_valid_start_and_bound():
    c = mm.datasets.synthetic_community(1500, seed=2)
    plan = mm.help_squad(c, c.ids[:8], k=10, time_limit=1e-6)
    assert plan.bound >= plan.objective > 0
    squad = plan.extras["squads"]
    assert squad.loc[squad["role"] == "helper", "member"].is_unique
    assert squad.groupby("squad")["role"].apply(lambda r: (r == "helper").sum()).eq(10).all()


def test_question_in_words_tags_experts(small):
    plan = mm.help_squad(small, {"q1": "Who can help with my S.E.O. and the legal status of my shop?"}, k=2)
    helpers = plan.extras["squads"]["member"].tolist()
    assert "gus" in helpers  # the only one offering legal status (and seo)
    assert plan.breakdown["needs_total"] == 2 and plan.breakdown["needs_covered"] == 2
    with pytest.raises(mm.InputError, match="no needs"):
        mm.help_squad(small, {"q2": "Anything about knitting?"})
