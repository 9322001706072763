"""The ``matchmaking`` command line: a thin layer over the library.

Each verb lives in ``matchmaking/commands/<verb>.py`` with two functions:
``register(subparsers)`` adds its parser, ``run(args) -> int`` does the work.
Exit status: 0 success, 1 a plan that breaks rules or an infeasible request, 2 bad input.

Each verb declares the files it reads and writes (:func:`~matchmaking.commands.common.declare_paths`):
:func:`main` refuses an output that would overwrite an input before any work, stages every
output and commits them all at the end (:func:`~matchmaking.model.io.output_batch`: an error,
Ctrl-C or a termination signal leaves none of them), and shows member data on the terminal
with control characters escaped.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
from collections.abc import Iterator, Sequence

from matchmaking import __version__
from matchmaking.errors import InfeasibleError, InputError

VERBS = ("demo", "seat", "cohorts", "pairs", "squad", "score", "report", "history", "simulate", "studio")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matchmaking",
        description="Matchmaking workbench: seat events, form cohorts, pair members, study network growth.",
    )
    parser.add_argument("--version", action="version", version=f"matchmaking {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="COMMAND")
    for verb in VERBS:
        importlib.import_module(f"matchmaking.commands.{verb}").register(sub)
    return parser


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: staged outputs and temporary files are removed


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Terminal output sanitized, and SIGTERM/SIGHUP turned into a clean exit, for one run."""
    from matchmaking.commands.common import SafeStream

    streams = sys.stdout, sys.stderr
    handlers = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(ValueError):  # not the main thread
                handlers[sig] = signal.signal(sig, _terminate)
    sys.stdout, sys.stderr = SafeStream(streams[0]), SafeStream(streams[1])
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = streams
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    with guarded():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from matchmaking.commands.common import check_paths
    from matchmaking.model.io import output_batch

    try:
        check_paths(args)
        with output_batch():
            return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted: nothing written", file=sys.stderr)
        return 130
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
