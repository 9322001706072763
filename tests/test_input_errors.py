"""Bad input: one clear error naming file, row and column; nothing written."""

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matchmaking as mm
from matchmaking.cli import main
from matchmaking.errors import InputError
from matchmaking.model.io import read_table, spreadsheet_safe, unescape_cell, write_table


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def members_error(tmp_path, text) -> InputError:
    """The error raised on reading a members.csv holding ``text``."""
    with pytest.raises(InputError) as err:
        mm.Community.from_csv(write(tmp_path, "members.csv", text))
    return err.value


def test_missing_id_column(tmp_path):
    err = members_error(tmp_path, "name,city\nAna,Lyon\n")
    assert err.file == str(tmp_path / "members.csv") and err.row == 1 and err.column == "id"
    assert "required column 'id'" in str(err)


def test_duplicate_id_names_both_rows(tmp_path):
    err = members_error(tmp_path, "id,name\na,Ana\nb,Ben\na,Anna\n")
    assert (err.row, err.column) == (4, "id")
    assert "first on row 2" in str(err)


def test_empty_id(tmp_path):
    err = members_error(tmp_path, "id,name\na,Ana\n,Ben\n")
    assert (err.row, err.column) == (3, "id")


def test_pipe_separated_file_is_named_as_such(tmp_path):
    err = members_error(tmp_path, "id|name|city\na|Ana|Lyon\n")  # semicolons and tabs are read: tests/test_readers.py
    assert "pipes" in str(err) and err.row == 1


def test_ragged_row_is_named(tmp_path):
    err = members_error(tmp_path, "id,offers\na,seo\nb,seo,ads\n")
    assert err.row == 3
    assert "';'" in str(err)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        mm.Community.from_csv(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="empty"):
        mm.Community.from_csv(write(tmp_path, "e.csv", ""))


