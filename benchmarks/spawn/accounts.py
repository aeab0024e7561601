"""Unix accounts of the benchmark's users: create, remove, and what their processes use."""

from __future__ import annotations

import os
import pwd
import subprocess
import time

import psutil


def uid_of(name: str) -> int | None:
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


def procs_of(uids: set[int]) -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["uids"]):
        try:
            if p.info["uids"] and p.info["uids"].real in uids:
                out.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return out


def kill_uid_processes(uids: set[int]) -> int:
    """SIGKILL every process of these (benchmark-owned) accounts; returns how many."""
    n = 0
    for p in procs_of(uids):
        try:
            p.kill()
            n += 1
        except psutil.NoSuchProcess:
            pass
    return n


def useradd(name: str) -> None:
    if uid_of(name) is None:
        r = subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "-U", name],
                           capture_output=True, text=True)
        if r.returncode not in (0, 9):
            raise RuntimeError(f"useradd {name}: {r.stderr.strip()}")


def userdel(name: str) -> None:
    uid = uid_of(name)
    if uid is None:
        return
    kill_uid_processes({uid})
    subprocess.run(["userdel", "--remove", name], capture_output=True)


def memory_of(uids: set[int]) -> dict:
    """Memory and CPU of all processes of these accounts, per account."""
    per = {uid: {"rss": 0, "pss": 0, "procs": 0, "cpu_s": 0.0, "sys_s": 0.0, "oldest": None} for uid in uids}
    tick = os.sysconf("SC_CLK_TCK")
    for p in procs_of(uids):
        try:
            with p.oneshot():
                uid = p.uids().real
                full = p.memory_full_info()
                cpu = p.cpu_times()
                created = start_boottime(p.pid, tick)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        d = per[uid]
        d["rss"] += full.rss
        d["pss"] += getattr(full, "pss", 0)
        d["procs"] += 1
        d["cpu_s"] += cpu.user + cpu.system
        d["sys_s"] += cpu.system
        if created is not None:
            d["oldest"] = created if d["oldest"] is None else min(d["oldest"], created)
    return per


def start_boottime(pid: int, tick: int) -> float | None:
    """When a process started, in CLOCK_BOOTTIME seconds (10 ms resolution).

    psutil's create_time() adds the integer boot time of /proc/stat and can be
    off by up to a second against time.time(); /proc/PID/stat's starttime and
    CLOCK_BOOTTIME share one clock.
    """
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[19]) / tick  # field 22 of stat(5); fields[0] is field 3
    except (OSError, ValueError, IndexError):
        return None


def settled_memory(uids: set[int], interval: float = 0.5, stable_samples: int = 3,
                   tolerance: float = 0.005, timeout: float = 30) -> tuple[dict, float]:
    """Poll until total RSS changes by less than `tolerance` for `stable_samples` polls in a row.

    Each account's entry also gets `idle_cpu_pct`: the CPU its processes used
    over the stable stretch, in percent of one core (what an idle server and
    kernel cost the machine while nobody uses them).
    """
    start = time.monotonic()
    last = None
    stable = 0
    stable_since: tuple[float, dict] | None = None
    while True:
        per = memory_of(uids)
        now = time.monotonic()
        total = sum(d["rss"] for d in per.values())
        if last is not None and total > 0 and abs(total - last) <= tolerance * last:
            stable += 1
        else:
            stable = 0
            stable_since = (now, per)
        last = total
        waited = now - start
        if stable >= stable_samples or waited > timeout:
            t_first, first = stable_since
            for uid, d in per.items():
                span = now - t_first
                d["idle_cpu_pct"] = (round(100 * (d["cpu_s"] - first[uid]["cpu_s"]) / span, 2)
                                     if span > 0 and d["procs"] and first[uid]["procs"] == d["procs"] else None)
            return per, round(waited, 2)
        time.sleep(interval)
