"""Execute notebooks and store them with outputs only in ``# NBVAL_CHECK_OUTPUT`` cells.

Usage: ``python scripts/nbrun.py notebooks/02_seating.ipynb [...]`` (run from the repository root).
Checked cells must print deterministic summaries only (no times, no raw frames).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

MARK = "NBVAL_CHECK_OUTPUT"


def run(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if MARK not in cell.source:
            cell.outputs = []
            cell.execution_count = None
        else:  # nbval treats a cell without an execution count as unrun
            for out in cell.outputs:
                if "execution_count" in out:
                    out["execution_count"] = cell.execution_count
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    print(f"{path}: executed in {time.perf_counter() - t0:.1f}s, outputs kept in checked cells only")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        run(Path(arg))
