"""Fuzzing the command line: one damaged input among valid ones, never a traceback, nothing written.

``matchmaking score MEMBERS PLAN --pairs F --constraints F --history F`` reads every kind of
input file and solves nothing, so each example is fast. One of its five files is damaged
(tests/fuzz/fuzzfiles.py); the command must exit 0 (valid), 1 (rules broken) or 2 (bad input,
with a message naming the damaged file), print no traceback, and change no file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fuzzfiles import encoded, mutated
from hypothesis import given
from hypothesis import strategies as st

from matchmaking.cli import main

MEMBERS = [f"m{k}" for k in range(1, 7)]
FILES = {
    "members.csv": (["id", "name", "offers", "needs", "city"],
                    [[m, f"Name {m}", "seo" if k % 2 else "ads", "ads" if k % 2 else "seo", ["Lyon", "Nice"][k % 2]]
                     for k, m in enumerate(MEMBERS)]),
    "plan.csv": (["cohort", "member"], [[str(1 + k % 2), m] for k, m in enumerate(MEMBERS)]),
    "pairs.csv": (["a", "b", "weight"], [["m1", "m2", "2.5"], ["m3", "m4", "-1"]]),
    "constraints.csv": (["kind", "a", "b"], [["together", "m1", "m3"], ["apart", "m2", "m4"]]),
    "met.csv": (["a", "b", "count"], [["m1", "m5", "2"], ["m2", "m6", "1"]]),
}


@given(data=st.data())
def test_score_with_one_damaged_file(data, capsys):
    damaged = data.draw(st.sampled_from(sorted(FILES)), label="damaged file")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, (header, rows) in FILES.items():
            raw = data.draw(encoded(header, rows), label=name)
            if name == damaged:
                raw = data.draw(mutated(raw), label="mutated")
            (root / name).write_bytes(raw)
        before = {p.name: p.read_bytes() for p in root.iterdir()}
        capsys.readouterr()
        code = main(["score", str(root / "members.csv"), str(root / "plan.csv"), "--pairs", str(root / "pairs.csv"),
                     "--constraints", str(root / "constraints.csv"), "--history", str(root / "met.csv")])
        out, err = capsys.readouterr()
        assert {p.name: p.read_bytes() for p in root.iterdir()} == before, "score changed or left files"
    assert code in (0, 1, 2), code
    assert "Traceback" not in out + err
    if code == 2:  # a damaged members file may surface as ids that another file names
        named = [n for n in FILES if n in err]
        assert damaged in named or (damaged == "members.csv" and named), f"{damaged} damaged, but: {err!r}"
