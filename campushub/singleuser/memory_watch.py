"""IPython extension: warn in the running cell before the kernel hits its memory limit.

Runs inside the user's kernel (the shared environment, not CampusHub's), so it
imports nothing of CampusHub. When the kernel's cgroup passes 90% of its
memory limit, the cell being executed gets a warning on stderr; if the cell
goes on, the kernel's own cgroup limit stops it, and the learner already knows
why. The text comes translated from the spawner (CAMPUSHUB_MEMORY_WARNING).
"""

import os
import sys
import threading
import time

THRESHOLD = 0.9
INTERVAL = 0.05
QUIET_SECONDS = 30
DEFAULT = (
    "CampusHub: this server uses {used} MiB of its {limit} MiB memory limit. "
    "If it needs more, the kernel will be stopped and restarted, and its variables lost."
)


def _files():
    """(usage file, limit file) of this process's memory cgroup, v1 or v2."""
    with open("/proc/self/cgroup") as f:
        lines = [line.strip().split(":", 2) for line in f]
    for _, controllers, path in lines:
        if "memory" in controllers.split(","):
            base = f"/sys/fs/cgroup/memory{path}"
            return f"{base}/memory.usage_in_bytes", f"{base}/memory.limit_in_bytes"
    for hid, controllers, path in lines:
        if hid == "0" and controllers == "":
            base = f"/sys/fs/cgroup{path}"
            return f"{base}/memory.current", f"{base}/memory.max"
    return None


def _read(path):
    with open(path) as f:
        value = f.read().strip()
    return None if value == "max" else int(value)


class Watch:
    """Polls the cgroup's usage while a cell runs, and only then: a kernel
    waiting for its learner costs nothing (at 20 polls a second, a hundred
    idle kernels would keep a third of a core busy)."""

    def __init__(self, usage_file, limit_file, template):
        self.usage_file, self.limit_file, self.template = usage_file, limit_file, template
        self.running = threading.Event()
        self.last_warning = 0.0

    def pre_execute(self):
        self.running.set()

    def post_execute(self):
        self.running.clear()

    def loop(self):
        while True:
            self.running.wait()
            time.sleep(INTERVAL)
            try:
                used, limit = _read(self.usage_file), _read(self.limit_file)
            except (OSError, ValueError):
                return
            if not limit or used < THRESHOLD * limit or time.monotonic() - self.last_warning < QUIET_SECONDS:
                continue
            self.last_warning = time.monotonic()
            sys.stderr.write("\n" + self.template.format(used=used // 2**20, limit=limit // 2**20) + "\n")
            sys.stderr.flush()


def load_ipython_extension(ipython):
    files = _files()
    if not files or not all(os.path.exists(f) for f in files):
        return
    watch = Watch(*files, os.environ.get("CAMPUSHUB_MEMORY_WARNING") or DEFAULT)
    ipython.events.register("pre_execute", watch.pre_execute)
    ipython.events.register("post_execute", watch.post_execute)
    threading.Thread(target=watch.loop, name="campushub-memory-watch", daemon=True).start()
