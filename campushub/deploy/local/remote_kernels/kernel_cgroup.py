"""A remote kernel's cgroup, campushub-kernel-<kernel id>, beside the servers'
(spawner/cgroups.py, v1 or v2), with the profile's CPU and memory and the
site's pids limit; guarantees as a server's (policies' ratios)."""

from __future__ import annotations

import os
import re
import signal
import time

from ..spawner import cgroups

PREFIX = "campushub-kernel-"
KERNEL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EMPTY_WAIT = 10.0
SWEEP_AGE = 300.0


def name(kernel_id: str) -> str:
    return PREFIX + kernel_id


def limits(config: dict, profile: dict) -> cgroups.Limits:
    ratios = config["policies"]
    return cgroups.Limits(cpu=float(profile["cpu"]), memory=int(profile["memory"]), pids=int(config["limits"]["pids"]),
                          cpu_guarantee=max(0.001, float(profile["cpu"]) * ratios["cpu_guarantee_ratio"]),
                          memory_guarantee=int(profile["memory"] * ratios["memory_guarantee_ratio"]))


def backend(config: dict):
    """The cgroup hierarchy, or None where the site runs without limits (limits.allow_unlimited)."""
    try:
        return cgroups.detect()
    except cgroups.CgroupUnavailable:
        if config["limits"]["allow_unlimited"]:
            return None
        raise


def _parent(hierarchy):
    base = hierarchy.root if hierarchy.version == 2 else hierarchy.mounts["memory"]
    return base / cgroups.PARENT


def sweep(hierarchy) -> list[str]:
    """Remove the empty cgroups of kernels whose launcher was killed before it could; not one another
    launcher made a moment ago and has yet to put its kernel in (a kernel starts within seconds).
    The ids of the kernels swept."""
    parent, swept = _parent(hierarchy), []
    if not parent.is_dir():
        return swept
    for path in parent.glob(PREFIX + "*"):
        try:
            old = time.time() - path.stat().st_mtime > SWEEP_AGE
        except OSError:
            continue
        if old and path.is_dir() and not hierarchy.usage(path.name)["pids"]:
            hierarchy.remove(path.name)
            swept.append(path.name[len(PREFIX):])
    return swept


def remove(hierarchy, cgroup: str) -> None:
    """After the kernel: what it left running (its own subprocesses) is stopped, then the cgroup goes."""
    deadline = time.monotonic() + EMPTY_WAIT
    while time.monotonic() < deadline:
        left = hierarchy.usage(cgroup)["pids"]
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    hierarchy.remove(cgroup)


def stop(hierarchy, kernel_ids: list[str]) -> int:
    """Stop these kernels (a site's, remote kernels turned off): their launchers then end; how many ran."""
    running = [k for k in kernel_ids if (_parent(hierarchy) / name(k)).is_dir()]
    for kernel_id in running:
        remove(hierarchy, name(kernel_id))
    return len(running)
