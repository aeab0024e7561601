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


def _watch(usage_file, limit_file, template):
    last_warning = 0.0
    while True:
        time.sleep(INTERVAL)
        try:
            used, limit = _read(usage_file), _read(limit_file)
        except (OSError, ValueError):
            return
        if not limit or used < THRESHOLD * limit or time.monotonic() - last_warning < QUIET_SECONDS:
            continue
        last_warning = time.monotonic()
        sys.stderr.write("\n" + template.format(used=used // 2**20, limit=limit // 2**20) + "\n")
        sys.stderr.flush()


def load_ipython_extension(ipython):
    files = _files()
    if not files or not all(os.path.exists(f) for f in files):
        return
    template = os.environ.get("CAMPUSHUB_MEMORY_WARNING") or DEFAULT
    threading.Thread(target=_watch, args=(*files, template), name="campushub-memory-watch", daemon=True).start()
