"""How much CPU N busy processes get in CampusHub's cgroup layout versus stock's.

CampusHub puts every server in its own cgroup *below one `campushub` parent*;
at the top of the CPU hierarchy that parent is a single scheduling entity with
the default weight (cgroup v1 cpu.shares 1024, v2 cpu.weight 100). Stock
LocalProcessSpawner starts each server in its own session in the root cgroup,
where (with autogroup, the Linux default) every session is an entity of its
own. Under contention from anything outside CampusHub, N CampusHub servers
together therefore get the share that one stock server gets alone.

This probe shows it without JupyterHub: it runs N CPU-bound loops as "stock"
(one session each, root cgroup) and at the same time N loops as "campushub"
(one child cgroup each below a fresh parent with the default weight), then
again with the parent's weight raised N-fold. It creates and removes its own
cgroups (campushub-probe-PID); it never touches CampusHub's.

    python benchmarks/_cgroup_probe.py [--n 10] [--seconds 6]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campushub.hub.spawners import cgroups  # noqa: E402

LOOP = [sys.executable, "-c", "while True: pass"]


def _cpu_dir(backend) -> tuple[Path, str, int]:
    """(parent of the probe cgroups, weight file, default weight)."""
    if backend.version == 1:
        return backend.mounts["cpu"], "cpu.shares", 1024
    return backend.root, "cpu.weight", 100


def _run_ns(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError):
        return 0


def _join(procs_file: str):
    def preexec():
        cgroups.join([procs_file])
    return preexec


def compare(n: int = 10, seconds: float = 6, parent_weight_factor: int = 1) -> dict:
    backend = cgroups.detect()
    base, weight_file, default_weight = _cpu_dir(backend)
    parent = base / f"campushub-probe-{os.getpid()}"
    parent.mkdir()
    procs: dict[str, list[subprocess.Popen]] = {"stock_like": [], "campushub_like": []}
    children = []
    try:
        if backend.version == 2:
            (parent / "cgroup.subtree_control").write_text("+cpu")
        (parent / weight_file).write_text(str(default_weight * parent_weight_factor))
        for i in range(n):
            child = parent / f"s{i}"
            child.mkdir()
            children.append(child)
        for i in range(n):
            procs["stock_like"].append(subprocess.Popen(LOOP, start_new_session=True))
            procs["campushub_like"].append(subprocess.Popen(
                LOOP, start_new_session=True, preexec_fn=_join(str(children[i] / "cgroup.procs"))))
        start = {k: [_run_ns(p.pid) for p in v] for k, v in procs.items()}
        time.sleep(seconds)
        end = {k: [_run_ns(p.pid) for p in v] for k, v in procs.items()}
    finally:
        for group in procs.values():
            for p in group:
                p.send_signal(signal.SIGKILL)
                p.wait()
        for child in children:
            child.rmdir()
        parent.rmdir()
    got = {k: round(sum(e - s for s, e in zip(start[k], end[k])) / 1e9, 2) for k in procs}
    return {
        "n": n, "seconds": seconds, "cgroup_version": backend.version,
        "campushub_parent_weight": f"{weight_file}={default_weight * parent_weight_factor}",
        "cpu_s": got,
        "campushub_over_stock": round(got["campushub_like"] / got["stock_like"], 3) if got["stock_like"] else None,
    }


def probe(n: int = 10, seconds: float = 6) -> list[dict]:
    return [compare(n, seconds, 1), compare(n, seconds, n)]


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=10)
    p.add_argument("--seconds", type=float, default=6)
    args = p.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the probe creates cgroups")
    print(json.dumps(probe(args.n, args.seconds), indent=1))
