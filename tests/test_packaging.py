"""One source of truth for dependencies, and the two README commands."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_installs_from_pyproject():
    env = (ROOT / "environment.yml").read_text()
    assert "conda-forge" in env and "python=3.11" in env
    assert re.search(r"^\s*-\s*-e \.\[dev\]\s*$", env, re.M), "environment.yml must pip-install the package from pyproject"
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=\[ ]", d)[0].lower() for d in deps}
    listed = set(re.findall(r"^\s*-\s*([A-Za-z][\w.-]*)", env, re.M)) - {"python", "pip", "conda-forge"}
    assert not (listed & names), f"declare dependencies in pyproject.toml only, not in environment.yml: {listed & names}"
    for needed in ("networkx", "pandas", "numpy", "ortools", "ipywidgets", "openpyxl", "pyarrow"):
        assert needed in names


def test_readme_commands_are_the_makefile_targets():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_cli_help_for_every_verb(capsys):
    import pytest

    from matchmaking.cli import VERBS, build_parser

    parser = build_parser()
    verbs = parser._subparsers._group_actions[0].choices  # noqa: SLF001
    assert set(verbs) == set(VERBS), "every verb of cli.VERBS has its module"
    for verb in verbs:
        with pytest.raises(SystemExit) as done:
            parser.parse_args([verb, "--help"])
        assert done.value.code == 0
        assert f"usage: matchmaking {verb}" in capsys.readouterr().out


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "matchmaking.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "seat" in out.stdout
