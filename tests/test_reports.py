"""Room-ready documents: every document rendered, PDFs read back, hostile names inert, umask respected."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.plans.io import read_plan
from matchmaking.reports import write_report
from matchmaking.reports.context import select
from matchmaking.scoring.objective import default_objective

ROUNDS, TABLES, SIZE = 2, 4, 6


def pdf_pages(path: Path) -> list[str]:
    """The text of each page (pdftotext, layout kept)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def rotation_plan(members: list[str], rounds: int, tables: int) -> pd.DataFrame:
    """A plain seating plan: member i at table (i + r * (i // tables)) % tables + 1 in round r."""
    rows = [{"round": r + 1, "table": (i + r * (i // tables)) % tables + 1, "member": m}
            for r in range(rounds) for i, m in enumerate(members)]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def event() -> mm.Community:
    """24 attendees of the demo event, the first 4 local leads among them (they host tables 1-4)."""
    full = mm.datasets.demo_event()
    leads = select(full, "role=lead")[:TABLES]
    others = [m for m in full.ids if m not in leads][: TABLES * SIZE - TABLES]
    return full.subset(leads + others)


@pytest.fixture(scope="module")
def seating(event: mm.Community, tmp_path_factory: pytest.TempPathFactory) -> tuple[mm.Plan, list[str], dict]:
    hosts = event.ids[:TABLES]
    rest = event.ids[TABLES:]
    a = rotation_plan(rest, ROUNDS, TABLES)
    held = pd.DataFrame([{"round": r, "table": t + 1, "member": h} for r in range(1, ROUNDS + 1)
                         for t, h in enumerate(hosts)])
    plan = mm.Plan("seating", pd.concat([held, a]), objective=0.0,
                   objective_fn=default_objective(event, "seating"))
    out = tmp_path_factory.mktemp("seating")
    paths = write_report(plan, out, event, hosts=hosts, formats="html,pdf,xlsx,csv", workers=1)
    return plan, hosts, paths


def test_seating_pdf_has_every_page_in_order(seating: tuple, event: mm.Community) -> None:
    plan, hosts, paths = seating
    pages = pdf_pages(paths["pdf"])
    # summary + one chart per round (4 tables fit a page) + a card per table and round + an itinerary each
    assert len(pages) == 1 + ROUNDS + TABLES * ROUNDS + len(event)
    assert "new people" in pages[0] and "Every request of the organizer holds" in pages[0]
    for r in range(1, ROUNDS + 1):
        chart = pages[r]
        assert f"round {r}" in chart
        seated = plan.assignments.query("round == @r")["member"]
        assert all(event.members.loc[m, "name"] in chart for m in seated)  # names are short enough to show whole


def test_every_table_number_is_on_its_card(seating: tuple, event: mm.Community) -> None:
    plan, hosts, paths = seating
    cards = pdf_pages(paths["pdf"])[1 + ROUNDS: 1 + ROUNDS + TABLES * ROUNDS]
    names = event.members["name"]
    for page, ((rnd, table), who) in zip(cards, sorted(plan.groups().items()), strict=True):
        numbers = re.findall(r"^\s*(\d+)\s", page, flags=re.M)
        assert str(table) in numbers and f"Round {rnd}" in page
        assert all(names[m] in page for m in who)
        host = hosts[table - 1]
        assert f"★ {names[host]} hosts this table" in page


def test_every_attendee_has_an_itinerary_with_their_tables(seating: tuple, event: mm.Community) -> None:
    plan, hosts, paths = seating
    itineraries = pdf_pages(paths["pdf"])[1 + ROUNDS + TABLES * ROUNDS:]
    names = event.members["name"]
    shared = set(names[names.duplicated(keep=False)])
    assert shared, "the demo event has namesakes: their pages are told apart by id"
    order = sorted(event.ids, key=lambda m: (names[m].casefold(), m))  # alphabetical, to hand them out
    a = plan.assignments
    for m, page in zip(order, itineraries, strict=True):
        heading = page.strip().splitlines()[0].strip()
        assert heading == (f"{names[m]} ({m})" if names[m] in shared else names[m])
        for rnd, table in a[a["member"] == m][["round", "table"]].itertuples(index=False):
            assert f"Round {rnd}: table {table}" in page
    someone = next(p for p in itineraries if "Meet " in p)
    assert re.search(r"Meet .+: (you offer|offers|shared goal)", someone)


def test_exports_put_the_contract_columns_first_then_names(seating: tuple, event: mm.Community) -> None:
    plan, hosts, paths = seating
    csv = pd.read_csv(paths["csv"], encoding="utf-8-sig")
    assert list(csv.columns[:4]) == ["round", "table", "member", "name"]
    assert "sector" in csv.columns and set(csv.loc[csv["host"] == "yes", "member"]) == set(hosts)
    book = openpyxl.load_workbook(paths["xlsx"])
    assert book.sheetnames == [f"round {r}" for r in range(1, ROUNDS + 1)]
    assert book["round 1"].max_row == len(event) + 1
    kind, back = read_plan(paths["csv"], event)  # still a plan file for every other tool
    assert kind == "seating" and len(back) == len(plan.assignments)


def test_html_is_self_contained_and_escaped(seating: tuple) -> None:
    html = seating[2]["html"].read_text(encoding="utf-8")
    assert "<svg" in html and "data:image/svg+xml;base64," in html
    assert not re.search(r"""(src|href)=["'](https?:|//|file:)""", html)


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory: pytest.TempPathFactory) -> tuple[mm.Plan, mm.Community, dict]:
    demo = mm.datasets.demo_community()
    city = demo.members["city"].value_counts().index[0]
    c = demo.subset(demo.members.index[demo.members["city"] == city][:22].tolist())
    plan = mm.Plan("cohorts", pd.DataFrame({"cohort": [1 + i % 2 for i in range(len(c))], "member": c.ids}),
                   objective=0.0, extras={"leaders": "role=lead"})
    paths = write_report(plan, tmp_path_factory.mktemp("cohorts"), c, formats="pdf,xlsx", workers=1)
    return plan, c, paths


def test_cohort_rosters_one_page_each_with_offers_and_needs(cohorts: tuple) -> None:
    plan, c, paths = cohorts
    pages = pdf_pages(paths["pdf"])
    assert len(pages) == 1 + 2
    assert "2 cohorts" in pages[0] and "in one city" in pages[0]
    for k, page in ((1, pages[1]), (2, pages[2])):
        who = plan.assignments.query("cohort == @k")["member"]
        assert f"Cohort {k}" in page and str(c.members.loc[who.iloc[0], "city"]) in page
        assert all(c.members.loc[m, "name"] in page for m in who)
        leads = [m for m in who if c.members.loc[m, "role"] == "lead"]
        assert ("led by" in page) == bool(leads)
    skill = next(s for m in c.ids for s in c.members.loc[m, "offers"])
    assert skill in "".join(pages[1:])
    assert openpyxl.load_workbook(paths["xlsx"]).sheetnames == ["cohorts"]


def test_pairings_per_round_and_per_member(tiny: mm.Community, tmp_path: Path) -> None:
    plan = mm.Plan("pairs", pd.DataFrame({"round": [1] * 6 + [2] * 6, "group": [1, 1, 2, 2, 3, 3] * 2,
                                          "member": ["ana", "ben", "chloe", "dan", "eve", "fay",
                                                     "ana", "chloe", "ben", "eve", "dan", "fay"]}),
                   objective=0.0)
    paths = write_report(plan, tmp_path, tiny, formats="html,pdf")
    pages = pdf_pages(paths["pdf"])
    assert len(pages) == 1 + 2 + 1
    assert "6 members in 6 pairs over 2 rounds" in pages[0] and "Nobody meets the same person twice" in pages[0]
    assert "Round 2: who meets whom" in pages[2]
    assert re.search(r"^\s*1\s+Ana\s*\n\s*Chloé", pages[2], flags=re.M)  # group 1 of round 2, one name a line
    member_row = next(line for line in pages[3].splitlines() if line.strip().startswith("Ana"))
    assert "Ben" in member_row and "Chloé" in member_row


HOSTILE = ["<script>alert(1)</script>", '=HYPERLINK("http://evil.example","clic")', "Hélène d’Artois-Lefèvre",
           "Zoé l'Hôte", "+33 6 12", "@SUM(1)", "Ana & <b>Ben</b>", "Ïsaac Œuvré"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[mm.Community, dict]:
    frame = pd.DataFrame({
        "id": [f"h{i}" for i in range(len(HOSTILE))], "name": HOSTILE,
        "offers": ["référencement; <img src=x onerror=alert(1)>", "", "comptabilité", "", "", "", "", ""],
        "needs": ["", "référencement", "", "comptabilité", "", "", "", ""],
        "sector": ["=1+1", "$5k <i>art</i>", "artisanat", "artisanat", "écriture", "écriture", "=1+1", "art"],
    })
    c = mm.Community.from_frame(frame)
    plan = mm.Plan("seating", rotation_plan(c.ids, 2, 2), objective=0.0)
    paths = write_report(plan, tmp_path_factory.mktemp("hostile"), c, formats="html,pdf,xlsx,csv", workers=1)
    return c, paths


def test_hostile_names_are_inert_in_html(hostile: tuple) -> None:
    html = hostile[1]["html"].read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<b>Ben</b>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "Ana &amp; &lt;b&gt;Ben&lt;/b&gt;" in html
    assert "Hélène d’Artois-Lefèvre" in html and ("Zoé l&#39;Hôte" in html or "Zoé l'Hôte" in html)


def test_hostile_names_print_as_text_with_accents_in_pdf(hostile: tuple) -> None:
    text = "".join(pdf_pages(hostile[1]["pdf"]))
    for name in HOSTILE:
        assert name in text, name
    assert "référencement" in text and "comptabilité" in text


def test_hostile_cells_are_not_formulas_in_exports(hostile: tuple) -> None:
    paths = hostile[1]
    for sheet in openpyxl.load_workbook(paths["xlsx"]).worksheets:
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert not any(cell.data_type == "f" for cell in cells)
        values = {cell.value for cell in cells}
        assert "'=HYPERLINK(\"http://evil.example\",\"clic\")" in values and "'=1+1" in values
        assert "'@SUM(1)" in values and "'+33 6 12" in values
    raw = paths["csv"].read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in raw and "\n=" not in raw and ",=" not in raw and "Hélène d’Artois" in raw


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_written_files_follow_the_umask(tiny: mm.Community, tmp_path: Path, mask: int) -> None:
    plan = mm.Plan("cohorts", pd.DataFrame({"cohort": [1, 1, 1, 2, 2, 2], "member": tiny.ids}), objective=0.0)
    old = os.umask(mask)
    try:
        paths = write_report(plan, tmp_path / "out", tiny, formats="html,xlsx,csv")
    finally:
        os.umask(old)
    for path in paths.values():
        assert path.stat().st_mode & 0o777 == 0o666 & ~mask, path.name
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temporary file left


def test_plan_report_uses_the_plans_own_community(tmp_path: Path) -> None:
    c = mm.datasets.demo_community().subset(mm.datasets.demo_community().ids[:12])
    plan = mm.seat(c, tables=2, table_size=6, rounds=2, time_limit=2, seed=0, iterations=2_000)
    paths = plan.report(tmp_path, formats="html", color_by="city")
    html = paths["html"].read_text(encoding="utf-8")
    assert all(name in html for name in c.members["name"]) and "Tables mix city" in html


def test_bad_options_raise_input_errors_and_write_nothing(tiny: mm.Community, tmp_path: Path) -> None:
    plan = mm.Plan("cohorts", pd.DataFrame({"cohort": [1] * 6, "member": tiny.ids}), objective=0.0)
    with pytest.raises(mm.InputError, match="no attribute 'colour'"):
        write_report(plan, tmp_path / "a", tiny, color_by="colour")
    with pytest.raises(mm.InputError, match="unknown format 'docx'"):
        write_report(plan, tmp_path / "b", tiny, formats="html,docx")
    (tmp_path / "c").write_text("keep")
    with pytest.raises(mm.InputError, match="folder"):
        write_report(plan, tmp_path / "c", tiny)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"] and (tmp_path / "c").read_text() == "keep"


def test_a_long_pdf_laid_out_in_two_parts_keeps_every_page_in_order(event: mm.Community, tmp_path: Path) -> None:
    from matchmaking.reports.build import plan_documents
    from matchmaking.reports.context import plan_context
    from matchmaking.reports.render import documents_pdf, split_documents

    plan = mm.Plan("seating", rotation_plan(event.ids, 1, TABLES), objective=0.0)
    docs = plan_documents(plan_context(plan, event))
    parts = split_documents(docs, 2)
    assert len(parts) == 2 and all(parts)
    flat = [(d.template, item) for part in parts for d in part for item in (d.data[d.items] if d.items else [d])]
    assert flat == [(d.template, item) for d in docs for item in (d.data[d.items] if d.items else [d])]
    path = tmp_path / "two.pdf"
    path.write_bytes(documents_pdf(docs, title="t", workers=2, min_sheets=1))
    pages = pdf_pages(path)
    assert len(pages) == 1 + 1 + TABLES + len(event)  # summary, one chart, cards, itineraries
    headings = [p.strip().splitlines()[0].strip() for p in pages[2 + TABLES:]]
    names = event.members["name"]
    assert [h.split(" (")[0] for h in headings] == [names[m] for m in sorted(event.ids, key=lambda m: (names[m].casefold(), m))]


@pytest.mark.parametrize("kind", ["cohorts", "pairs"])
def test_hostile_names_are_inert_in_rosters_and_pairings(hostile: tuple, tmp_path: Path, kind: str) -> None:
    c = hostile[0]
    ids = c.ids
    frame = (pd.DataFrame({"cohort": [1 + i % 2 for i in range(len(ids))], "member": ids}) if kind == "cohorts" else
             pd.DataFrame({"round": [1] * len(ids), "group": [1 + i // 2 for i in range(len(ids))], "member": ids}))
    plan = mm.Plan(kind, frame, objective=0.0)
    paths = write_report(plan, tmp_path, c, formats="html,pdf,xlsx,csv", leads=[ids[0]] if kind == "cohorts" else None,
                         workers=1)
    html = paths["html"].read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<b>Ben</b>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = "".join(pdf_pages(paths["pdf"]))
    assert all(name in text for name in HOSTILE)
    for sheet in openpyxl.load_workbook(paths["xlsx"]).worksheets:
        values = {cell.value for row in sheet.iter_rows() for cell in row}
        assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
        assert "'=HYPERLINK(\"http://evil.example\",\"clic\")" in values
    raw = paths["csv"].read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in raw and "\n=" not in raw and ",=" not in raw
