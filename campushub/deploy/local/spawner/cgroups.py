"""CPU, memory and pids limits for user servers, with cgroup v1 or v2.

One cgroup per server, below a `campushub` parent. The server process joins
its cgroup in the forked child before exec, so no process of the server ever
runs unlimited. Reading usage back from the same files lets `campushub status`
and the OOM check work identically on both versions.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PARENT = "campushub"
PERIOD_US = 100_000


class CgroupUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class Limits:
    cpu: float
    memory: int
    pids: int
    # Guarantees: what a server keeps when the machine is contended. CPU
    # becomes its relative weight against the other servers, memory the
    # amount the kernel reclaims from it last.
    cpu_guarantee: float | None = None
    memory_guarantee: int | None = None

    @property
    def cpu_weight(self) -> float:
        """Cores this server should get under contention."""
        return self.cpu_guarantee if self.cpu_guarantee is not None else self.cpu


def _mounts() -> list[tuple[str, str, str]]:
    with open("/proc/self/mounts") as f:
        return [tuple(line.split()[1:4]) for line in f]  # (mountpoint, fstype, options)


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def _read(path: Path, default: str = "") -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return default


class CgroupsV1:
    version = 1
    controllers = ("memory", "cpu", "pids")

    def __init__(self, mounts: dict[str, Path], accounting: Path | None):
        self.mounts = mounts
        self.accounting = accounting  # cpuacct, possibly separate from cpu

    def _dirs(self, name: str) -> dict[str, Path]:
        return {c: m / PARENT / name for c, m in self.mounts.items()}

    def create(self, name: str, limits: Limits) -> None:
        d = self._dirs(name)
        for path in d.values():
            path.mkdir(parents=True, exist_ok=True)
        if self.accounting:
            (self.accounting / PARENT / name).mkdir(parents=True, exist_ok=True)
        _write(d["memory"] / "memory.limit_in_bytes", str(limits.memory))
        # Without swap accounting the limit could be dodged through swap.
        memsw = d["memory"] / "memory.memsw.limit_in_bytes"
        if memsw.exists():
            _write(memsw, str(limits.memory))
        _write(d["cpu"] / "cpu.cfs_period_us", str(PERIOD_US))
        _write(d["cpu"] / "cpu.cfs_quota_us", str(max(1000, int(limits.cpu * PERIOD_US))))
        _write(d["cpu"] / "cpu.shares", str(max(2, int(1024 * limits.cpu_weight))))
        if limits.memory_guarantee is not None:
            _write(d["memory"] / "memory.soft_limit_in_bytes", str(limits.memory_guarantee))
        _write(d["pids"] / "pids.max", str(limits.pids))
        self._share_parent()

    def _share_parent(self) -> None:
        # All servers sit under one parent, which on its own would weigh as
        # much as one process of the root group: under load 20 servers would
        # share what the hub alone gets. Weigh the parent by its children.
        _weigh_parent(self.mounts["cpu"] / PARENT, "cpu.shares", 1024, 262144)

    def procs_files(self, name: str) -> list[str]:
        files = [str(p / "cgroup.procs") for p in self._dirs(name).values()]
        if self.accounting:
            files.append(str(self.accounting / PARENT / name / "cgroup.procs"))
        return files

    def usage(self, name: str) -> dict:
        d = self._dirs(name)
        cpu_ns = _read(self.accounting / PARENT / name / "cpuacct.usage") if self.accounting else ""
        return {
            "memory": int(_read(d["memory"] / "memory.usage_in_bytes", "0") or 0),
            "cpu_seconds": int(cpu_ns or 0) / 1e9,
            "oom_kills": _kv(_read(d["memory"] / "memory.oom_control")).get("oom_kill", 0),
            "pids": _pids(d["pids"] / "cgroup.procs"),
        }

    def peak_memory(self, name: str) -> int:
        return int(_read(self._dirs(name)["memory"] / "memory.max_usage_in_bytes", "0") or 0)

    def remove(self, name: str) -> None:
        dirs = list(self._dirs(name).values())
        if self.accounting:
            dirs.append(self.accounting / PARENT / name)
        for path in dirs:
            _rmdir(path)
        if (self.mounts["cpu"] / PARENT).is_dir():
            self._share_parent()


class CgroupsV2:
    version = 2

    def __init__(self, root: Path):
        self.root = root

    def create(self, name: str, limits: Limits) -> None:
        parent = self.root / PARENT
        parent.mkdir(exist_ok=True)
        missing = {"cpu", "memory", "pids"} - set(_read(self.root / "cgroup.subtree_control").split())
        if missing:
            _write(self.root / "cgroup.subtree_control", " ".join(f"+{c}" for c in sorted(missing)))
        _write(parent / "cgroup.subtree_control", "+cpu +memory +pids")
        path = parent / name
        path.mkdir(exist_ok=True)
        _write(path / "memory.max", str(limits.memory))
        if (path / "memory.swap.max").exists():
            _write(path / "memory.swap.max", "0")
        _write(path / "cpu.max", f"{max(1000, int(limits.cpu * PERIOD_US))} {PERIOD_US}")
        _write(path / "cpu.weight", str(min(10000, max(1, int(100 * limits.cpu_weight)))))
        if limits.memory_guarantee is not None:
            _write(path / "memory.low", str(limits.memory_guarantee))
        _write(path / "pids.max", str(limits.pids))
        self._share_parent()

    def _share_parent(self) -> None:
        # see CgroupsV1._share_parent; cpu.weight defaults to 100, at most 10000
        _weigh_parent(self.root / PARENT, "cpu.weight", 100, 10000)

    def procs_files(self, name: str) -> list[str]:
        return [str(self.root / PARENT / name / "cgroup.procs")]

    def usage(self, name: str) -> dict:
        path = self.root / PARENT / name
        return {
            "memory": int(_read(path / "memory.current", "0") or 0),
            "cpu_seconds": _kv(_read(path / "cpu.stat")).get("usage_usec", 0) / 1e6,
            "oom_kills": _kv(_read(path / "memory.events")).get("oom_kill", 0),
            "pids": _pids(path / "cgroup.procs"),
        }

    def peak_memory(self, name: str) -> int:
        # memory.peak exists from Linux 5.19; before that the current use is
        # the best a finished run can tell
        path = self.root / PARENT / name
        return int(_read(path / "memory.peak", "") or _read(path / "memory.current", "0") or 0)

    def remove(self, name: str) -> None:
        _rmdir(self.root / PARENT / name)
        if (self.root / PARENT).is_dir():
            self._share_parent()


def _weigh_parent(parent: Path, name: str, default: int, high: int) -> None:
    """The parent's weight `name` set to the sum of its children's (at least one child's default),
    under a lock on the parent: every process that makes or removes a server's cgroup (the hubs of
    all sites on the machine, the jobs supervisor, graders) does this, and two read-sum-writes at
    once left the sum of whichever read first, stale until the next change."""
    fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        total = sum(int(_read(p / name, str(default)) or default) for p in parent.iterdir() if p.is_dir())
        _write(parent / name, str(min(high, max(default, total))))
    finally:
        os.close(fd)


def _kv(text: str) -> dict[str, int]:
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            out[parts[0]] = int(parts[1])
    return out


def _pids(path: Path) -> list[int]:
    return [int(p) for p in _read(path).split()]


def _rmdir(path: Path) -> None:
    # A cgroup can only be removed once empty; a server that is still running
    # keeps its cgroup, which is what we want.
    try:
        path.rmdir()
    except FileNotFoundError:
        pass
    except OSError:
        pass


def detect() -> CgroupsV1 | CgroupsV2:
    """The cgroup hierarchy this machine lets us use, or CgroupUnavailable saying why."""
    mounts = _mounts()
    v1 = {}
    accounting = None
    for point, fstype, options in mounts:
        if fstype != "cgroup":
            continue
        opts = set(options.split(","))
        for c in CgroupsV1.controllers:
            if c in opts:
                v1[c] = Path(point)
        if "cpuacct" in opts:
            accounting = Path(point)
    if set(v1) == set(CgroupsV1.controllers):
        backend = CgroupsV1(v1, accounting)
        probe = v1["memory"]
    else:
        v2 = [Path(p) for p, fstype, _ in mounts if fstype == "cgroup2"]
        usable = [p for p in v2 if {"cpu", "memory", "pids"} <= set(_read(p / "cgroup.controllers").split())]
        if not usable:
            raise CgroupUnavailable(
                "no cgroup hierarchy with the cpu, memory and pids controllers is mounted "
                f"(found v1 controllers: {sorted(v1) or 'none'}; v2 mounts: {[str(p) for p in v2] or 'none'})"
            )
        backend = CgroupsV2(usable[0])
        probe = usable[0]
    if os.geteuid() != 0 or not os.access(probe, os.W_OK):
        raise CgroupUnavailable(f"{probe} is not writable: run CampusHub as root")
    return backend


def join(procs_files: list[str]) -> None:
    """Move the calling process into the cgroup; safe in a preexec_fn (no allocation-heavy work)."""
    for path in procs_files:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)
