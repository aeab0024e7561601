"""One class on one hub: N learners arrive over the window, then what it cost, then every server stopped."""

from __future__ import annotations

import asyncio
import os
import random
import resource
import signal
import time

import aiohttp
import psutil

from ..spawn.accounts import procs_of, settled_memory
from ..spawn.common import log
from ..spawn.cpu import cpu_busy, cpu_ticks, foreign_cpu, infrastructure_cpu
from ..spawn.logs import hub_log_offset, hub_reported
from ..spawn.spawning import stop_servers
from ..spawn.targets import CampusTarget, Target
from .directory import password
from .learner import Learner, new_sample

FORKSERVER = "campushub_forkserver"


def arrivals(n: int, window: float, seed: int | None) -> list[float]:
    """Offsets in seconds: evenly spread over the window, or uniformly at random (sorted) with a seed."""
    if n <= 1:
        return [0.0] * n
    if seed is None:
        return [window * i / n for i in range(n)]
    rng = random.Random(seed)
    return sorted(rng.uniform(0, window) for _ in range(n))


async def _one(base: str, name: str, offset: float, timeout: float, connector) -> dict:
    await asyncio.sleep(offset)
    sample = new_sample(name, offset)
    learner = Learner(base, name, password(name), connector)
    try:
        await asyncio.wait_for(learner.run(sample), timeout)
    except TimeoutError:
        sample["error"] = f"not done within {timeout:g} s"
    finally:
        await learner.close()
    return sample


class Interrupted(BaseException):
    """SIGTERM/SIGINT: a BaseException, so no `except Exception` on the way swallows it."""


async def _class(base: str, names: list[str], offsets: list[float], timeout: float) -> list[dict]:
    # A Python signal handler that raises would raise inside whichever task step runs,
    # often one of aiohttp's own that nobody awaits, and the signal would be lost: let
    # the loop take the signals for the class, cancel everything, then raise.
    loop, me, caught = asyncio.get_running_loop(), asyncio.current_task(), []
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        loop.add_signal_handler(sig, lambda sig=sig: (caught.append(sig), me.cancel()))
    # one connection pool for everybody (each learner keeps its own cookies)
    connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=None)
    try:
        return await asyncio.gather(*(_one(base, n, o, timeout, connector)
                                      for n, o in zip(names, offsets, strict=True)))
    except asyncio.CancelledError:
        if caught:
            raise Interrupted(f"signal {caught[0]}") from None
        raise
    finally:
        await connector.close()
        for sig, handler in previous.items():
            loop.remove_signal_handler(sig)
            signal.signal(sig, handler)


def forkserver_parents(target: Target) -> list[psutil.Process]:
    """This CampusHub's root fork server parents (their pages are shared with the servers they forked).

    Only this hub's: those whose command line names its data dir (the socket is under it) or that
    descend from its `campushub up`; other fork servers on the machine (tests) are not ours.
    """
    if not isinstance(target, CampusTarget):
        return []
    data_dir, up_pid = str(target.hub.data_dir), target.hub.proc.pid if target.hub.proc else None
    out = []
    for p in psutil.process_iter(["uids", "cmdline"]):
        try:
            cmd = " ".join(p.info["cmdline"] or ())
            if p.info["uids"].real != 0 or FORKSERVER not in cmd:
                continue
            if FORKSERVER in " ".join(p.parent().cmdline()):
                continue  # a child that has not dropped to its user yet
            if data_dir in cmd or up_pid in {q.pid for q in p.parents()}:
                out.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
            continue
    return out


def _cpu(p: psutil.Process) -> float:
    try:
        t = p.cpu_times()
        return t.user + t.system
    except psutil.NoSuchProcess:
        return 0.0


def spawn_paths(uids: dict[str, int]) -> dict[str, str]:
    """Per learner: 'fork server' if the server's parent is a fork server, else 'exec'.

    The server is the account's oldest process (the kernel and any zygote are
    forked or started by it later).
    """
    by_uid: dict[int, psutil.Process] = {}
    for p in procs_of(set(uids.values())):
        try:
            uid = p.uids().real
            if uid not in by_uid or p.create_time() < by_uid[uid].create_time():
                by_uid[uid] = p
        except psutil.NoSuchProcess:
            continue
    out = {}
    for name, uid in uids.items():
        server = by_uid.get(uid)
        try:
            parent = " ".join(server.parent().cmdline()) if server else ""
        except (psutil.NoSuchProcess, AttributeError):
            parent = ""
        if server:
            out[name] = "fork server" if FORKSERVER in parent else "exec"
    return out


def spawn_log_lines(target: Target, offset: int, names: list[str]) -> dict[str, str]:
    """CampusHub's own word on each start's path: the last hub log line naming the learner and
    'fork server' or 'exec:' (the spawner says which path and why), from `offset` on."""
    if not isinstance(target, CampusTarget):
        return {}
    try:
        with open(target.hub_log(), errors="replace") as f:
            f.seek(offset)
            lines = [line for line in f if "fork server" in line or "exec:" in line]
    except OSError:
        return {}
    out = {}
    for name in names:
        for line in lines:
            if name in line:
                out[name] = line.strip()[-200:]
    return out


def run_class(target: Target, kind: str, names: list[str], window: float, seed: int | None,
              timeout: float, slapd_pid: int | None) -> dict:
    time.sleep(1.0)  # the previous class's exits and writeback settle (stop_servers waited for the processes)
    offsets = arrivals(len(names), window, seed)
    load = [round(x, 2) for x in os.getloadavg()]
    log_offset = hub_log_offset(target)
    slapd = psutil.Process(slapd_pid) if slapd_pid else None
    forks = forkserver_parents(target)
    fork_cpu0 = {p.pid: _cpu(p) for p in forks}
    slapd0 = _cpu(slapd) if slapd else 0.0
    infra0, ticks0 = infrastructure_cpu(), cpu_ticks()
    me0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    samples = asyncio.run(_class(target.hub.url, names, offsets, timeout))
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
        "forkserver_cpu_s": round(sum(_cpu(p) - fork_cpu0.get(pid, 0.0) for pid, p in forks_now.items()), 2),
        "slapd_cpu_s": round(_cpu(slapd) - slapd0, 2) if slapd else None,
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
