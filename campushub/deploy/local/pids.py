"""Pid files that name one process, not just a number.

A pid file holds "PID STARTTIME": the start time (clock ticks since boot,
field 22 of /proc/PID/stat) tells the process we started from whatever
process the kernel later gave the same pid, so `down` after a crash or a
reboot never signals a stranger. Signals go through a pidfd opened before
the start time is checked, so the check cannot race with pid reuse.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

# What a pid file written before start times were recorded may point at.
_LEGACY_NAMES = (b"campushub", b"jupyterhub", b"configurable-http-proxy")


def start_time(pid: int) -> int | None:
    """The start time of a live (non-zombie) process, or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] in (b"Z", b"X"):
        return None  # a zombie child of ours has stopped for our purposes
    return int(fields[19])


def threads_left(pid: int) -> bool:
    """True while a dead process's other threads still exit.

    A killed multi-threaded process (JupyterHub) shows its leader as a zombie
    while the other threads are still tearing down and holding its files,
    listening sockets included: its ports are not free yet.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            zombie = f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
        return zombie and len(os.listdir(f"/proc/{pid}/task")) > 1
    except (OSError, IndexError):
        return False


def write(path: Path, pid: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{pid} {start_time(pid)}\n")
    os.replace(tmp, path)  # a reader never sees half a line


def read(path: Path) -> int | None:
    """The pid recorded in `path` if that very process still runs."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            # only a pid file we wrote ourselves: one planted by another account
            # would have `down` signal whatever process it names
            if os.fstat(f.fileno()).st_uid != os.geteuid():
                return None
            parts = f.read(4096).split()
        pid = int(parts[0])
    except (OSError, ValueError, IndexError):
        return None
    if pid <= 1:
        return None
    now = start_time(pid)
    if now is None:
        return None
    if len(parts) > 1:
        return pid if parts[1] == str(now).encode() else None
    return pid if _legacy_match(pid) else None


def _legacy_match(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
    except OSError:
        return False
    return any(name in cmdline for name in _LEGACY_NAMES)


def signal_recorded(path: Path, signum: int) -> bool:
    """Send `signum` to the process recorded in `path`; False if it no longer runs."""
    pid = read(path)
    if pid is None:
        return False
    return signal_checked(pid, signum, lambda: read(path) == pid)


def signal_checked(pid: int, signum: int, still_it: Callable[[], bool]) -> bool:
    """Send `signum` to `pid` only if still_it() holds once a pidfd pins the
    process (so a later owner of the pid is never signalled); False if it no
    longer runs or is not it."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return False
    except (AttributeError, OSError):
        fd = None  # kernel before 5.3: plain kill, right after the check
    try:
        if not still_it():
            return False
        if fd is None:
            os.kill(pid, signum)
        else:
            signal.pidfd_send_signal(fd, signum)
    except ProcessLookupError:
        return False
    finally:
        if fd is not None:
            os.close(fd)
    return True
