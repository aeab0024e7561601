"""What `campushub up` left running for a site, found from /proc."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def live_processes(match: Callable[[list[bytes], bytes], bool]) -> list[int]:
    """Live (not zombie) processes other than this one for which
    match(environment entries, command line) holds."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{pid}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state != b"Z" and int(pid) != os.getpid() and match(env, cmdline):
            found.append(int(pid))
    return found


def site_processes(data_dir: Path) -> list[int]:
    """Live processes `up` started for this data dir: the hub, the proxy and
    the services carry it in their environment; a fork server carries none
    of it and is known by its socket there on its command line."""
    marker = f"CAMPUSHUB_DATA_DIR={data_dir}".encode()
    forks = f"{data_dir}/forkservers/".encode()
    return live_processes(lambda env, cmdline: marker in env or forks in cmdline)
