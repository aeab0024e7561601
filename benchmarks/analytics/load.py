"""How busy the machine was meanwhile: load average, and the CPU others used beside the benchmark's own."""

from __future__ import annotations

import os

import psutil


def _tree_cpu(pids: list[int]) -> float:
    """CPU seconds of these processes and all their descendants (the servers' kernels too)."""
    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for p in [root, *root.children(recursive=True)]:
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.NoSuchProcess:
            continue
    return total


class Load:
    def __init__(self, pids: list[int]):
        self.pids = [os.getpid(), *pids]
        self.loadavg = os.getloadavg()
        self.machine = psutil.cpu_times()
        self.ours = _tree_cpu(self.pids)
        self.each = {pid: _tree_cpu([pid]) for pid in pids}

    def cpu_seconds(self) -> dict[int, float]:
        """CPU used since the start by each given process with its descendants (a server with its kernels)."""
        return {pid: _tree_cpu([pid]) - before for pid, before in self.each.items()}

    def done(self) -> dict:
        machine = psutil.cpu_times()
        busy = lambda t: t.user + t.nice + t.system + t.irq + t.softirq + t.steal  # noqa: E731
        total = sum(machine) - sum(self.machine)
        used = busy(machine) - busy(self.machine)
        ours = _tree_cpu(self.pids) - self.ours
        cores = psutil.cpu_count() or 1
        return {"loadavg_before": [round(x, 2) for x in self.loadavg],
                "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                "busy_pct_of_machine": round(100 * used / total, 1) if total else None,
                "benchmark_pct_of_one_core": round(100 * cores * ours / total, 1) if total else None,
                "others_pct_of_machine": round(100 * max(0.0, used - ours * 1) / total, 1) if total else None}
