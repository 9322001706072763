import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.datasets import DEMO_RECIPES, data_dir, synthetic_members


def test_generator_is_deterministic_by_seed():
    a = synthetic_members(500, seed=11)
    assert a.equals(synthetic_members(500, seed=11))
    assert not a.equals(synthetic_members(500, seed=12))


def test_generator_is_realistic():
    df = synthetic_members(3000, seed=2, lead_share=0.1, minority_share=0.02)
    city_share = df["city"].value_counts(normalize=True)
    assert city_share.index[0] == "Paris" and city_share.iloc[0] > 2 * city_share.iloc[1]
    assert df["city"].nunique() == 9
    assert set(df["sector"]) == {"therapy", "crafts", "e-commerce", "freelance", "writing", "art"}
    assert (df["role"] == "lead").mean() == pytest.approx(0.1, abs=0.005)
    assert (df["gender"] == "nonbinary").mean() == pytest.approx(0.02, abs=0.01)
    c = mm.Community.from_frame(df)
    # skills offered grow with stage, as in a real school
    n_offers = c.members["offers"].map(len)
    assert n_offers[c.members["stage"] == "established"].mean() > n_offers[c.members["stage"] == "idea"].mean()
    # therapists offer therapy skills far more than writers do
    offers_therapy = c.members["offers"].map(lambda t: "therapy" in t)
    assert offers_therapy[c.members["sector"] == "therapy"].mean() > 0.3 > offers_therapy[c.members["sector"] == "writing"].mean()
    # label noise exists and is normalised away
    assert len(c.skill_labels.variants()) > 0
    joined = pd.to_datetime(df["joined"])
    assert (joined > "2025-06-30").mean() > 0.5  # growth: more members joined recently


def test_committed_demo_files_match_their_recipe():
    for name, recipe in DEMO_RECIPES.items():
        committed = pd.read_csv(data_dir() / name, dtype=str, keep_default_na=False)
        fresh = synthetic_members(**recipe).astype(str)
        assert committed.equals(fresh), f"{name} differs from its recipe: run python datasets/make_datasets.py"


def test_demo_loaders():
    assert len(mm.datasets.demo_community()) == 150
    event = mm.datasets.demo_event()
    assert len(event) == 300 and (event.members["role"] == "lead").sum() == 30


def test_davis_and_karate():
    women, att = mm.datasets.davis_southern_women()
    assert len(women) == 18 and len(att) == 89
    club, ties = mm.datasets.karate_club()
    aff = mm.affinity(club, similar=["club"], history=ties)
    assert "novelty" in aff.terms


def test_sociopatterns_sfhh():
    contacts = mm.datasets.sfhh_contacts()  # the shipped copy
    people = set(contacts["i"]) | set(contacts["j"])
    assert len(people) == 403
    assert len(contacts.drop_duplicates(["i", "j"])) == 9565
    assert sorted(contacts["day"].unique()) == [1, 2]
    g = mm.datasets.contact_graph(contacts)
    assert g.number_of_nodes() == 403 and g.number_of_edges() == 9565


def test_sociopatterns_invs_and_missing_file(tmp_path):
    contacts = mm.datasets.read_sociopatterns(mm.datasets.sociopatterns_file("workplace_InVS_tij.dat.zip"))
    meta = mm.datasets.read_sociopatterns_metadata(mm.datasets.sociopatterns_file("workplace_InVS_metadata.txt"))
    assert len(set(contacts["i"]) | set(contacts["j"])) == 92
    assert meta["department"].nunique() == 5
    with pytest.raises(FileNotFoundError, match="sociopatterns.org"):
        mm.datasets.read_sociopatterns(tmp_path / "SFHH_tij.dat.gz")


def test_shipped_sociopatterns_files_and_their_licence():
    from matchmaking.datasets.real import SOCIOPATTERNS_DIR, SOCIOPATTERNS_FILES

    readme = (SOCIOPATTERNS_DIR / "README.md").read_text(encoding="utf-8")
    assert "CC0 1.0" in readme and "Génois" in readme  # licence and citation travel with the files
    for contacts, metadata in SOCIOPATTERNS_FILES.values():
        assert mm.datasets.sociopatterns_file(contacts).stat().st_size > 10_000
        if metadata:
            assert mm.datasets.sociopatterns_file(metadata).is_file()
    with pytest.raises(FileNotFoundError, match="SFHH_tij.dat.gz"):  # the message lists what is shipped
        mm.datasets.sociopatterns_file("nope.dat")
    office, contacts = mm.datasets.invs_offices(year=2013)
    assert len(office) == 92 and contacts["day"].min() == 1
    with pytest.raises(mm.InputError, match="2013 and 2015"):
        mm.datasets.invs_offices(year=2014)


def test_an_installed_package_finds_the_shipped_data(tmp_path):
    """What pip installs (setuptools' build_py with pyproject's settings) carries the data files."""
    import os
    import subprocess
    import sys

    root = data_dir().parent
    lib = tmp_path / "lib"
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "egg_info", "--egg-base",
                    str(tmp_path), "build_py", "--build-lib", str(lib)], cwd=root, check=True, capture_output=True)
    code = ("import matchmaking.datasets as d; from matchmaking.datasets.real import SOCIOPATTERNS_DIR as p; "
            "print(p); print(len(d.sfhh_contacts()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(lib)}, check=True)
    assert out.stdout.split() == [str(lib / "matchmaking" / "datasets" / "data" / "sociopatterns"), "70261"]


@pytest.mark.parametrize(("name", "data", "row"), [
    ("c.dat", b"20 1 2\n40 a 3\n", 2), ("c.dat", b"20 1 2\n40 1 2 5\n", None), ("c.dat", b"20 1.5 2\n", 1),
    ("c.dat.gz", b"not gzip", None), ("c.zip", b"PK\x03\x04junk", None),
])
def test_a_damaged_contact_file_is_an_input_error(tmp_path, name, data, row):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(mm.InputError) as err:
        mm.datasets.read_sociopatterns(tmp_path / name)
    assert err.value.file == str(tmp_path / name) and err.value.row == row
