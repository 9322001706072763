"""The readers on real-world files: mixed encodings, semicolons, Parquet lists, bad numbers, huge cells.

Each test here failed before its fix (issue 13). The generated and mutated files are in
``tests/fuzz/``; the table of what each bad input gets is in ``tests/README.md``.
"""

import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.cli import main
from matchmaking.commands.common import load_history
from matchmaking.errors import InputError
from matchmaking.model.io import read_table
from matchmaking.plans.io import read_plan
from matchmaking.scoring.pairs_file import history_counts, read_meeting_counts


def put(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def error(call, *args) -> InputError:
    with pytest.raises(InputError) as err:
        call(*args)
    return err.value


# ---------------------------------------------------------------- encodings
def test_utf8_file_with_one_windows_1252_row_keeps_every_accent(tmp_path):
    path = put(tmp_path, "m.csv", "id,name\na,Chloé\nb,Zoé\n".encode() + b"c,L\xe9a\n")
    assert read_table(path)["name"].tolist() == ["Chloé", "Zoé", "Léa"]  # not 'ChloÃ©'


def test_a_row_mixing_two_encodings_is_named(tmp_path):
    path = put(tmp_path, "m.csv", b"id,name,city\na,Ana,Lyon\n" + "b,Zoé,".encode() + b"N\xeemes\n")
    err = error(read_table, path)
    assert (err.file, err.row, err.column) == (str(path), 3, "city")
    assert "0xEE" in err.message and "'î'" in err.message and "UTF-8" in err.message


def test_bytes_that_are_text_in_no_encoding(tmp_path):
    path = put(tmp_path, "m.csv", b"id,name\na,An\x81a\n")  # 0x81 is undefined in Windows-1252
    err = error(read_table, path)
    assert (err.row, err.column) == (2, "name") and "0x81" in err.message


def test_binary_files_under_a_csv_name(tmp_path):
    assert "NUL" in error(read_table, put(tmp_path, "n.csv", b"id,name\na,b\x00c\n")).message
    pd.DataFrame({"id": ["a"]}).to_excel(tmp_path / "real.xlsx", index=False)
    book = put(tmp_path, "book.csv", (tmp_path / "real.xlsx").read_bytes())
    assert "Excel workbook" in error(read_table, book).message


# ---------------------------------------------------------------- delimiters
def test_semicolon_csv_as_french_excel_writes_it(tmp_path):
    text = 'id;name;offers;score\nm1;"Ana; Lyon";"seo;copywriting";0,5\nm2;Ben, Jr;ads;2\n'
    path = put(tmp_path, "m.csv", text.encode("cp1252"))
    c = mm.Community.from_csv(path)
    assert c.members.loc["m1", "name"] == "Ana; Lyon" and c.members.loc["m2", "name"] == "Ben, Jr"
    assert c.members.loc["m1", "offers"] == ("seo", "copywriting")
    weights = put(tmp_path, "w.csv", "a;b;weight\nm1;m2;0,5\n")
    assert mm.read_pairs(weights, c)["weight"].tolist() == [0.5]  # a decimal comma that cannot be a thousand
    err = error(mm.read_pairs, put(tmp_path, "w.csv", "a;b;weight\nm1;m2;1,000\n"), c)
    assert "ambiguous" in err.message and (err.row, err.column) == (2, "weight")


def test_unquoted_semicolon_in_a_semicolon_file_is_named(tmp_path):
    err = error(read_table, put(tmp_path, "m.csv", "id;offers\nm1;seo;ads\n"))
    assert err.row == 2 and "quote cells that contain ';'" in err.message


def test_tab_separated_and_quoted_commas(tmp_path):
    assert read_table(put(tmp_path, "m.tsv", "id\tname\na\tAna\n"))["name"].tolist() == ["Ana"]
    t = read_table(put(tmp_path, "m.csv", 'id,name\na,"Doe, ""Jo"";\nline 2"\n'))
    assert t["name"].tolist() == ['Doe, "Jo";\nline 2'] and t["_row"].tolist() == [2]


def test_trailing_empty_columns_and_leading_blank_lines(tmp_path):
    t = read_table(put(tmp_path, "m.csv", "\n\nid,name,,\na,Ana,,\n"))
    assert list(t.columns) == ["id", "name", "_row"] and t["_row"].tolist() == [4]
    err = error(read_table, put(tmp_path, "m.csv", "id,,x\na,1,2\n"))
    assert err.row == 1 and "column 2 has no name" in err.message


# ---------------------------------------------------------------- spreadsheets and Parquet
def test_parquet_list_column_becomes_labels(tmp_path):
    path = tmp_path / "m.parquet"
    pd.DataFrame({"id": ["a", "b"], "offers": [["SEO", "copywriting"], []], "needs": [["accounting"], ["seo"]]}
                 ).to_parquet(path)
    c = mm.Community.from_csv(path)
    assert c.members.loc["a", "offers"] == ("seo", "copywriting") and c.members.loc["b", "offers"] == ()
    assert c.members.loc["b", "needs"] == ("seo",)


def test_excel_duplicate_headers_blank_rows_and_dates(tmp_path):
    path = tmp_path / "m.xlsx"
    pd.DataFrame([["a", "Lyon", "Nice"]], columns=["id", "city", "city"]).to_excel(path, index=False)
    err = error(read_table, path)  # pandas alone renames the second one 'city.1'
    assert err.row == 1 and "appears twice" in err.message
    frame = pd.DataFrame({"id": ["a", None, "b"], "joined": pd.to_datetime(["2026-01-05", None, "2025-12-31"])})
    frame.to_excel(path, index=False)
    t = read_table(path)
    assert t["joined"].tolist() == ["2026-01-05", "2025-12-31"] and t["_row"].tolist() == [2, 4]


# ---------------------------------------------------------------- numbers
@pytest.mark.parametrize("count", ["inf", "nan", "-50", "1e400", "-0.5"])
def test_bad_history_counts_name_file_row_and_column(tmp_path, count):
    path = put(tmp_path, "met.csv", f"a,b,count\nana,ben,2\nana,chloe,{count}\n")
    err = error(load_history, str(path))
    assert (err.file, err.row, err.column) == (str(path), 3, "count")


def test_bad_history_counts_on_the_command_line(tmp_path, tiny_frame, capsys):
    members = tmp_path / "members.csv"
    tiny_frame.to_csv(members, index=False)
    for count in ("inf", "-50"):
        hist = put(tmp_path, "met.csv", f"a,b,count\nana,ben,{count}\n")
        out = tmp_path / "plan.csv"
        assert main(["seat", str(members), "--tables", "2", "--table-size", "3", "--out", str(out),
                     "--history", str(hist), "--time-limit", "1"]) == 2
        assert "met.csv, row 2, column 'count'" in capsys.readouterr().err and not out.exists()


def test_history_tables_from_python_are_checked(tiny):
    err = error(history_counts, pd.DataFrame({"a": ["ana"], "b": ["ben"], "count": [float("inf")]}), tiny)
    assert (err.row, err.column) == (2, "count")
    err = error(history_counts, pd.DataFrame({"a": ["ana"], "b": ["ben"], "count": [-50]}), tiny)  # int dtype too
    assert (err.row, err.column) == (2, "count")
    assert error(history_counts, pd.DataFrame({"x": ["ana"]}), tiny).row == 1
    assert read_meeting_counts(pd.DataFrame({"a": ["ana"], "b": ["ben"]}))["count"].tolist() == [1.0]
    assert "themself" in error(read_meeting_counts, pd.DataFrame({"a": ["ana"], "b": ["ana"]})).message


@pytest.mark.parametrize("weight", ["inf", "-inf", "nan", "1e400", "1e300"])
def test_bad_pair_weights(tmp_path, tiny, weight):
    err = error(mm.read_pairs, put(tmp_path, "w.csv", f"a,b,weight\nana,ben,{weight}\n"), tiny)
    assert (err.row, err.column) == (2, "weight")


@pytest.mark.parametrize("value", ["inf", "1e400", "nan", "1e12"])
def test_constraint_and_plan_numbers_out_of_range(tmp_path, tiny, value):
    err = error(mm.Requests.read, put(tmp_path, "c.csv", f"kind,a,b\npin,ana,{value}\n"), tiny)
    assert (err.row, err.column) == (2, "b")  # was an OverflowError traceback for inf
    err = error(read_plan, put(tmp_path, "p.csv", f"cohort,member\n1,ana\n{value},ben\n"), tiny)
    assert (err.row, err.column) == (3, "cohort")


# ---------------------------------------------------------------- sizes
def test_a_200_kb_cell_is_named_with_its_row(tmp_path):
    err = error(read_table, put(tmp_path, "m.csv", "id,name\na,Ana\nb," + "x" * 200_000 + "\n"))
    assert err.row == 3 and "longer than 131,072 characters" in err.message
    err = error(read_table, put(tmp_path, "m.csv", 'id,name\na,Ana\nb,"Ben\n' + "c,Chloe\n" * 20_000))
    assert err.row == 3 and "never closed" in err.message  # an unclosed quote swallows the file
    pd.DataFrame({"id": ["a", "b"], "bio": ["short", "y" * 140_000]}).to_parquet(tmp_path / "m.parquet")
    err = error(read_table, tmp_path / "m.parquet")
    assert (err.row, err.column) == (3, "bio")


def test_a_members_file_with_only_a_header_is_refused(tmp_path, capsys):
    path = put(tmp_path, "m.csv", "id,name,city\n\n")
    err = error(mm.Community.from_csv, path)
    assert err.row == 2 and "no member rows" in err.message
    out = tmp_path / "plan.csv"
    assert main(["seat", str(path), "--tables", "2", "--table-size", "3", "--out", str(out)]) == 2
    assert not out.exists()


# ---------------------------------------------------------------- writers (found by tests/fuzz/test_fuzz_writers.py)
def test_exports_read_back_with_carriage_returns_control_characters_and_formula_headers(tmp_path):
    from matchmaking.model.io import write_table

    frame = pd.DataFrame({"member": ["a\rb", "c\x0bd"], "=cmd": ["x", "y"]})
    path = write_table(frame, tmp_path / "out.csv")  # a lone CR is quoted: the row stays one row
    back = read_table(path)
    assert back["member"].tolist() == ["a\rb", "c\x0bd"] and back["=cmd"].tolist() == ["x", "y"]
    assert path.read_text(encoding="utf-8").startswith("member,'=cmd")  # a header is a cell too
    back = read_table(write_table(frame, tmp_path / "out.xlsx"))  # was IllegalCharacterError
    assert back["member"].tolist() == ["a\nb", "c\ufffdd"]  # a workbook's line break is \n
    back = read_table(write_table(pd.DataFrame({"id": ["a", "b"], "\r0": ["\r", "x"]}), tmp_path / "cr.xlsx"))
    assert list(back.columns) == ["id", "0", "_row"] and back["0"].tolist() == ["", "x"]  # was "'\n0" and "'"


def test_report_exports_hold_any_member_name(tmp_path):
    from matchmaking.reports.exports import csv_bytes, xlsx_bytes

    frame = pd.DataFrame({"round": [1, 1], "table": [1, 2], "member": ["m1", "m2"], "name": ["Zo\x0be", "a\rb"]})
    back = read_table(put(tmp_path, "e.csv", csv_bytes(frame)))
    assert back["name"].tolist() == ["Zo\x0be", "a\rb"]
    back = read_table(put(tmp_path, "e.xlsx", xlsx_bytes(frame, "seating")))  # was IllegalCharacterError
    assert back["name"].tolist() == ["Zo\ufffde", "a\nb"]


def test_whitespace_cells_behind_a_formula_escape_read_back_stripped(tmp_path):
    from matchmaking.model.io import write_table

    frame = pd.DataFrame({"id": ["a", "b", "c"], "note": ["\r", "\t x", " =1 "]})  # escaped as '\r, '\t x
    assert read_table(write_table(frame, tmp_path / "o.csv"))["note"].tolist() == ["", "x", "=1"]  # was "'"


def test_excel_header_below_blank_rows(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A3"], sheet["B3"], sheet["A4"], sheet["B4"], sheet["A6"], sheet["B6"] = "id", "name", "a", "NA", "b", "Ben"
    book.save(tmp_path / "m.xlsx")
    t = read_table(tmp_path / "m.xlsx")  # rows 1-2 and 5 are empty: the header is row 3
    assert t["name"].tolist() == ["NA", "Ben"] and t["_row"].tolist() == [4, 6]


def test_huge_whole_numbers_in_an_attribute_stay_text(tmp_path):
    path = put(tmp_path, "m.csv", "id,code\na,18446744073709551616\nb,12345678901234567\nc,\n")
    c = mm.Community.from_csv(path)  # was OverflowError (found by the fuzzing suite); and no silent rounding
    assert c.members["code"].tolist() == ["18446744073709551616", "12345678901234567", None]
