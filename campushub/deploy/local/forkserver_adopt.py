"""The fork servers a re-executed `campushub up` finds running (deploy/local/restart.py).

They stay: the fresh `up` takes each recorded, live one as its current fork
server for that environment, with the fingerprint it was started from (saved
in run/forkservers.json), so the usual check replaces it only if its
environment changed since. A replacement that was still warming up is
stopped; the fresh `up` starts its own if still needed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from . import processes
from .adopt import Adopted
from .forkserver_state import ForkEnv, ForkProc, state_file
from .forkservers import ForkServers, pid_name
from .singleuser_files import ensure_singleuser_files, laid_files


def adopt(servers: ForkServers) -> list[str]:
    """Take over the running fork servers; the names of the environments adopted."""
    layout = servers.layout
    try:
        state = json.loads(state_file(layout).read_text())
    except (OSError, ValueError):
        state = {}
    adopted = []
    for name, entry in state.items():
        env_dir = Path(entry.get("env_dir") or "")
        if env_dir.name != name:
            continue
        processes.stop(layout, pid_name(env_dir, replacing=True), timeout=5)
        pid = processes.read_pid(layout, pid_name(env_dir))
        if pid is None:
            continue
        ensure_singleuser_files(env_dir)  # an upgraded CampusHub's: a changed fingerprint replaces it
        servers._files[name] = sorted(laid_files(env_dir))
        env = ForkEnv(env_dir, default=bool(entry.get("default")))
        env.current = ForkProc(pid_name(env_dir), Adopted(pid), entry.get("fingerprint") or "", time.monotonic(), None)
        env.pinged = env.checked = time.monotonic()
        servers.envs[name] = env
        adopted.append(name)
    return adopted
