"""The studio without a browser: uploads, file errors, the verb's command line and its folder."""

import argparse

import pytest

import matchmaking as mm
from matchmaking.cli import main as mm_cli
from matchmaking.commands import studio as verb
from matchmaking.widgets.studio import Studio, default_settings, safe_name


def test_upload_builds_the_panel_and_bad_files_name_file_row_column(tmp_path):
    studio = Studio(tmp_path / "folder")
    assert "Upload a members file" in studio.panel_box.children[0].value
    good = mm.datasets.synthetic_members(20, seed=2).to_csv(index=False).encode()
    studio.uploaded({"new": ({"name": "../evil/members.csv", "content": memoryview(good)},)})
    assert (tmp_path / "folder" / "uploads" / "members.csv").exists()
    assert "20 members" in studio.file_info.value and studio.panel.kind == "seating"
    studio.choice.value = "cohorts"
    assert studio.panel.kind == "cohorts" and studio.panel_box.children == (studio.panel,)
    bad = b"id,name\nm1,Ana\nm1,Ben\n"
    studio.uploaded({"new": ({"name": "dup.csv", "content": memoryview(bad)},)})
    assert "dup.csv, row 3, column &#x27;id&#x27;: duplicate id" in studio.file_info.value
    assert studio.panel.kind == "cohorts"  # the last good file stays loaded


def test_default_settings_fit_the_size():
    c = mm.datasets.synthetic_community(40, seed=1)
    seating = default_settings("seating", c)
    assert seating["table_size"] <= seating["tables"] and seating["tables"] * seating["table_size"] >= 40
    assert safe_name("..\\..\\x y;z.csv") == "x y_z.csv"


def test_studio_command_binds_loopback_and_keeps_everything_in_its_folder(tmp_path):
    folder = tmp_path / "studio"
    cmd, env, notebook = verb.studio_command(folder, 8899, "tok")
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=8899" in cmd and "--token=tok" in cmd
    assert notebook.parent.parent == folder and notebook.exists()
    for name in ("JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR", "MPLCONFIGDIR",
                 "TMPDIR"):
        assert env[name].startswith(str(folder)), name
    config = (folder / ".studio" / "config" / "voila.json").read_text()
    assert "Content-Security-Policy" in config and '"ip": "127.0.0.1"' in config


def test_studio_refuses_a_port_in_use_and_a_file_as_folder(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(mm.InputError, match="already in use"):
            verb.free_port(s.getsockname()[1])
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(mm.InputError, match="names a file"):
        verb.run(argparse.Namespace(dir=str(target), port=0, no_token=False))
    with pytest.raises(SystemExit):
        mm_cli(["studio", "--port", "70000"])  # argparse: not a port number


def test_member_pickers_find_people_by_part_of_their_name():
    c = mm.Community.from_frame(mm.datasets.synthetic_members(30, seed=4))
    panel = mm.widgets.squad_panel(c)
    first = c.members["name"].iloc[0]
    panel.askers.search.value = first
    assert panel.askers.value == (panel.names.label(c.ids[0]),)
    panel.askers.search.value = "zzz-nobody"
    assert "no member" in panel.askers.note.value and len(panel.askers.value) == 1
    assert panel.engine_kwargs()["problems"] == c.ids[0]
