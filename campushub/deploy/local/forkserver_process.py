"""One fork server process: how `up` starts it, and what it was started from.

It runs as root with its environment's own Python in isolated mode (-I: no
PYTHON* variables, no user site, no current directory on sys.path) and a
minimal environment (nothing of the hub's: no token, no CAMPUSHUB_*): its
children start from exactly their request's environment, and what little
the parent has is all a child could inherit.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from . import pids
from .layout import Layout
from .spawner import fork_client
from .userenv import MARKER, is_complete

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def spawn(layout: Layout, name: str, env_dir: Path, directory: Path, log_file: Path) -> subprocess.Popen:
    """Start it in its own session, recorded in run/NAME.pid (so `down` stops the parent alone)."""
    cmd = [str(env_dir / "bin" / "python"), "-I", "-m", fork_client.PACKAGE,
           "--socket", fork_client.socket_path(str(directory), str(env_dir)),
           "--exits", fork_client.exits_dir(str(directory), str(env_dir))]
    env = {"PATH": f"{env_dir}/bin:{PATH}", "LANG": "C.UTF-8"}
    log = open(log_file, "ab")
    try:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd="/", start_new_session=True)
    finally:
        log.close()
    pids.write(layout.pid_file(name), proc.pid)
    return proc


def fingerprint(env_dir: Path, files: list[Path]) -> str | None:
    """What a fork server of env_dir starts from; None while the env is incomplete (being rebuilt)."""
    if not is_complete(env_dir):
        return None
    try:
        marker = os.stat(env_dir / MARKER)
    except OSError:
        return None
    digest = hashlib.sha256()
    # the marker's text is the env's hash, the same after a rebuild: its inode and time are not
    digest.update(f"{marker.st_ino} {marker.st_mtime_ns}\n".encode())
    for path in files:  # CampusHub's files laid into it (singleuser_files.py)
        digest.update(os.fsencode(path) + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0missing\0")
    return digest.hexdigest()


def identity(path: str) -> tuple[int, int] | None:
    """Of whatever is at `path` now: a fork server binds a fresh socket there once it is warm.
    (The inode alone may be reused at once for the socket of a successor of a dead one.)"""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_ino, st.st_ctime_ns
