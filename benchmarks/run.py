"""Run every benchmark script in this folder (``make bench``); pass ``--quick`` for a smoke run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    status = 0
    for script in sorted(here.glob("bench_*.py")):
        print(f"\n=== {script.name} ===", flush=True)
        status |= subprocess.run([sys.executable, str(script), *sys.argv[1:]]).returncode
    sys.exit(status)
