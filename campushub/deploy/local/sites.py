"""Which sites run on this machine, so a `status` or `down` pointed at the
wrong data dir can say where the platform does run.

Each running `campushub up` keeps one small JSON file in /run/campushub/sites
(tmpfs: empty after a reboot). An entry counts only while the `up` that
wrote it runs (pid and start time, see pids.py), so a crashed `up` leaves
nothing that looks alive.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from . import pids
from .layout import Layout

REGISTRY = Path("/run/campushub/sites")


def _entry(layout: Layout) -> Path:
    return REGISTRY / (hashlib.sha256(str(layout.data_dir).encode()).hexdigest()[:16] + ".json")


def register(layout: Layout, **info) -> None:
    REGISTRY.mkdir(parents=True, exist_ok=True)
    os.chmod(REGISTRY.parent, 0o755)
    pid = os.getpid()
    record = {"data_dir": str(layout.data_dir), "pid": pid, "start": pids.start_time(pid), **info}
    path = _entry(layout)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record))
    os.replace(tmp, path)


def unregister(layout: Layout) -> None:
    try:
        record = json.loads(_entry(layout).read_text())
    except (OSError, ValueError):
        return
    if record.get("pid") == os.getpid():
        _entry(layout).unlink(missing_ok=True)


def running() -> list[dict]:
    """The sites whose `up` still runs, by data dir."""
    found = []
    for path in sorted(REGISTRY.glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if record.get("start") is not None and pids.start_time(record.get("pid", 0)) == record["start"]:
            found.append(record)
        else:
            with contextlib.suppress(OSError):
                path.unlink()  # left by an `up` that was killed
    return sorted(found, key=lambda r: r["data_dir"])
