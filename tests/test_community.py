import networkx as nx
import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.model.labels import LabelIndex, normalize_label


def test_labels_normalised_and_reported(tiny):
    assert tiny.members.loc["chloe", "offers"] == ("seo",)
    assert tiny.members.loc["fay", "offers"] == ("branding", "seo")
    variants = tiny.skill_labels.variants()
    assert set(variants["seo"]) == {"SEO", "S.E.O.", "seo"}
    report = tiny.label_report()
    assert ((report["label"] == "seo") & (report["kind"] == "merged spellings")).any()


@pytest.mark.parametrize(
    ("raw", "key"),
    [("SEO", "seo"), ("seo ", "seo"), ("S.E.O.", "seo"), ("Thérapie", "therapie"), ("e-commerce", "e commerce"),
     ("  Social   Media ", "social media")],
)
def test_normalize_label(raw, key):
    assert normalize_label(raw) == key


def test_spacing_variants_merge_and_lookalikes_are_only_reported():
    idx = LabelIndex(["e-commerce", "ecommerce", "ecommerce", "marketing", "marketting"])
    assert idx.canonical("e-commerce") == "ecommerce"
    assert idx.canonical("marketting") == "marketting"
    assert ("marketing", "marketting", 0.95) in idx.near_duplicates()


def test_attributes_typed(tiny_frame):
    frame = tiny_frame.assign(seniority=["1", "2", "", "4", "5", "6"], score=["1.5", "2", "3", "4", "5", "6"])
    c = mm.Community.from_frame(frame)
    assert str(c.members["seniority"].dtype) == "Int64"
    assert pd.isna(c.members.loc["chloe", "seniority"])
    assert c.members["score"].dtype == float
    assert c.members.loc["ana", "city"] == "Lyon"
    assert c.attributes == ["city", "sector", "seniority", "score"]


def test_graph_is_typed_and_connects_needs_to_skills(tiny):
    g = tiny.graph
    kinds = nx.get_node_attributes(g, "kind")
    assert kinds["ana"] == "member" and kinds["skill:seo"] == "skill" and kinds["need:seo"] == "need"
    assert g.edges["ana", "skill:seo"]["kind"] == "offers"
    assert g.edges["ben", "need:seo"]["kind"] == "needs"
    assert g.edges["need:seo", "skill:seo"]["kind"] == "answers"
    # member - need - skill - member: a path of length 3 between someone in need and a helper
    assert nx.shortest_path_length(g, "ben", "ana") == 3
    assert g.nodes["ana"]["city"] == "Lyon"


def test_directory_who_can_help(tiny):
    out = tiny.who_can_help("S.E.O.")
    assert out["member"].tolist() == ["ana", "chloe", "fay"]
    assert (out["match"] == 1.0).all()
    close = tiny.who_can_help("branding strategy", cutoff=0.6)
    assert "fay" in close["member"].tolist()
    assert tiny.who_can_help("underwater basket weaving").empty


def test_directory_helpers_for_ranks_by_needs_then_goals(tiny):
    out = tiny.helpers_for("ben")
    # ana, chloe and fay offer seo; ana also shares ben's goal -> first; ties by id
    assert out["member"].tolist() == ["ana", "chloe", "fay"]
    assert out["score"].tolist() == [1.5, 1.0, 1.0]
    assert "offers seo, which Ben needs" in out.iloc[0]["reason"]
    assert "first client" in out.iloc[0]["reason"]
    with pytest.raises(KeyError):
        tiny.helpers_for("nobody")


def test_subset_and_roundtrip(tiny, tmp_path):
    sub = tiny.subset(["ben", "ana"])
    assert sub.ids == ["ben", "ana"]
    path = tmp_path / "m.csv"
    tiny.to_frame().to_csv(path, index=False)
    again = mm.Community.from_csv(path)
    assert again.ids == tiny.ids
    assert again.members["offers"].tolist() == tiny.members["offers"].tolist()


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_excel_and_parquet(tiny_frame, tmp_path, suffix):
    path = tmp_path / f"members{suffix}"
    if suffix == ".xlsx":
        tiny_frame.to_excel(path, index=False)
    else:
        tiny_frame.to_parquet(path, index=False)
    c = mm.Community.from_csv(path)
    assert c.ids == tiny_frame["id"].tolist()
    assert c.members.loc["ana", "offers"] == ("seo", "copywriting")


def test_member_graph_weights(tiny):
    mg = tiny.member_graph()
    # ana offers seo (ben needs) and ben offers accounting (ana needs): weight 2
    assert mg["ana"]["ben"]["weight"] == 2.0


def test_graph_with_reserved_attribute_names_and_graphml(tiny_frame, tmp_path):
    c = mm.Community.from_frame(tiny_frame.assign(kind=["a", "b", "a", "b", "a", "b"], zip=["01000"] * 6))
    g = c.graph
    assert g.nodes["ana"]["kind"] == "member" and g.nodes["ana"]["attr_kind"] == "a"
    assert c.members.loc["ana", "zip"] == "01000"  # codes keep their leading zeros
    nx.write_graphml(g, tmp_path / "c.graphml")
    assert nx.read_graphml(tmp_path / "c.graphml").number_of_nodes() == g.number_of_nodes()


def test_excel_cells_that_look_missing_stay_text(tmp_path) -> None:
    """'NA', 'null' and 'N/A' are names and labels, not missing values (the fuzzing suite found 'null')."""
    from matchmaking.model.io import read_table, write_table

    frame = pd.DataFrame({"id": ["a", "b", "c", "d"], "name": ["null", "NA", "N/A", ""]})
    for suffix in (".xlsx", ".csv"):
        write_table(frame, tmp_path / f"m{suffix}")
        assert read_table(tmp_path / f"m{suffix}")["name"].tolist() == ["null", "NA", "N/A", ""]
