"""A phase (spawns on one hub, measured, then stopped) and a round (every phase on both hubs)."""

from __future__ import annotations

import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .accounts import settled_memory
from .common import log
from .cpu import SchedSampler, cpu_busy, cpu_ticks, foreign_cpu, infrastructure_cpu
from .logs import hub_log_offset, hub_reported, listening_at
from .spawning import ReadyPoller, spawn_and_run, stop_servers, wait_ready_single
from .targets import StockTarget, Target


def quiesce() -> None:
    """A breath between phases: the previous phase's servers are gone (stop_servers waited for
    that), let their exits and page-cache writeback finish. Other load on the machine is not
    waited for: it is measured instead (foreign_pct)."""
    time.sleep(1.0)


def spawn_all(target: Target, names: list[str], timeout: float) -> list[dict]:
    if len(names) == 1:
        return [spawn_and_run(target, names[0], lambda n, t: wait_ready_single(target, n, t), timeout=timeout)]
    gate = threading.Barrier(len(names))
    with ReadyPoller(target, names) as poller:
        pool = ThreadPoolExecutor(max_workers=len(names))
        try:
            futures = [pool.submit(spawn_and_run, target, n, poller.wait, gate, timeout) for n in names]
            samples = [f.result() for f in futures]
        except BaseException:
            # interrupted: release every waiting worker so cleanup need not wait for spawns
            gate.abort()
            poller.abort()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    return samples


def annotate(target: Target, samples: list[dict], names: list[str], sched: SchedSampler, offset: int) -> float:
    """Add memory, CPU, throttling and log timings to each sample once the servers are idle."""
    uids = target.uids(names)
    per, settle_s = settled_memory(set(uids.values()))
    throttling = {n: target.throttling(n) for n in names}
    waited = sched.totals()
    reported = hub_reported(target, offset)
    for s in samples:
        m = per.get(uids.get(s["user"]), {})
        alive = bool(m.get("procs"))
        s["rss_mib"] = round(m.get("rss", 0) / 2**20, 1) if alive else None
        s["pss_mib"] = round(m.get("pss", 0) / 2**20, 1) if alive else None
        s["procs"] = m.get("procs")
        s["cpu_s"] = round(m.get("cpu_s", 0), 2) if alive else None
        s["sys_s"] = round(m.get("sys_s", 0), 2) if alive else None
        s["idle_cpu_pct"] = m.get("idle_cpu_pct")
        # when the oldest process of the account (the server) was created, from the POST
        s["exec_s"] = round(m["oldest"] - s["t0_boot"], 3) if m.get("oldest") else None
        s["hub_took_s"] = reported.get(s["user"])
        s["cpu_throttling"] = throttling.get(s["user"])
        s["throttled_s"] = (throttling.get(s["user"]) or {}).get("throttled_s")
        sch = waited.get(uids.get(s["user"]))
        # until the first result (or failure): CPU the server+kernel got, and time they waited for a CPU
        s["sched_run_s"] = round(sch["run_s"], 2) if sch else None
        s["sched_wait_s"] = round(sch["wait_s"], 2) if sch else None
        listen = listening_at(target, s["user"], s["t0_wall"])
        s["listen_s"] = round(listen - s["t0_wall"], 3) if listen else None
        # JupyterHub noticing the running server: its backoff plus adding the route
        s["notice_s"] = round(s["ready_s"] - s["listen_s"], 3) if listen and s["ready_s"] else None
    return settle_s


def run_phase(target: Target, kind: str, names: list[str], timeout: float) -> dict:
    quiesce()
    offset = hub_log_offset(target)
    load = [round(x, 2) for x in os.getloadavg()]
    infra0 = infrastructure_cpu()
    ticks = cpu_ticks()
    t0 = time.monotonic()
    with SchedSampler(target, names) as sched:
        samples = spawn_all(target, names, timeout)
        makespan = time.monotonic() - t0
    ticks1 = cpu_ticks()
    infra1 = infrastructure_cpu()
    machine_cpu = cpu_busy(ticks, ticks1)
    machine_cpu.update(foreign_cpu(ticks, ticks1, infra0, infra1,
                                   sum(d["run_s"] for d in sched.totals().values()), makespan))
    settle_s = annotate(target, samples, names, sched, offset)
    stop = stop_servers(target, names)
    failed = [s for s in samples if s["error"]]
    for s in failed:
        log(f"{target.label} {kind}: {s['user']}: {s['error']}")
    done = [s for s in samples if s["result_s"] is not None]
    summary = ""
    if done:
        summary = (f"ready median {statistics.median(s['ready_s'] for s in done):.2f}s, "
                   f"result median {statistics.median(s['result_s'] for s in done):.2f}s, "
                   f"makespan {makespan:.1f}s")
    log(f"{target.label:9} {kind:6} x{len(names):<2} {summary} {len(failed)} failed "
        f"(machine busy {machine_cpu['busy_pct']}%, other processes {machine_cpu['foreign_pct_of_machine']}%)")
    return {"target": target.label, "phase": kind, "users": len(names), "loadavg": load, "machine_cpu": machine_cpu,
            "foreign_pct": machine_cpu["foreign_pct_of_machine"],
            "hub_proxy_cpu_s": round(sum(v for k, v in machine_cpu["infrastructure_s"].items()
                                         if k.startswith(f"{target.label}:")), 2),
            "makespan_s": round(makespan, 2), "settle_s": settle_s, **stop, "samples": samples}


def run_round(targets: list[Target], rnd: int, users: int, repeat: int, timeout: float,
              results: list[dict]) -> None:
    """One round: every phase on stock, then the same phase on CampusHub.

    Alternating phase by phase (not hub by hub) keeps each pair of
    measurements seconds apart, so load from elsewhere on the machine
    drifts into both alike.
    """
    plan: list[tuple[str, dict[str, list[str]]]] = []
    new = {t.label: [t.hub_name(f"new{rnd}")] for t in targets}
    plan.append(("new", new))
    for _ in range(repeat):
        plan.append(("single", {t.label: [t.hub_name("00")] for t in targets}))
    if users > 1:
        plan.append(("many", {t.label: [t.hub_name(f"{i:02d}") for i in range(1, users + 1)]
                              for t in targets}))
    for t in targets:
        # stock needs the account to exist beforehand; CampusHub makes it in the spawn
        t.prepare(new[t.label], accounts=isinstance(t, StockTarget))
    for kind, names in plan:
        for t in targets:
            phase = run_phase(t, kind, names[t.label], timeout)
            phase["round"] = rnd
            results.append(phase)  # in place, so an interrupted run still reports what it measured
