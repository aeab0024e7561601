"""A cgroup per notebook run: it caps memory, CPU and processes, is where CPU
time and peak memory are read from, and is how everything of the run is found
and stopped (its kernel, whatever the kernel started)."""

from __future__ import annotations

import os
import signal
import time
import uuid

from ...deploy.local.spawner import cgroups
from .sandbox import Limits, Unavailable

PREFIX = "content-check-"


def backend():
    try:
        return cgroups.detect()
    except cgroups.CgroupUnavailable as e:
        raise Unavailable(f"cannot limit and measure notebooks: {e}") from None


class Meter:
    def __init__(self, limits: Limits, hierarchy=None, prefix: str = PREFIX):
        self.backend = hierarchy or backend()
        # the pid says which check (or grader) a cgroup belongs to, and lets tests find their own
        self.name = f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.backend.create(self.name, cgroups.Limits(cpu=limits.cpu, memory=limits.memory, pids=limits.pids))
        self.procs_files = self.backend.procs_files(self.name)
        self.removed = False

    def kill_all(self) -> None:
        for pid in self.backend.usage(self.name)["pids"]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def finish(self) -> tuple[int, float]:
        """(peak memory, CPU seconds); everything left in the cgroup is killed and the cgroup removed."""
        usage = self.backend.usage(self.name)
        peak = self.backend.peak_memory(self.name)
        self.remove()
        return peak, usage["cpu_seconds"]

    def remove(self) -> None:
        if self.removed:
            return
        deadline = time.monotonic() + 10
        while True:
            self.kill_all()
            if not self.backend.usage(self.name)["pids"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.backend.remove(self.name)
        self.removed = True
