"""One class on one hub: N learners arrive over the window, then what it cost, then every server stopped."""

from __future__ import annotations

import asyncio
import os
import resource
import time

import psutil

from ..spawn.accounts import settled_memory
from ..spawn.common import log
from ..spawn.cpu import cpu_busy, cpu_ticks, foreign_cpu, infrastructure_cpu
from ..spawn.logs import hub_log_offset, hub_reported
from ..spawn.spawning import stop_servers
from ..spawn.targets import Target
from .crowd import arrivals, run_learners
from .servers import cpu_of, forkserver_parents, spawn_log_lines, spawn_paths


def run_class(target: Target, kind: str, names: list[str], window: float, seed: int | None,
              timeout: float, slapd_pid: int | None) -> dict:
    time.sleep(1.0)  # the previous class's exits and writeback settle (stop_servers waited for the processes)
    offsets = arrivals(len(names), window, seed)
    load = [round(x, 2) for x in os.getloadavg()]
    log_offset = hub_log_offset(target)
    slapd = psutil.Process(slapd_pid) if slapd_pid else None
    forks = forkserver_parents(target)
    fork_cpu0 = {p.pid: cpu_of(p) for p in forks}
    slapd0 = cpu_of(slapd) if slapd else 0.0
    infra0, ticks0 = infrastructure_cpu(), cpu_ticks()
    me0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    samples = asyncio.run(run_learners(f"{target.label} {kind}", target.hub.url, names, offsets, timeout))
    wall = time.monotonic() - t0
    me1 = resource.getrusage(resource.RUSAGE_SELF)
    infra1, ticks1 = infrastructure_cpu(), cpu_ticks()
    uids = target.uids(names)
    per, settle_s = settled_memory(set(uids.values()))
    servers_s = sum(d["cpu_s"] for d in per.values())
    machine = cpu_busy(ticks0, ticks1)
    machine.update(foreign_cpu(ticks0, ticks1, infra0, infra1, servers_s, wall))
    infra = machine["infrastructure_s"]
    client_s = (me1.ru_utime - me0.ru_utime) + (me1.ru_stime - me0.ru_stime)
    paths, said = spawn_paths(uids), spawn_log_lines(target, log_offset, names)
    took = hub_reported(target, log_offset)  # JupyterHub's own "User X took N seconds to start"
    for s in samples:
        m = per.get(uids.get(s["user"]), {})
        s["pss_mib"] = round(m["pss"] / 2**20, 1) if m.get("procs") else None
        s["procs"] = m.get("procs")
        s["spawn_path"] = paths.get(s["user"])
        s["hub_took_s"] = took.get(s["user"])
        if s["user"] in said:
            s["spawn_log"] = said[s["user"]]
        if s["ready_s"] is not None and s["spawn_s"] is not None:
            s["spawn_to_ready_s"] = round(s["ready_s"] - s["spawn_s"], 3)
    forks_now = {p.pid: p for p in forkserver_parents(target)}
    fork_pss = 0
    for p in forks_now.values():
        try:
            fork_pss += p.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    phase = {
        "target": target.label, "phase": kind, "users": len(names), "window_s": window if len(names) > 1 else 0,
        "loadavg": load, "wall_s": round(wall, 2), "settle_s": settle_s,
        "hub_cpu_s": round(infra.get(f"{target.label}:hub", 0.0), 2),
        # the hub, its proxy and `campushub up`; the fork server (also below `up`) is reported on its own
        "hub_proxy_cpu_s": round(sum(v for k, v in infra.items()
                                     if k.startswith(f"{target.label}:") and not k.endswith(":forkserver")), 2),
        "forkserver_cpu_s": round(sum(cpu_of(p) - fork_cpu0.get(pid, 0.0) for pid, p in forks_now.items()), 2),
        "slapd_cpu_s": round(cpu_of(slapd) - slapd0, 2) if slapd else None,
        "client_cpu_s": round(client_s, 2), "client_cpu_pct": round(100 * client_s / wall, 1) if wall else None,
        "learner_pss_mib": round(sum(d["pss"] for d in per.values()) / 2**20, 1),
        "forkserver_pss_mib": round(fork_pss / 2**20, 1) if forks_now else None,
        # a fork server started or replaced during the class (e.g. `up` saw the environment change):
        # its imports are in forkserver_cpu_s and some servers may have been exec'd meanwhile
        "forkserver_changed": sorted(fork_cpu0) != sorted(forks_now),
        "machine_cpu": machine, "foreign_pct": machine["foreign_pct_of_machine"], "samples": samples,
    }
    phase.update(stop_servers(target, names))
    failed = [s for s in samples if s["error"]]
    for s in failed[:10]:
        log(f"{target.label} {kind}: {s['user']}: {s['error']}")
    ok = len(samples) - len(failed)
    log(f"{target.label:9} {kind:7} {ok}/{len(samples)} ok in {wall:.1f}s, hub CPU {phase['hub_cpu_s']}s, "
        f"client CPU {phase['client_cpu_pct']}% of a core, learner PSS {phase['learner_pss_mib']} MiB, "
        f"paths {sorted(set(paths.values()))}" + (" (a fork server was replaced meanwhile)"
                                                  if phase["forkserver_changed"] and fork_cpu0 else ""))
    return phase
