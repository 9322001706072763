"""The ``matchmaking`` command line: a thin layer over the library.

Each verb lives in ``matchmaking/commands/<verb>.py`` with two functions:
``register(subparsers)`` adds its parser, ``run(args) -> int`` does the work.
Exit status: 0 success, 1 a plan that breaks rules or an infeasible request, 2 bad input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from matchmaking.errors import InfeasibleError, InputError

VERBS = ("demo", "seat", "cohorts", "pairs", "squad", "score", "history", "simulate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matchmaking",
        description="Matchmaking workbench: seat events, form cohorts, pair members, study network growth.",
    )
    sub = parser.add_subparsers(dest="verb", metavar="COMMAND")
    for verb in VERBS:
        importlib.import_module(f"matchmaking.commands.{verb}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except InfeasibleError as exc:
        print(f"infeasible: {exc}", file=sys.stderr)
        return 1
    except KeyError as exc:  # an unknown member or attribute named on the command line
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # an existing file where a folder is wanted, an unreachable scheduler...
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
