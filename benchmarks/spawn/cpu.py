"""Where the CPU went during a phase: the servers, the hubs and proxies, and everything else."""

from __future__ import annotations

import os

import psutil

from .background import Background
from .targets import Target

# (label, pid) of the supervisors whose root-owned process trees are "ours" besides the
# user servers: both hubs with their proxies (and `campushub up`); this process is added
LEDGER_ROOTS: list[tuple[str, int]] = []


def cpu_ticks() -> list[int]:
    with open("/proc/stat") as f:
        return [int(x) for x in f.readline().split()[1:]]


def cpu_busy(before: list[int], after: list[int]) -> dict:
    """Machine-wide CPU use between two /proc/stat samples (user..steal), in percent of all CPUs."""
    d = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(d[:8]) or 1
    idle = d[3] + d[4]
    return {"busy_pct": round(100 * (total - idle) / total, 1), "steal_pct": round(100 * d[7] / total, 1)}


class SchedSampler(Background):
    """Samples /proc/PID/schedstat of the phase's accounts while it runs.

    schedstat gives, per process, the time it ran on a CPU and the time it
    sat runnable in a run queue waiting for one. Their ratio shows whether
    servers were slow because they had a lot to do or because the scheduler
    gave them little CPU (cgroup weights, CPU limits, other load).
    """

    def __init__(self, target: Target, names: list[str], interval: float = 0.5):
        self.target, self.names, self.interval = target, names, interval
        self.uids: set[int] = set()
        self.last: dict[int, tuple[int, int, int]] = {}  # pid -> (uid, run ns, wait ns)
        self._start_thread()

    def __exit__(self, *exc):
        super().__exit__(*exc)
        self.sample()

    def _run(self):
        while not self.stop.wait(self.interval):
            self.sample()

    def sample(self):
        if len(self.uids) < len(self.names):  # CampusHub creates new accounts during the spawn
            self.uids = set(self.target.uids(self.names).values())
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                uid = entry.stat().st_uid
                if uid not in self.uids:
                    continue
                with open(f"/proc/{entry.name}/schedstat") as f:
                    run, wait = (int(x) for x in f.read().split()[:2])
            except (OSError, ValueError):
                continue
            self.last[int(entry.name)] = (uid, run, wait)

    def totals(self) -> dict[int, dict]:
        out: dict[int, dict] = {}
        for uid, run, wait in self.last.values():
            d = out.setdefault(uid, {"run_s": 0.0, "wait_s": 0.0})
            d["run_s"] += run / 1e9
            d["wait_s"] += wait / 1e9
        return out


def _role(p: psutil.Process) -> str:
    cmd = " ".join(p.cmdline())
    if "configurable-http-proxy" in cmd:
        return "proxy"
    if "campushub_forkserver" in cmd:
        return "forkserver"
    if "campushub up" in cmd:
        return "up"
    if "jupyterhub" in cmd:
        return "hub"
    return p.name()


def infrastructure_cpu() -> dict[int, tuple[str, float]]:
    """CPU seconds so far of the hubs, proxies and this process: {pid: (label, seconds)}."""
    def cpu(p):
        t = p.cpu_times()
        return t.user + t.system  # not children_*: reaped servers would count twice

    out = {}
    me = psutil.Process()
    out[me.pid] = ("benchmark", cpu(me))
    for label, root in LEDGER_ROOTS:
        try:
            top = psutil.Process(root)
            group = [top, *top.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for p in group:
            try:
                if p.uids().real == 0:
                    out[p.pid] = (f"{label}:{_role(p)}", cpu(p))
            except psutil.NoSuchProcess:
                continue
    return out


def foreign_cpu(ticks0: list[int], ticks1: list[int], infra0: dict, infra1: dict,
                servers_s: float, wall: float) -> dict:
    """CPU the rest of the machine used meanwhile: all busy CPU minus hubs, proxies, this process, the servers."""
    tick = os.sysconf("SC_CLK_TCK")
    d = [b - a for a, b in zip(ticks0, ticks1, strict=True)]
    busy = (sum(d[:8]) - d[3] - d[4]) / tick
    by_role: dict[str, float] = {}
    for pid, (label, seconds) in infra1.items():
        by_role[label] = by_role.get(label, 0.0) + seconds - infra0.get(pid, (label, 0.0))[1]
    infra = sum(by_role.values())
    foreign = max(0.0, busy - infra - servers_s)
    ncpu = len(os.sched_getaffinity(0))
    return {"machine_busy_s": round(busy, 1), "hubs_proxies_bench_s": round(infra, 1),
            "infrastructure_s": {k: round(v, 2) for k, v in sorted(by_role.items())},
            "servers_s": round(servers_s, 1), "foreign_s": round(foreign, 1),
            "foreign_pct_of_machine": round(100 * foreign / (wall * ncpu), 1) if wall > 0 else None}
