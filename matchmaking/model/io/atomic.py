"""Replacing files atomically: a temporary file beside the target, renamed over it when complete.

A crash, an error or a signal half-way leaves the previous file (or none), never a half file;
:func:`output_batch` commits several outputs together (all or none). Temporary files are named
``.NAME.mm-HOST-PID-XXXX.tmp`` (:data:`TEMP_TAG` is the ``mm-HOST`` part), so that the next write
into a folder can remove the ones a killed writer of this machine left.
"""

from __future__ import annotations

import atexit
import contextvars
import hashlib
import os
import re
import signal
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from matchmaking.errors import InputError

#: The ``mm-HOST`` tag in this machine's temporary file names (a hash of the host name).
TEMP_TAG = f"mm-{hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]}"
_TEMP_NAME = re.compile(r"^\..*\.(mm-[0-9a-f]{8})-(\d+)-[^.]*\.tmp$")
_LIVE_TEMPS: set[str] = set()  # temp files of this process, removed at exit if still there
_BATCH: contextvars.ContextVar[list[tuple[Path, Path]] | None] = contextvars.ContextVar("output_batch", default=None)

__all__ = ["TEMP_TAG", "atomic_write", "clean_stale_temps", "output_batch", "output_target"]


def _umask() -> int:
    """The process umask, read without changing it where the system tells it (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o22)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


def _remove_temps() -> None:
    for tmp in list(_LIVE_TEMPS):
        Path(tmp).unlink(missing_ok=True)
        _LIVE_TEMPS.discard(tmp)


atexit.register(_remove_temps)


def clean_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files a killed writer of this machine left in ``folder``.

    Temporary files are named ``.NAME.mm-HOST-PID-XXXX.tmp``: one whose process (on this
    host) no longer runs is stale. Returns the files removed.
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if not match or match.group(1) != TEMP_TAG or not entry.is_file(follow_symlinks=False):
            continue
        pid = int(match.group(2))
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            continue  # still running (its own temp file)
        except ProcessLookupError:
            pass
        except OSError:  # another user's live process, or not ours to ask
            continue
        try:
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


def output_target(path: str | os.PathLike) -> Path:
    """The file a write to ``path`` really replaces, checked before anything is written.

    A symbolic link is followed (its target is written, the link stays). The folder must
    exist and the path must not be a folder.

    Raises
    ------
    InputError
        When the path is a folder or its folder does not exist.
    """
    target = Path(os.path.realpath(os.fspath(path)))
    if target.is_dir():
        raise InputError("is a folder, not a file: give a file name", file=os.fspath(path))
    if not target.parent.is_dir():
        raise InputError(f"the folder {str(Path(os.fspath(path)).parent)!r} does not exist (create it first)",
                         file=os.fspath(path))
    return target


@contextmanager
def output_batch() -> Iterator[list[tuple[Path, Path]]]:
    """Stage every :func:`atomic_write` inside the block and commit them together at its end.

    Each output is written to a temporary file beside its target; only when the block ends
    without an error are all of them renamed into place (signals blocked meanwhile). An error,
    Ctrl-C or a termination signal inside the block leaves every target as it was. Nested
    blocks join the outer one.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> from matchmaking.model.io import write_table
    >>> folder = tempfile.mkdtemp()
    >>> try:
    ...     with output_batch():
    ...         _ = write_table(pd.DataFrame({"a": [1]}), os.path.join(folder, "one.csv"))
    ...         raise RuntimeError("a later output failed")
    ... except RuntimeError:
    ...     pass
    >>> os.listdir(folder)
    []
    """
    if _BATCH.get() is not None:
        yield _BATCH.get()  # type: ignore[misc]
        return
    staged: list[tuple[Path, Path]] = []
    token = _BATCH.set(staged)
    try:
        yield staged
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
            _LIVE_TEMPS.discard(str(tmp))
        raise
    else:
        blocked = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP} if hasattr(signal, "SIGHUP") else set()
        old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked) if blocked else None
        try:
            for tmp, target in staged:
                os.replace(tmp, target)
                _LIVE_TEMPS.discard(str(tmp))
        finally:
            for tmp, _ in staged:  # a rename that failed: no temp left behind
                if str(tmp) in _LIVE_TEMPS:
                    tmp.unlink(missing_ok=True)
                    _LIVE_TEMPS.discard(str(tmp))
            if old is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
    finally:
        _BATCH.reset(token)


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Write a file through a temporary file in the same folder, then rename it.

    A crash or an error half-way leaves the previous file (or no file), never a half file.
    A symbolic link is followed (its target is replaced, the link stays); a missing folder
    or a folder as target is an :class:`InputError`. A new file gets the permissions the
    umask gives; a replaced file keeps its own. Inside :func:`output_batch` the rename waits
    for the end of the batch. Temporary files are removed on errors, at exit, and (when a
    kill left them) by the next write into the same folder.
    """
    target = output_target(path)
    clean_stale_temps(target.parent)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:100]}.{TEMP_TAG}-{os.getpid()}-", suffix=".tmp",
                               dir=target.parent)
    _LIVE_TEMPS.add(tmp)
    os.close(fd)
    staged = _BATCH.get()
    try:
        write(Path(tmp))
        os.chmod(tmp, mode)
        if staged is None:
            os.replace(tmp, target)
            _LIVE_TEMPS.discard(tmp)
        else:
            for i, (old_tmp, old_target) in enumerate(staged):
                if old_target == target:  # written twice in one batch: the last write wins
                    old_tmp.unlink(missing_ok=True)
                    _LIVE_TEMPS.discard(str(old_tmp))
                    del staged[i]
                    break
            staged.append((Path(tmp), target))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        _LIVE_TEMPS.discard(tmp)
        raise
    return target
