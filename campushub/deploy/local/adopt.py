"""What a re-executed `campushub up` keeps of the processes it started before.

Each process `up` runs beside the hub leaves a fingerprint of what it was
started with (its command line and environment, the settings it reads and
the installed CampusHub) in run/NAME.settings. The fresh `up` keeps a running
process whose fingerprint is unchanged and replaces the others.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

from .layout import Layout

# the sections of the site configuration the services read (from the copy `up` writes), besides their own
# what a service runs: its code, and the templates, catalogs and migrations it reads
CODE = (".py", ".html", ".json", ".yaml", ".mako")
SERVICE_READS = ("data_dir", "install_prefix", "hub", "ui", "courses", "limits", "environments", "user_env")


@functools.cache
def installed_version() -> str:
    """The version, and a digest of the code: a reinstall from a newer checkout often keeps the version."""
    try:
        version = metadata.version("campushub")
    except metadata.PackageNotFoundError:
        version = "unknown"
    package = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for path in sorted(p for suffix in CODE for p in package.rglob(f"*{suffix}") if "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{version} {digest.hexdigest()[:16]}"


def fingerprint(**what) -> str:
    text = json.dumps(what, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def service_settings(config: dict, *sections: str) -> dict:
    """The sections a service reads: its own (and any others it names, LocalService.reads) and the common ones."""
    return {key: config.get(key) for key in (*sections, *SERVICE_READS)}


def _path(layout: Layout, name: str):
    return layout.run_dir / f"{name}.settings"


def record(layout: Layout, name: str, print_: str) -> None:
    path = _path(layout, name)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(print_)
    os.replace(tmp, path)


def recorded(layout: Layout, name: str) -> str | None:
    try:
        return _path(layout, name).read_text()
    except OSError:
        return None


class Adopted:
    """A running child of the `up` before the exec, polled like a subprocess.Popen.

    The exec kept the pid, so it is still our child: waitpid reaps it."""

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1  # not ours (any more): gone for our purposes
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        return self.poll()
