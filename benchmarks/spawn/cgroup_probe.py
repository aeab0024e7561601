"""How much CPU N busy processes get in CampusHub's cgroup layout versus stock's.

Stock LocalProcessSpawner starts each server in a session of its own, and
with autogroup (the Linux default) every session is a scheduling entity of
its own. CampusHub puts every server in its own cgroup below one `campushub`
parent, which competes with the rest of the machine as one entity; it only
gets its fair share if the parent weighs as much as its children together,
which cgroups.create sees to (before that, 10 busy servers got a tenth of
what 10 stock ones got).

This probe checks the layout without JupyterHub: N CPU-bound loops as
"stock" (one session each) and at the same time N loops as "campushub", each
in a cgroup made by CampusHub's own cgroups.create with a server's default
limits (1 CPU, which a single loop cannot exceed). A ratio near 1 means the
layout takes nothing from CampusHub's servers. Its cgroups are named with
the test harness's per-process prefix and removed afterwards.

    sudo .venv/bin/python -m benchmarks.spawn.cgroup_probe [--n 10] [--seconds 6]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time

from campushub.deploy.local.spawner import cgroups
from tests.harness import TEST_PREFIX

LOOP = [sys.executable, "-c", "while True: pass"]
SERVER_LIMITS = cgroups.Limits(cpu=1.0, memory=2 * 1024**3, pids=1024)  # the spawner's defaults


def _run_ns(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError):
        return 0


def _join(procs_files: list[str]):
    def preexec():
        cgroups.join(procs_files)
    return preexec


def probe(n: int = 10, seconds: float = 6) -> dict:
    backend = cgroups.detect()
    names = [f"{TEST_PREFIX}probe-{i}" for i in range(n)]
    procs: dict[str, list[subprocess.Popen]] = {"stock_like": [], "campushub_like": []}
    try:
        for name in names:
            backend.create(name, SERVER_LIMITS)
        for name in names:
            procs["stock_like"].append(subprocess.Popen(LOOP, start_new_session=True))
            procs["campushub_like"].append(subprocess.Popen(
                LOOP, start_new_session=True, preexec_fn=_join(backend.procs_files(name))))
        start = {k: [_run_ns(p.pid) for p in v] for k, v in procs.items()}
        time.sleep(seconds)
        end = {k: [_run_ns(p.pid) for p in v] for k, v in procs.items()}
    finally:
        for group in procs.values():
            for p in group:
                p.send_signal(signal.SIGKILL)
                p.wait()
        for name in names:
            backend.remove(name)  # also weighs the parent again without these
    got = {k: round(sum(e - s for s, e in zip(start[k], end[k], strict=True)) / 1e9, 2) for k in procs}
    return {
        "n": n, "seconds": seconds, "cgroup_version": backend.version,
        "cpu_s": got,
        "campushub_over_stock": round(got["campushub_like"] / got["stock_like"], 3) if got["stock_like"] else None,
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=10, help="busy loops on each side (default 10)")
    p.add_argument("--seconds", type=float, default=6, help="how long they run (default 6)")
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("run as root: the probe creates cgroups")
    print(json.dumps(probe(args.n, args.seconds), indent=1))


if __name__ == "__main__":
    main()
