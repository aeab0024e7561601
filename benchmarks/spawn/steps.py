"""CampusHub's spawner steps timed one by one, in this process, and the cgroup layout probe."""

from __future__ import annotations

import time
from pathlib import Path

from campushub.deploy.local.spawner import cgroups
from campushub.deploy.local.spawner.unix_users import ensure_user
from tests.harness import TEST_PREFIX

from .accounts import userdel
from .cgroup_probe import SERVER_LIMITS
from .cgroup_probe import probe as cgroup_probe
from .common import log, stats


def timeit(fn, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def profile_spawner_steps(n_accounts: int = 3) -> dict:
    """Wall time of each thing SystemUserSpawner.start/stop does besides LocalProcessSpawner's work.

    Run in this (root) process with the same functions the spawner calls, so
    the numbers are per call, without the hub's event loop around them.
    """
    from campushub.i18n import N_, negotiate, translate

    out: dict = {}
    out["cgroups_detect_ms"] = round(timeit(cgroups.detect, 200) * 1e3, 3)
    out["proc_self_mounts_lines"] = len(Path("/proc/self/mounts").read_text().splitlines())
    try:
        backend = cgroups.detect()
        name = f"{TEST_PREFIX}bench-profile"
        t0 = time.perf_counter()
        backend.create(name, SERVER_LIMITS)
        backend.procs_files(name)
        out["cgroup_create_ms"] = round((time.perf_counter() - t0) * 1e3, 3)
        out["cgroup_usage_ms"] = round(timeit(lambda: backend.usage(name), 50) * 1e3, 3)
        t0 = time.perf_counter()
        backend.remove(name)
        out["cgroup_remove_ms"] = round((time.perf_counter() - t0) * 1e3, 3)
        out["cgroup_version"] = backend.version
    except cgroups.CgroupUnavailable as e:
        out["cgroup_error"] = str(e)
    names = [f"{TEST_PREFIX}bench-prof{i}" for i in range(n_accounts)]
    cold = []
    for n in names:
        t0 = time.perf_counter()
        ensure_user(n)
        cold.append(time.perf_counter() - t0)
    out["ensure_user_new_account_ms"] = stats([x * 1e3 for x in cold])
    # the spawner creates accounts one at a time (a lock): the last of N new users waits for all
    out["new_accounts_in_a_row"] = {"n": len(cold), "total_s": round(sum(cold), 3)}
    out["ensure_user_existing_account_ms"] = round(timeit(lambda: ensure_user(names[0]), 50) * 1e3, 3)
    for n in names:
        userdel(n)
    msg = N_("Preparing your account")
    out["progress_step_translate_ms"] = round(timeit(lambda: translate(negotiate(None, None), msg), 500) * 1e3, 4)
    out["passwd_lines"] = len(Path("/etc/passwd").read_text().splitlines())
    return out


def profile(users: int) -> dict:
    log("profiling CampusHub's spawner steps")
    out = profile_spawner_steps(max(3, min(users, 20)))
    log("probing CPU shares: CampusHub's cgroup layout vs stock's, with busy loops")
    try:
        out["cgroup_layout_probe"] = cgroup_probe(n=max(2, min(users, 10)), seconds=5)
    except (cgroups.CgroupUnavailable, OSError) as e:
        out["cgroup_layout_probe"] = {"error": str(e)}
    return out


def profile_text(prof: dict) -> str:
    lines = ["CampusHub spawner steps, per call in this process:"]
    lines.append(f"  cgroups.detect() (reads /proc/self/mounts, {prof.get('proc_self_mounts_lines')} lines): "
                 f"{prof.get('cgroups_detect_ms')} ms")
    lines.append(f"  cgroup create {prof.get('cgroup_create_ms')} ms, remove {prof.get('cgroup_remove_ms')} ms, "
                 f"usage {prof.get('cgroup_usage_ms')} ms")
    new = prof.get("ensure_user_new_account_ms") or {}
    row = prof.get("new_accounts_in_a_row") or {}
    lines.append(f"  ensure_user: existing account {prof.get('ensure_user_existing_account_ms')} ms; new account "
                 f"(useradd) median {new.get('median')} ms, max {new.get('max')} ms; "
                 f"{row.get('n')} new accounts in a row (the spawner's lock) {row.get('total_s')} s")
    lines.append(f"  progress message translation {prof.get('progress_step_translate_ms')} ms")
    p = prof.get("cgroup_layout_probe") or {}
    if "cpu_s" in p:
        lines.append(f"  {p['n']} busy loops for {p['seconds']}s in CampusHub's cgroup layout vs stock's: "
                     f"{p['cpu_s']['campushub_like']} vs {p['cpu_s']['stock_like']} CPU s "
                     f"(ratio {p['campushub_over_stock']})")
    elif p:
        lines.append(f"  cgroup layout probe: {p.get('error')}")
    return "\n".join(lines)
