"""``matchmaking studio``: the no-code dashboard (Voila), on 127.0.0.1 only, writing into one folder."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from matchmaking.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "studio",
        help="the no-code dashboard in the browser: upload members, plan, adjust by hand, download",
        description="Start the studio, a dashboard (Voila) on http://127.0.0.1:PORT only: upload a members "
        "file, choose seating, cohorts, pairings or help squads, solve, move people by hand and download the "
        "plan and its reports. Everything it writes goes into the folder --dir (printed at start).",
    )
    p.add_argument("--port", type=_port, default=8866, help="port on 127.0.0.1 (default 8866; 0 picks a free one)")
    p.add_argument("--dir", default="studio", metavar="FOLDER",
                   help="the folder the studio writes into: uploads, plans, reports (default ./studio)")
    p.add_argument("--no-token", action="store_true",
                   help="no access token in the address (any local user of this machine could then open it)")
    p.set_defaults(run=run)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a port number, not {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0..65535, not {value}")
    return value


def free_port(port: int = 0) -> int:
    """``port`` if it is free on 127.0.0.1 (0: any free one); InputError when it is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            raise InputError(f"port {port} is already in use on 127.0.0.1: choose another with --port",
                             column="--port") from None
        return int(s.getsockname()[1])


def content_policy(port: int) -> str:
    """The browser may load nothing from outside the studio (the template links a web font CDN).

    Examples
    --------
    >>> "connect-src 'self' ws://127.0.0.1:8866" in content_policy(8866)
    True
    """
    return ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; "
            "style-src 'self' 'unsafe-inline' blob:; img-src 'self' data: blob:; font-src 'self' data:; "
            f"connect-src 'self' ws://127.0.0.1:{port}; frame-ancestors 'none'; form-action 'none'")


def studio_command(folder: Path, port: int, token: str) -> tuple[list[str], dict[str, str], Path]:
    """The Voila command line, its environment and the notebook it serves (all inside ``folder``)."""
    from matchmaking.widgets.studio import ENV_DIR, NOTEBOOK

    work = folder / ".studio"
    work.mkdir(parents=True, exist_ok=True)
    notebook = work / "studio.ipynb"
    shutil.copyfile(NOTEBOOK, notebook)
    config, runtime, tmp = work / "config", work / "runtime", work / "tmp"
    for d in (config, runtime, tmp):
        d.mkdir(exist_ok=True)
    settings = {
        "Voila": {"ip": "127.0.0.1", "open_browser": False, "connection_dir_root": str(runtime),
                  "tornado_settings": {"headers": {"Content-Security-Policy": content_policy(port)}}},
        "VoilaConfiguration": {"file_allowlist": [], "show_tracebacks": False},
    }
    (config / "voila.json").write_text(json.dumps(settings, indent=1))
    env = dict(os.environ)
    env.update({
        ENV_DIR: str(folder),
        "JUPYTER_CONFIG_DIR": str(config),  # the studio's own settings, not the user's ~/.jupyter
        "JUPYTER_RUNTIME_DIR": str(runtime),  # kernel connection files
        "JUPYTER_DATA_DIR": str(work / "data"),  # notebook trust database and secret (else ~/.local/share/jupyter)
        "IPYTHONDIR": str(work / "ipython"),  # IPython's history database
        "MPLCONFIGDIR": str(work / "matplotlib"),
        "TMPDIR": str(tmp),  # temporary files (exports are staged there)
        "JUPYTER_PLATFORM_DIRS": "1",
    })
    cmd = [sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--no-browser", "--Voila.ip=127.0.0.1",
           f"--Voila.root_dir={work}", f"--token={token}"]
    return cmd, env, notebook


def run(args: argparse.Namespace) -> int:
    folder = Path(args.dir).expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise InputError("--dir names a file: give a folder", file=str(folder))
    port = free_port(args.port)
    folder.mkdir(parents=True, exist_ok=True)
    token = "" if args.no_token else secrets.token_urlsafe(24)
    cmd, env, _ = studio_command(folder, port, token)
    url = f"http://127.0.0.1:{port}/" + (f"?token={token}" if token else "")
    print(f"matchmaking studio: open {url}", flush=True)
    print(f"everything it writes goes into {folder} (Ctrl-C stops the studio)", flush=True)
    proc = subprocess.Popen(cmd, env=env, cwd=folder)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        print("studio stopped", flush=True)
        return 0
    finally:  # Ctrl-C, SIGTERM (a clean exit, see matchmaking.cli) or an error: the server goes too
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
