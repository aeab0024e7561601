"""From a kernel's execute_request and execute_reply to an execution record.

started() and finished() run on the kernel message path: dictionary
lookups and one append to the spool, nothing that waits. Which notebook a
kernel belongs to comes from the server's sessions, looked up off that path
(refresh()) and cached by kernel id; an execution finishing before its
kernel's path is known waits in memory for the next refresh.
"""

import os
import time

from . import records
from .courses import course_of

PENDING_LIMIT = 10000  # a kernel that died leaves requests without replies


class Recorder:
    def __init__(self, spool, courses: list[tuple[str, str]], home: str, root_dir: str, log):
        self.spool, self.courses, self.log = spool, courses, log
        self.home, self.root_dir = os.path.realpath(home), os.path.realpath(root_dir)
        self.pending = {}  # msg_id -> (kernel id, cell id, wall time, monotonic time)
        self.paths = {}  # kernel id -> notebook path relative to the home
        self.waiting = []  # finished, path not known yet
        self.course_notebooks = set()  # home-relative paths of course notebooks that ran here

    def started(self, kernel_id: str, msg_id: str, cell: str | None) -> None:
        if len(self.pending) >= PENDING_LIMIT:
            del self.pending[next(iter(self.pending))]
        self.pending[msg_id] = (kernel_id, cell, time.time(), time.monotonic())

    def finished(self, msg_id: str, status, kernel_ms: float | None) -> bool:
        """Record it; True when its kernel's path has to be looked up first."""
        started = self.pending.pop(msg_id, None)
        status = records.STATUSES.get(status)
        if started is None or status is None:
            return False
        kernel_id, cell, wall, mono = started
        duration = kernel_ms if kernel_ms is not None else (time.monotonic() - mono) * 1000
        path = self.paths.get(kernel_id)
        if path is None:
            self.waiting.append((kernel_id, cell, wall, status, duration))
            return True
        self._append(path, cell, wall, status, duration)
        return False

    def executed(self, api_path: str, cell: str, wall: float, status: str, duration: float) -> None:
        """An execution whose notebook is known already (server_side.py)."""
        self._append(self.home_path(api_path), cell, wall, status, duration)

    def _append(self, path: str, cell, wall: float, status: str, duration: float) -> None:
        course, notebook = course_of(path, self.courses)
        self.spool.append(records.execution(wall, path, course, notebook, cell, status, duration))
        if course is not None:
            self.course_notebooks.add(path)

    def home_path(self, api_path: str) -> str:
        """A session's path (relative to the server's root) relative to the home, when inside it."""
        full = os.path.normpath(os.path.join(self.root_dir, api_path.lstrip("/")))
        inside = os.path.commonpath([full, self.home]) == self.home and full != self.home
        return os.path.relpath(full, self.home) if inside else api_path.lstrip("/")

    async def refresh(self, session_manager) -> None:
        """Kernel paths from the sessions (a notebook renamed since is followed), then what waited."""
        sessions = await session_manager.list_sessions()
        self.paths = {s["kernel"]["id"]: self.home_path(s["path"]) for s in sessions
                      if s.get("kernel") and s.get("path")}
        waiting, self.waiting = self.waiting, []
        for kernel_id, cell, wall, status, duration in waiting:
            path = self.paths.get(kernel_id)
            if path is None:
                self.log.debug("campushub_analytics: kernel %s has no session; execution not recorded", kernel_id)
            else:
                self._append(path, cell, wall, status, duration)
