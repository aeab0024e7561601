"""One fork server launch in a worker thread, which the start may abandon.

fork_client.launch blocks, so the spawner runs it in a thread; a learner's
stop while their server starts cancels the start, but not the thread. Two
things then went wrong: the spawner closed its log fd as the start ended
while the thread had yet to send that fd's *number* to the fork server, so
whatever the hub opened next under that number (its database, another
learner's log) became the learner's server's stdout; and the server the
thread went on to start ran on, known to nobody. So the thread sends a
duplicate of the fd that only it closes, and a server started for an
abandoned start is ended, whichever of the two notices last.
"""

from __future__ import annotations

import os
import threading

from . import fork_client


class Launch:
    def __init__(self, socket: str, request: dict, log_fd: int, timeout: float):
        self.socket, self.request, self.timeout = socket, request, timeout
        self.log_fd = os.dup(log_fd)
        self._lock = threading.Lock()
        self._abandoned = False
        self._pid: int | None = None

    def run(self) -> int:
        """In the worker thread: fork_client.launch's pid (a fork_client.Launched)."""
        try:
            pid = fork_client.launch(self.socket, self.request, self.log_fd, self.timeout)
        finally:
            os.close(self.log_fd)
        with self._lock:
            self._pid, abandoned = pid, self._abandoned
        if abandoned:
            _end(pid)
        return pid

    def abandon(self) -> None:
        """The start was cancelled: end its server, now or once it is started."""
        with self._lock:
            self._abandoned, pid = True, self._pid
        if pid is not None:
            _end(pid)


def _end(pid: int) -> None:
    fork_client.kill(int(pid), getattr(pid, "start_time", None))
