"""The hub's side of the fork server (deploy/local/forkserver/).

launch() sends one spawn request and returns the child's pid once the child
says it is about to run the server; it blocks, so the spawner runs it in a
thread. ForkUnavailable means nothing usable listens and the spawner takes
the exec path; ForkFailed means a child refused or failed before running
the server, with the child's one-line reason.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import time
from pathlib import Path

from .. import pids
from ..forkserver.protocol import send_request

PACKAGE = "campushub_forkserver"
FIRST_REPLY = 10.0  # seconds for a fork server to accept and fork
_SOURCE = Path(__file__).resolve().parent.parent / "forkserver"


class ForkUnavailable(OSError):
    pass


class ForkFailed(RuntimeError):
    def __init__(self, message: str, pid: int | None = None):
        super().__init__(message)
        self.pid = pid


class Launched(int):
    """The pid launch() returns, with the process's start time (pids.start_time)
    as the child read it while still root; None from a fork server too old to say.
    Read by the hub only after the learner could end the process, the pid may
    already be another account's process, which the hub would then poll and
    signal as the server."""

    start_time: int | None

    def __new__(cls, pid: int, start_time: int | None):
        launched = super().__new__(cls, pid)
        launched.start_time = start_time
        return launched


def socket_path(directory: str, env_dir: str) -> str:
    return f"{directory}/{os.path.basename(env_dir.rstrip('/'))}.sock"


def exits_dir(directory: str, env_dir: str) -> str:
    return f"{directory}/{os.path.basename(env_dir.rstrip('/'))}.exits"


def want(directory: str, env_dir: str) -> None:
    """Ask the supervisor (deploy/local/forkservers.py) for a fork server for env_dir."""
    wanted = os.path.join(directory, "wanted")
    os.makedirs(wanted, mode=0o700, exist_ok=True)
    name = os.path.basename(env_dir.rstrip("/"))
    tmp = os.path.join(wanted, f".{name}.tmp")
    with open(tmp, "w") as f:
        f.write(env_dir)
    os.replace(tmp, os.path.join(wanted, name))


def package_files() -> dict[str, str]:
    """The fork server package, as site-packages-relative path -> text
    (campushub_forkserver/parent.py, ...), for laying into an environment."""
    return {f"{PACKAGE}/{p.name}": p.read_text() for p in sorted(_SOURCE.glob("*.py"))}


def _connect(path: str, timeout: float) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except OSError as e:
        sock.close()
        raise ForkUnavailable(e.errno, f"no fork server at {path}: {e.strerror or e}") from None
    return sock


class _Lines:
    def __init__(self, sock: socket.socket, deadline: float):
        self.sock, self.deadline, self.buffer = sock, deadline, b""

    def next(self) -> dict | None:
        """The next answer; None at end of stream; TimeoutError at the deadline."""
        while b"\n" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        answer = json.loads(line)
        if not isinstance(answer, dict):
            raise ValueError(f"unexpected answer {line[:200]!r}")
        return answer


def kill(pid: int, start_time: int | None) -> None:
    """SIGKILL that very process (None: whatever has the pid now), if it still runs."""
    try:
        pids.signal_checked(pid, signal.SIGKILL,
                            lambda: start_time is None or pids.start_time(pid) == start_time)
    except OSError:
        pass


def launch(socket: str, request: dict, log_fd: int, timeout: float = 30,
           first_reply: float = FIRST_REPLY) -> Launched:
    """Start a server; its pid (with its start time) once the child is about to run it."""
    start = time.monotonic()
    deadline = start + timeout
    sock = _connect(socket, min(timeout, first_reply))
    pid = start_time = None
    try:
        send_request(sock, {**request, "op": "spawn"}, [log_fd])
        # A fork server that accepts and forks answers at once: one that is hung
        # (stopped, swapping) costs this start first_reply seconds before the exec
        # path, not the whole timeout. A child that never saw the request (we
        # closed first) fails on its first write and starts nothing.
        lines = _Lines(sock, start + min(timeout, first_reply))
        try:
            first = lines.next()
        except TimeoutError:
            raise ForkUnavailable(f"the fork server at {socket} did not answer within {min(timeout, first_reply):g} "
                                  "seconds") from None
        lines.deadline = deadline
        if first is None:
            raise ForkUnavailable(f"the fork server at {socket} closed the connection without forking")
        if "error" in first:
            raise ForkFailed(str(first["error"]))
        pid = int(first["pid"])
        start_time = first.get("start_time")
        start_time = start_time if isinstance(start_time, int) and not isinstance(start_time, bool) else None
        answer = lines.next()
        if answer is None:
            raise ForkFailed("the server process ended before it started the server", pid)
        if "error" in answer:
            raise ForkFailed(str(answer["error"]), pid)
        if answer.get("ok") is not True:
            raise ForkFailed(f"unexpected answer from the fork server: {answer}", pid)
        return Launched(pid, start_time)
    except TimeoutError:
        if pid is not None:
            kill(pid, start_time)  # an abandoned child must not start a server later
        raise ForkFailed(f"the fork server did not start the server within {timeout:g} seconds", pid) from None
    except (OSError, ValueError, KeyError, TypeError) as e:
        if isinstance(e, ForkUnavailable):
            raise
        raise ForkFailed(f"talking to the fork server failed: {e}", pid) from None
    finally:
        sock.close()


def ping(socket: str, timeout: float = 5) -> bool:
    """True if a fork server answers at `socket` and can fork."""
    deadline = time.monotonic() + timeout
    try:
        sock = _connect(socket, timeout)
    except ForkUnavailable:
        return False
    try:
        send_request(sock, {"op": "ping"}, [])
        lines = _Lines(sock, deadline)
        first, second = lines.next(), lines.next()
        ok = bool(first and "pid" in first and second and second.get("ok") is True)
        if ok:
            lines.next()  # the child closes: it is exiting
    except (OSError, ValueError, TimeoutError):
        return False
    finally:
        sock.close()
    if ok and socket.endswith(".sock"):
        _collect(socket[: -len(".sock")] + ".exits", int(first["pid"]), deadline)
    return ok


def _collect(exits: str, pid: int, deadline: float) -> None:
    # a ping's child leaves an exit record like any other; take it away
    while time.monotonic() < deadline:
        if exit_status(exits, pid) is not None:
            return
        time.sleep(0.01)


def exit_status(exits: str, pid: int) -> int | None:
    """The recorded exit status of `pid` (Popen.returncode style), removed once read."""
    path = os.path.join(exits, str(int(pid)))
    try:
        with open(path) as f:
            code = int(f.read().strip())
    except (OSError, ValueError):
        return None
    try:
        os.unlink(path)
    except OSError:
        pass
    return code


def pid_alive(pid: int, start_time) -> bool:
    """True while the process with this pid and start time (pids.start_time) runs."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return False
    except (AttributeError, OSError):
        fd = None  # kernel before 5.3: the start time alone
    try:
        now = pids.start_time(pid)
        if now is None or (start_time is not None and now != int(start_time)):
            return False
        # opened before the start time was read: a readable pidfd means that very process exited
        return fd is None or not select.select([fd], [], [], 0)[0]
    finally:
        if fd is not None:
            os.close(fd)
