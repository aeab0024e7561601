"""What `campushub up` left running for a site, found from /proc."""

from __future__ import annotations

import os
import signal
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


class HeldForkServers:
    """A site's fork servers stopped (SIGSTOP) until release(): a forked start
    takes half a second, too short to watch, and while its fork server is held
    a start waits (at most the client's first-reply limit, then it takes the
    exec path). Use as a context manager; leaving it releases them."""

    def __init__(self, data_dir: Path):
        marker = f"{data_dir}/forkservers/".encode()
        self.pids = live_processes(lambda env, cmdline: marker in cmdline)
        self.held = False

    def __enter__(self) -> HeldForkServers:
        for pid in self.pids:
            os.kill(pid, signal.SIGSTOP)
        self.held = True
        return self

    def release(self) -> None:
        if self.held:
            self.held = False
            for pid in self.pids:
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass

    def __exit__(self, *exc) -> None:
        self.release()