def test_windows_1252_file_is_read(tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes("id,name\na,Chlo\xe9\n".encode("latin-1"))
    assert mm.Community.from_csv(path).members.loc["a", "name"] == "Chloé"


def test_pairs_unknown_member_and_bad_weight(tiny, tmp_path):
    path = write(tmp_path, "pairs.csv", "a,b,weight\nana,ben,2\nana,zed,1\n")
    with pytest.raises(InputError) as err:
        mm.read_pairs(path, tiny)
    assert (err.value.file, err.value.row, err.value.column) == (str(path), 3, "b")
    path = write(tmp_path, "pairs.csv", "a,b,weight\nana,ben,lots\n")
    with pytest.raises(InputError) as err:
        mm.read_pairs(path, tiny)
    assert (err.value.row, err.value.column) == (2, "weight")
    path = write(tmp_path, "pairs.csv", "a,b,weight\nana,ben,1\nben,ana,2\n")
    with pytest.raises(InputError, match="listed twice"):
        mm.read_pairs(path, tiny)
    path = write(tmp_path, "pairs.csv", "a,b,weight\nana,ana,1\n")
    with pytest.raises(InputError, match="themself"):
        mm.read_pairs(path, tiny)


def test_constraints_errors(tiny, tmp_path):
    ok = write(tmp_path, "c.csv", "kind,a,b,round\ntogether,ana,ben,\napart,ana,chloe,\npin,dan,2,\npin,eve,1,3\n")
    r = mm.Requests.read(ok, tiny)
    assert r.together == [("ana", "ben")] and r.apart == [("ana", "chloe")]
    assert r.pins == [("dan", 2, None), ("eve", 1, 3)]
    cases = [
        ("kind,a,b\nfriends,ana,ben\n", 2, "kind"),
        ("kind,a,b\ntogether,ana,zed\n", 2, "b"),
        ("kind,a,b\npin,ana,two\n", 2, "b"),
        ("kind,a,b\npin,ana,0\n", 2, "b"),
        ("kind,a,b\ntogether,ana,ben\napart,ben,ana\n", 3, "kind"),
    ]
    for text, row, column in cases:
        with pytest.raises(InputError) as err:
            mm.Requests.read(write(tmp_path, "c.csv", text), tiny)
        assert (err.value.row, err.value.column) == (row, column), text


def test_cli_bad_input_exit_2_and_nothing_written(tmp_path, capsys):
    members = write(tmp_path, "members.csv", "id,name\na,Ana\na,Anna\n")
    plan = write(tmp_path, "plan.csv", "cohort,member\n1,a\n")
    assert main(["score", str(members), str(plan)]) == 2
    err = capsys.readouterr().err
    assert "members.csv, row 3, column 'id'" in err
    members = write(tmp_path, "members.csv", "id,name\na,Ana\nb,Ben\n")
    plan = write(tmp_path, "plan.csv", "cohort,member\n1,a\nx,b\n")
    assert main(["score", str(members), str(plan)]) == 2
    assert "plan.csv, row 3, column 'cohort'" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["members.csv", "plan.csv"]


def test_atomic_write_leaves_no_half_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")

    class Boom(pd.DataFrame):
        def to_csv(self, *args, **kwargs):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        from matchmaking.model.io import atomic_write

        atomic_write(target, lambda p: (p.write_text("half"), Boom().to_csv(p)))
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_exports_are_formula_safe(tmp_path):
    frame = pd.DataFrame({"member": ["=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "ana", "-x"], "n": [1, -2, 3, 4, 5]})
    path = write_table(frame, tmp_path / "x.csv")
    text = path.read_text()
    assert "\n'=cmd" in text and "\n'+1" in text and "\n'@SUM" in text and "\n'-x" in text
    assert ",-2" in text  # numbers untouched
    back = pd.read_csv(path, dtype=str)
    assert [unescape_cell(v) for v in back["member"]] == frame["member"].tolist()
    xlsx = write_table(frame, tmp_path / "x.xlsx")
    assert pd.read_excel(xlsx)["member"].iloc[0].startswith("'=")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ids=st.lists(st.text(alphabet="abcdefgh0123_", min_size=1, max_size=6), min_size=1, max_size=12, unique=True),
    labels=st.lists(st.sampled_from(["SEO", "seo ", "S.E.O.", "Copy-writing", "copywriting", "Thérapie", "therapie", ""]),
                    min_size=1, max_size=12),
)
def test_loader_properties(ids, labels):
    """Any valid table loads; ids are kept in order; labels come out canonical."""
    offers = [";".join(labels[i % len(labels)] for i in range(k % 3)) for k in range(len(ids))]
    frame = pd.DataFrame({"id": ids, "offers": offers})
    c = mm.Community.from_frame(frame)
    assert c.ids == [str(i) for i in ids]
    for tup in c.members["offers"]:
        assert all(lab == mm.normalize_label(lab) for lab in tup)  # canonical labels are normalised keys
        assert len(set(tup)) == len(tup)
    assert set(c.skills) <= {"seo", "copywriting", "copy writing", "therapie"}


@settings(max_examples=60, deadline=None)
@given(ids=st.lists(st.sampled_from(list("abcde")), min_size=2, max_size=8))
def test_duplicates_always_caught_with_row(ids):
    frame = pd.DataFrame({"id": ids})
    if len(set(ids)) == len(ids):
        assert mm.Community.from_frame(frame).ids == ids
        return
    with pytest.raises(InputError) as err:
        mm.Community.from_frame(frame)
    first_dup = next(i for i, x in enumerate(ids) if x in ids[:i])
    assert err.value.row == first_dup + 2 and err.value.column == "id"


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=20))
def test_spreadsheet_safe_roundtrip(text):
    safe = spreadsheet_safe(text)
    assert not (isinstance(safe, str) and safe[:1] in ("=", "+", "-", "@", "\t", "\r"))
    assert safe in (text, "'" + text)
    # lossless unless the text already reads as an escaped cell ("'" then a formula character)
    assert unescape_cell(safe) == text or (len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r")


def test_read_table_dataframe_rows():
    t = read_table(pd.DataFrame({"id": ["a", None]}))
    assert t["id"].tolist() == ["a", ""] and t["_row"].tolist() == [2, 3]


def test_stray_comma_in_first_row_is_not_a_silent_shift(tmp_path):
    err = members_error(tmp_path, "id,name,offers\nm1,Ana,seo,copy\nm2,Ben,x\n")
    assert err.row == 2 and "4 fields where the header has 3" in str(err)
    err = members_error(tmp_path, "id,name,offers\nm1,Ana\n")
    assert err.row == 2 and "2 fields where the header has 3" in str(err)


def test_comma_separated_list_is_named(tmp_path):
    err = members_error(tmp_path, 'id,offers\nm1,seo\nm2,"SEO, copywriting"\n')
    assert (err.row, err.column) == (3, "offers") and "'SEO; copywriting'" in str(err)


def test_blank_lines_keep_spreadsheet_row_numbers(tmp_path):
    err = members_error(tmp_path, "id,name\na,Ana\n\nb,Ben\na,Anna\n")
    assert err.row == 5


def test_duplicate_column_names_and_utf16(tmp_path):
    path = write(tmp_path, "members.csv", "id,city,city\na,Lyon,Nice\n")
    with pytest.raises(InputError, match="appears twice"):
        mm.Community.from_csv(path)
    path = tmp_path / "u16.csv"
    path.write_bytes("id,name\na,Chloé\n".encode("utf-16"))
    assert mm.Community.from_csv(path).members.loc["a", "name"] == "Chloé"


def test_own_exports_read_back_unchanged(tmp_path):
    frame = pd.DataFrame({"id": ["a", "b"], "name": ["=1+1", "@home"], "city": ["-", "Lyon"]})
    path = write_table(frame, tmp_path / "m.csv")
    c = mm.Community.from_csv(path)
    assert c.members["name"].tolist() == ["=1+1", "@home"]
