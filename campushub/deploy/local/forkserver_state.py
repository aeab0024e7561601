"""What the fork servers of a site are doing, for `campushub status`.

The supervising `up` writes run/forkservers.json whenever something
changes (starting, running, replacing, failed and why); a reader checks each
recorded pid itself, so a fork server that died since, or one left by an
`up` that was killed, shows as what it is.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import processes
from .layout import Layout

PREFIX = "forkserver-"


# What `up` keeps of each fork server (forkservers.py); a re-executed `up` rebuilds them (forkserver_adopt.py).
@dataclass
class ForkProc:
    name: str  # its pid file in run/
    proc: subprocess.Popen
    fingerprint: str
    started: float
    before: tuple[int, int] | None  # what was at the socket path when it was started


@dataclass
class ForkEnv:
    env_dir: Path
    current: ForkProc | None = None
    pending: ForkProc | None = None
    failures: int = 0
    next_try: float = 0.0
    checked: float = 0.0
    pinged: float = 0.0
    misses: int = 0
    error: str = ""
    default: bool = False  # a default tag's: retired when that tag moves away


def state_file(layout: Layout) -> Path:
    return layout.run_dir / "forkservers.json"


def write_state(layout: Layout, state: dict) -> None:
    path = state_file(layout)
    text = json.dumps(state, indent=1, sort_keys=True)
    try:
        if path.read_text() == text:
            return
    except OSError:
        pass
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def describe(layout: Layout) -> list[dict]:
    """Per env dir: env (its name), env_dir, pid, state and error, sorted by env."""
    try:
        # without its `up` the file is history (one that was killed leaves it): only live pids count
        state = json.loads(state_file(layout).read_text()) if processes.read_pid(layout, "up") else {}
    except (OSError, ValueError):
        state = {}
    out = {}
    for name, entry in state.items():
        pid = processes.read_pid(layout, PREFIX + name)
        shown = entry.get("state", "?")
        if shown in ("running", "replacing") and pid is None:
            shown = "stopped"
        out[name] = {"env": name, "env_dir": entry.get("env_dir"), "pid": pid or entry.get("pid"),
                     "state": shown, "error": entry.get("error") or ""}
    # recorded but not in the state: left by an `up` that was killed (`down` stops them)
    for path in sorted(layout.run_dir.glob(f"{PREFIX}*.pid")):
        name = path.stem.removeprefix(PREFIX).removesuffix("-next")
        pid = processes.read_pid(layout, path.stem)
        if name not in out and pid:
            out[name] = {"env": name, "env_dir": None, "pid": pid, "state": "running (unsupervised)", "error": ""}
    return [out[name] for name in sorted(out)]
