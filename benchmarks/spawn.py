#!/usr/bin/env python3
"""Spawn benchmark: stock JupyterHub vs CampusHub, alternating, in one run.

    sudo python benchmarks/spawn.py [--users 20] [--rounds 3] [--json out.json]

Runs as root: it creates unix accounts. Both hubs are started once, on free
ports on 127.0.0.1, and kept running for the whole run:
  stock      `python -m jupyterhub` with a generated config (_stock_config.py):
             LocalProcessSpawner running the shared environment's
             jupyterhub-singleuser, the same configurable-http-proxy binary
             (started by the hub, as stock does), accounts bench-stockPPPPP-NN;
  campushub  `campushub up` through tests.harness.Hub, site defaults for the
             limits, hub users bench-NN (unix accounts chtPPPPP-bench-NN).
PPPPP is this process's pid, so concurrent runs never touch each other.

Per round, each phase runs on stock and then at once on CampusHub, so every
pair of measurements is seconds apart and load from elsewhere on the machine
falls on both alike:
  new      one spawn of a hub user seen for the first time. CampusHub creates
           the unix account inside the spawn (useradd); stock needs it
           beforehand, so the benchmark creates it untimed.
  single   --repeat sequential spawns of one user whose account exists.
  many     --users concurrent spawns (one thread per user), accounts exist.
For every spawn: seconds from POST /hub/api/users/NAME/server to
servers[""].ready (polled every 50 ms; 0.25 s in the many phase, see
ReadyPoller), to the server process existing and to
the server logging that it listens (where the time goes), and to the first
execution result (POST /user/NAME/api/kernels with a user token, `5*4` over
the kernel websocket, reply `20`). Meanwhile /proc/PID/schedstat says how long
the servers ran and how long they waited for a CPU, and /proc/stat how much
CPU everything else on the machine took. After the results: the idle server +
kernel memory (RSS and PSS summed over the account's processes) once it stops
changing. Then every server is stopped and its processes are gone before the
next phase starts. At the end, CampusHub's spawner steps are timed one by one
and _cgroup_probe.py compares CPU shares of the two cgroup layouts.

Output: a table on stdout, then the JSON (also to --json FILE). Cleanup
(servers, hubs, proxies, accounts, cgroups, temp dirs) runs in a finally
block, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import pwd
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._cgroup_probe import probe as cgroup_probe  # noqa: E402
from benchmarks._stock_config import StockHub  # noqa: E402
from tests.harness import TEST_PREFIX, Hub, execute, free_port  # noqa: E402

from campushub.config import defaults as site_defaults  # noqa: E402
from campushub.hub.spawners import cgroups  # noqa: E402
from campushub.hub.spawners.unix_users import ensure_user, unix_name  # noqa: E402

POLL = 0.05  # seconds between readiness polls of one user (GET /hub/api/users/NAME)
# The many-user poll lists every user (~20 ms of hub CPU each with 20 users); at 50 ms
# it took ~40% of a core from the hub, and more from whichever hub answered faster.
# 0.25 s costs <10% and adds at most 0.25 s to ready times of ~40 s.
POLL_MANY = 0.25
CODE, EXPECTED = "5*4", "20"
# Unique per process like the harness's TEST_PREFIX (cht12345-), so two runs at once
# (or a run beside the test suite) never share, nor delete, each other's accounts.
STOCK_PREFIX = f"bench-stock{os.getpid() % 100000:05d}-"
CAMPUS_PREFIX = "bench-"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- machine ---------------------------------------------------------------


def machine_info() -> dict:
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    cpu_model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor() or "unknown",
    )
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gib": round(int(meminfo["MemTotal"].split()[0]) / 2**20, 1),
        "kernel": platform.release(),
        "cpu_model": cpu_model,
        "os": _os_name(),
        "python": platform.python_version(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def software_info(env_dir: Path, chp: Path) -> dict:
    import jupyterhub

    code = ("import importlib.metadata as m, json; print(json.dumps({p: m.version(p) for p in "
            "('jupyterhub', 'jupyter_server', 'jupyterlab', 'ipykernel')}))")
    try:
        env = json.loads(subprocess.run([str(env_dir / "bin" / "python"), "-c", code],
                                        capture_output=True, text=True, check=True).stdout)
    except (OSError, subprocess.CalledProcessError, ValueError) as e:
        env = {"error": str(e)}
    chp_version = "unknown"
    for pkg in (chp.resolve().parent.parent / "package.json",
                chp.parent.parent / "configurable-http-proxy" / "package.json"):
        try:
            chp_version = json.loads(pkg.read_text())["version"]
            break
        except (OSError, ValueError, KeyError):
            continue
    return {"hub_jupyterhub": jupyterhub.__version__, "user_env": str(env_dir), "user_env_packages": env,
            "configurable_http_proxy": {"path": str(chp), "version": chp_version}}


# -- statistics ------------------------------------------------------------


def stats(values: list[float]) -> dict | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    # nearest-rank p90: with few samples this is the max, which is the honest answer
    p90 = values[max(0, -(-9 * len(values) // 10) - 1)]
    return {"n": len(values), "median": round(statistics.median(values), 3), "p90": round(p90, 3),
            "max": round(values[-1], 3), "min": round(values[0], 3)}


# -- accounts and processes -------------------------------------------------


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


# -- the two systems under test -------------------------------------------


class Target:
    label = ""
    prefix = ""

    def __init__(self, hub):
        self.hub = hub
        self.tokens: dict[str, str] = {}

    def hub_name(self, suffix: str) -> str:
        return f"{self.prefix}{suffix}"

    def unix(self, hub_name: str) -> str:
        raise NotImplementedError

    def ensure_account(self, hub_name: str) -> None:
        raise NotImplementedError

    def hub_log(self) -> Path:
        raise NotImplementedError

    def server_log(self, hub_name: str) -> Path:
        raise NotImplementedError

    def prepare(self, names: list[str], accounts: bool = True) -> None:
        """Hub users (and, unless told otherwise, unix accounts) plus a user token each; untimed."""
        if accounts:
            for name in names:
                self.ensure_account(name)
        missing = [n for n in names if n not in self.tokens]
        if missing:
            r = self.api("POST", "users", json={"usernames": missing})
            if r.status_code not in (201, 409):
                r.raise_for_status()
            for name in missing:
                self.tokens[name] = self.hub.user_token(name)

    def api(self, method: str, path: str, timeout: float = 30, **kwargs) -> requests.Response:
        """The hub's REST API as the admin service, with a per-call timeout."""
        return requests.request(
            method, f"{self.hub.url}/hub/api/{path}",
            headers={"Authorization": f"token {self.hub.api_token}"}, timeout=timeout, **kwargs,
        )

    def uids(self, names: list[str]) -> dict[str, int]:
        return {n: uid for n in names if (uid := uid_of(self.unix(n))) is not None}


class StockTarget(Target):
    label = "stock"
    prefix = STOCK_PREFIX

    def unix(self, hub_name: str) -> str:
        return hub_name  # LocalProcessSpawner: the hub name is the unix name

    def ensure_account(self, hub_name: str) -> None:
        useradd(hub_name)

    def hub_log(self) -> Path:
        return self.hub.log_file

    def server_log(self, hub_name: str) -> Path:
        return self.hub.log_file  # LocalProcessSpawner: servers write to the hub's stdout


class CampusTarget(Target):
    label = "campushub"
    prefix = CAMPUS_PREFIX

    def unix(self, hub_name: str) -> str:
        return unix_name(hub_name, TEST_PREFIX)

    def ensure_account(self, hub_name: str) -> None:
        ensure_user(self.unix(hub_name))  # what the spawner would do on first start

    def hub_log(self) -> Path:
        return self.hub.data_dir / "logs" / "hub.log"

    def server_log(self, hub_name: str) -> Path:
        return self.hub.data_dir / "logs" / "users" / f"{self.unix(hub_name)}.log"

    def throttling(self, hub_name: str) -> dict | None:
        """CFS throttling of the server's cgroup so far: how often and how long the CPU limit held it back."""
        try:
            backend = cgroups.detect()
        except cgroups.CgroupUnavailable:
            return None
        name = self.unix(hub_name)
        if backend.version == 1:
            path = backend.mounts["cpu"] / cgroups.PARENT / name / "cpu.stat"
        else:
            path = backend.root / cgroups.PARENT / name / "cpu.stat"
        try:
            kv = dict(line.split() for line in path.read_text().splitlines())
        except (OSError, ValueError):
            return None
        ns = int(kv.get("throttled_time", 0)) or int(kv.get("throttled_usec", 0)) * 1000
        return {"periods": int(kv.get("nr_periods", 0)), "throttled": int(kv.get("nr_throttled", 0)),
                "throttled_s": round(ns / 1e9, 3)}


# -- one spawn -------------------------------------------------------------


class ReadyPoller:
    """One thread polling GET /hub/api/users?state=active for many users.

    One request per POLL_MANY for everybody instead of one per user: 20
    threads polling their own user every 50 ms would be 400 requests/s against
    a single-threaded hub, and the benchmark would mostly measure itself.
    A user whose spawn was answered but who dropped out of the active list
    has failed to start; waiting for them ends at once.
    """

    def __init__(self, target: Target, names: list[str]):
        self.target, self.waiting = target, set(names)
        self.events = {n: threading.Event() for n in names}
        self.ready_at: dict[str, float | None] = {}
        self.posted: set[str] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)

    def _done(self, name: str, when: float | None) -> None:
        self.ready_at[name] = when
        self.waiting.discard(name)
        self.events[name].set()

    def _run(self):
        session = requests.Session()
        headers = {"Authorization": f"token {self.target.hub.api_token}"}
        url = f"{self.target.hub.url}/hub/api/users"
        while not self.stop.is_set():
            try:
                posted = set(self.posted)  # answered before this request was sent
                r = session.get(url, params={"state": "active", "limit": 1000}, headers=headers, timeout=30)
                now = time.monotonic()
                body = r.json()
                users = {u["name"]: u for u in (body["items"] if isinstance(body, dict) else body)}
                for name in list(self.waiting):
                    server = (users.get(name, {}).get("servers") or {}).get("")
                    if server and server.get("ready"):
                        self._done(name, now)
                    elif name in posted and name not in users:
                        self._done(name, None)
            except (requests.RequestException, ValueError, KeyError):
                pass
            self.stop.wait(POLL_MANY)

    def abort(self) -> None:
        for event in self.events.values():
            event.set()

    def wait(self, name: str, timeout: float) -> float | None:
        self.posted.add(name)
        return self.ready_at.get(name) if self.events[name].wait(timeout) else None


def wait_ready_single(target: Target, name: str, timeout: float) -> float | None:
    session = requests.Session()
    headers = {"Authorization": f"token {target.hub.api_token}"}
    url = f"{target.hub.url}/hub/api/users/{name}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            model = session.get(url, headers=headers, timeout=30).json()
            now = time.monotonic()
            server = (model.get("servers") or {}).get("")
            if server and server.get("ready"):
                return now
            if model.get("servers") == {} and not model.get("pending"):
                return None  # the spawn failed and was cleaned up
        except (requests.RequestException, ValueError):
            pass
        time.sleep(POLL)
    return None


def spawn_and_run(target: Target, name: str, wait_ready, start_gate: threading.Barrier | None = None,
                  timeout: float = 300) -> dict:
    token = target.tokens[name]
    sample = {"user": name, "ready_s": None, "kernel_s": None, "result_s": None, "error": None}
    if start_gate is not None:
        start_gate.wait()
    t0 = time.monotonic()
    sample["t0_boot"] = time.clock_gettime(time.CLOCK_BOOTTIME)
    sample["t0_wall"] = time.time()
    try:
        r = target.api("POST", f"users/{name}/server", timeout=timeout)
        sample["post_status"], sample["post_s"] = r.status_code, round(time.monotonic() - t0, 3)
        if r.status_code not in (201, 202):
            sample["error"] = f"spawn answered {r.status_code}: {r.text[:200]}"
            return sample
        ready = wait_ready(name, timeout - (time.monotonic() - t0))
        if ready is None:
            sample["error"] = "server never became ready (spawn failed or timed out)"
            return sample
        sample["ready_s"] = round(ready - t0, 3)
        headers = {"Authorization": f"token {token}"}
        base = f"{target.hub.url}/user/{name}/api"
        r = requests.post(f"{base}/kernels", headers=headers, json={"name": "python3"}, timeout=120)
        r.raise_for_status()
        sample["kernel_s"] = round(time.monotonic() - t0, 3)
        kernel_id = r.json()["id"]
        try:
            out = execute(target.hub, name, token, kernel_id, CODE, timeout=120)
        except Exception as e:
            # e.g. the kernel died while starting (jupyter_client's ZMQ port race with many
            # kernels starting at once): say so instead of only "connection lost"
            gone = requests.get(f"{base}/kernels/{kernel_id}", headers=headers, timeout=30).status_code == 404
            raise RuntimeError(f"{type(e).__name__}: {e}" + ("; the kernel died (see the server's log)"
                                                             if gone else "")) from e
        sample["result_s"] = round(time.monotonic() - t0, 3)
        sample["result"] = out["result"]
        if out["result"] != EXPECTED:
            sample["error"] = f"{CODE} gave {out}"
            sample["result_s"] = None
    except Exception as e:  # one failed spawn is a result, not the end of the benchmark
        sample["error"] = f"{type(e).__name__}: {e}"
    return sample


# -- stopping --------------------------------------------------------------


def stop_servers(target: Target, names: list[str], timeout: float = 120) -> dict:
    """DELETE every server, wait until the hub forgets them and their processes are gone."""
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, min(len(names), 20))) as pool:
        list(pool.map(lambda n: target.api("DELETE", f"users/{n}/server", timeout=timeout), names))
    wanted = set(names)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            body = target.api("GET", "users", params={"state": "active", "limit": 1000}).json()
            users = body["items"] if isinstance(body, dict) else body
            if not any(u["name"] in wanted and (u.get("servers") or u.get("pending")) for u in users):
                break
        except (requests.RequestException, ValueError, KeyError):
            pass
        time.sleep(0.25)
    uids = set(target.uids(names).values())
    while procs_of(uids) and time.monotonic() < deadline:
        time.sleep(0.25)
    killed = kill_uid_processes(uids)
    if killed:
        log(f"{target.label}: killed {killed} leftover process(es) after stopping servers")
    return {"stop_s": round(time.monotonic() - t0, 2), "leftovers_killed": killed}


def quiesce() -> None:
    """A breath between phases: the previous phase's servers are gone (stop_servers waited for
    that), let their exits and page-cache writeback finish. Other load on the machine is not
    waited for: it is measured instead (foreign_pct)."""
    time.sleep(1.0)


# -- phases ----------------------------------------------------------------


def hub_log_offset(target: Target) -> int:
    try:
        return target.hub_log().stat().st_size
    except OSError:
        return 0


START_LINE = re.compile(r"User (\S+) took ([\d.]+) seconds to start")


def hub_reported(target: Target, offset: int) -> dict[str, float]:
    """JupyterHub's own 'User X took N seconds to start' lines since `offset`."""
    try:
        with open(target.hub_log(), errors="replace") as f:
            f.seek(offset)
            text = f.read()
    except OSError:
        return {}
    return {m.group(1): float(m.group(2)) for m in START_LINE.finditer(text)}


def cpu_ticks() -> list[int]:
    with open("/proc/stat") as f:
        return [int(x) for x in f.readline().split()[1:]]


def cpu_busy(before: list[int], after: list[int]) -> dict:
    """Machine-wide CPU use between two /proc/stat samples (user..steal), in percent of all CPUs."""
    d = [b - a for a, b in zip(before, after)]
    total = sum(d[:8]) or 1
    idle = d[3] + d[4]
    return {"busy_pct": round(100 * (total - idle) / total, 1), "steal_pct": round(100 * d[7] / total, 1)}


class SchedSampler:
    """Samples /proc/PID/schedstat of the phase's accounts while it runs.

    schedstat gives, per process, the time it ran on a CPU and the time it
    sat runnable in a run queue waiting for one. Their ratio shows whether
    servers were slow because they had a lot to do or because the scheduler
    gave them little CPU (cgroup weights, CPU limits, other load).
    """

    def __init__(self, target: "Target", names: list[str], interval: float = 0.5):
        self.target, self.names, self.interval = target, names, interval
        self.uids: set[int] = set()
        self.last: dict[int, tuple[int, int, int]] = {}  # pid -> (uid, run ns, wait ns)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)
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


LISTEN_LINE = re.compile(
    r"\[I (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) ServerApp\] http://127\.0\.0\.1:\d+/user/([^/]+)/")


def listening_at(target: Target, name: str, after_wall: float) -> float | None:
    """Wall time the user's server logged 'Jupyter Server ... is running at' its URL, after `after_wall`.

    Between this and `ready` is JupyterHub's own wait_up: it polls the new
    server with exponential backoff and full jitter (up to 5 s between tries).
    """
    try:
        text = target.server_log(name).read_text(errors="replace")
    except OSError:
        return None
    for m in LISTEN_LINE.finditer(text):
        if m.group(2) != name:
            continue
        when = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
        if when >= after_wall - 0.01:
            return when
    return None


# --scale-parent-weight: emulate the suggested fix without editing CampusHub
SCALE_PARENT_WEIGHT = {"enabled": False, "path": None, "original": None}


def _parent_weight_file() -> tuple[Path, int, int]:
    backend = cgroups.detect()
    if backend.version == 1:
        return backend.mounts["cpu"] / cgroups.PARENT / "cpu.shares", 1024, 262144
    return backend.root / cgroups.PARENT / "cpu.weight", 100, 10000


def scale_parent_weight(servers: int) -> None:
    """Give CampusHub's parent cgroup the weight of `servers` ordinary process groups."""
    path, default, most = _parent_weight_file()
    path.parent.mkdir(exist_ok=True)  # as the spawner does on its first start
    if SCALE_PARENT_WEIGHT["path"] is None:
        SCALE_PARENT_WEIGHT.update(path=path, original=path.read_text().strip())
    path.write_text(str(min(most, default * max(1, servers))))


def restore_parent_weight() -> None:
    if SCALE_PARENT_WEIGHT["path"] is not None:
        try:
            backend = cgroups.detect()
            if hasattr(backend, "_share_parent"):  # CampusHub weighs the parent itself: recompute
                backend._share_parent()
            else:
                SCALE_PARENT_WEIGHT["path"].write_text(SCALE_PARENT_WEIGHT["original"])
            log(f"restored {SCALE_PARENT_WEIGHT['path']}: {SCALE_PARENT_WEIGHT['path'].read_text().strip()}")
        except (OSError, cgroups.CgroupUnavailable) as e:
            log(f"cannot restore {SCALE_PARENT_WEIGHT['path']}: {e}")


# (label, pid) of the supervisors whose root-owned process trees are "ours" besides the
# user servers: both hubs with their proxies (and `campushub up`); this process is added
LEDGER_ROOTS: list[tuple[str, int]] = []


def _role(p: psutil.Process) -> str:
    cmd = " ".join(p.cmdline())
    if "configurable-http-proxy" in cmd:
        return "proxy"
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
    d = [b - a for a, b in zip(ticks0, ticks1)]
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


def run_phase(target: Target, kind: str, names: list[str], timeout: float) -> dict:
    quiesce()
    if SCALE_PARENT_WEIGHT["enabled"] and isinstance(target, CampusTarget):
        scale_parent_weight(len(names))
    offset = hub_log_offset(target)
    load = [round(x, 2) for x in os.getloadavg()]
    infra0 = infrastructure_cpu()
    ticks = cpu_ticks()
    t0 = time.monotonic()
    with SchedSampler(target, names) as sched:
        if len(names) == 1:
            samples = [spawn_and_run(target, names[0], lambda n, t: wait_ready_single(target, n, t),
                                     timeout=timeout)]
        else:
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
        makespan = time.monotonic() - t0
    ticks1 = cpu_ticks()
    infra1 = infrastructure_cpu()
    machine_cpu = cpu_busy(ticks, ticks1)
    machine_cpu.update(foreign_cpu(ticks, ticks1, infra0, infra1,
                                   sum(d["run_s"] for d in sched.totals().values()), makespan))
    uids = target.uids(names)
    per, settle_s = settled_memory(set(uids.values()))
    throttling = {n: target.throttling(n) for n in names} if isinstance(target, CampusTarget) else {}
    waited = sched.totals()
    reported = hub_reported(target, offset)
    for s in samples:
        m = per.get(uids.get(s["user"]), {})
        s["rss_mib"] = round(m.get("rss", 0) / 2**20, 1) if m.get("procs") else None
        s["pss_mib"] = round(m.get("pss", 0) / 2**20, 1) if m.get("procs") else None
        s["procs"] = m.get("procs")
        s["cpu_s"] = round(m.get("cpu_s", 0), 2) if m.get("procs") else None
        s["sys_s"] = round(m.get("sys_s", 0), 2) if m.get("procs") else None
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


def run_round(targets: list[Target], rnd: int, args, timeout: float, results: list[dict]) -> None:
    """One round: every phase on stock, then the same phase on CampusHub.

    Alternating phase by phase (not hub by hub) keeps each pair of
    measurements seconds apart, so load from elsewhere on the machine
    drifts into both alike.
    """
    plan: list[tuple[str, dict[str, list[str]]]] = []
    new = {t.label: [t.hub_name(f"new{rnd}")] for t in targets}
    plan.append(("new", new))
    for _ in range(args.repeat):
        plan.append(("single", {t.label: [t.hub_name("00")] for t in targets}))
    if args.users > 1:
        plan.append(("many", {t.label: [t.hub_name(f"{i:02d}") for i in range(1, args.users + 1)]
                              for t in targets}))
    for t in targets:
        # stock needs the account to exist beforehand; CampusHub makes it in the spawn
        t.prepare(new[t.label], accounts=isinstance(t, StockTarget))
    for kind, names in plan:
        for t in targets:
            phase = run_phase(t, kind, names[t.label], timeout)
            phase["round"] = rnd
            results.append(phase)  # in place, so an interrupted run still reports what it measured


# -- summary ---------------------------------------------------------------

METRICS = [
    # (key, phase, field, label, unit)
    ("new_ready", "new", "ready_s", "1 new user: spawn -> ready", "s"),
    ("new_listen", "new", "listen_s", "1 new user: spawn -> server listening", "s"),
    ("new_result", "new", "result_s", "1 new user: spawn -> first result", "s"),
    ("single_ready", "single", "ready_s", "1 user: spawn -> ready", "s"),
    ("single_result", "single", "result_s", "1 user: spawn -> first result", "s"),
    ("single_exec", "single", "exec_s", "1 user: spawn -> server process exists", "s"),
    ("single_listen", "single", "listen_s", "1 user: spawn -> server listening", "s"),
    ("single_notice", "single", "notice_s", "1 user: listening -> hub sees it ready", "s"),
    ("many_ready", "many", "ready_s", "{n} users: spawn -> ready (each)", "s"),
    ("many_result", "many", "result_s", "{n} users: spawn -> first result (each)", "s"),
    ("many_exec", "many", "exec_s", "{n} users: spawn -> server process exists", "s"),
    ("many_listen", "many", "listen_s", "{n} users: spawn -> server listening", "s"),
    ("many_notice", "many", "notice_s", "{n} users: listening -> hub sees it ready", "s"),
    ("many_makespan", "many", "@makespan_s", "{n} users: all results (makespan)", "s"),
    ("idle_rss", ("single", "new"), "rss_mib", "idle server+kernel RSS (1 user)", "MiB"),
    ("idle_pss", ("single", "new"), "pss_mib", "idle server+kernel PSS (1 user)", "MiB"),
    ("many_rss", "many", "rss_mib", "idle server+kernel RSS ({n} users, each)", "MiB"),
    ("many_pss", "many", "pss_mib", "idle server+kernel PSS ({n} users, each)", "MiB"),
    ("single_cpu", ("single", "new"), "cpu_s", "CPU of server+kernel until idle (1 user)", "s"),
    ("single_sys", ("single", "new"), "sys_s", "  of which kernel-mode (system) CPU", "s"),
    ("many_cpu", "many", "cpu_s", "CPU of server+kernel until idle ({n} users, each)", "s"),
    ("single_throttled", ("single", "new"), "throttled_s", "time held back by the cgroup CPU limit (1 user)", "s"),
    ("many_throttled", "many", "throttled_s", "time held back by the cgroup CPU limit ({n} users)", "s"),
    ("single_idle_cpu", ("single", "new"), "idle_cpu_pct", "idle server+kernel CPU use (1 user)", "% core"),
    ("single_wait", ("single", "new"), "sched_wait_s", "time runnable but waiting for a CPU (1 user)", "s"),
    ("many_wait", "many", "sched_wait_s", "time runnable but waiting for a CPU ({n} users, each)", "s"),
    ("single_hubcpu", ("single", "new"), "@hub_proxy_cpu_s", "CPU of the hub + proxy for that (1 user)", "s"),
    ("many_hubcpu", "many", "@hub_proxy_cpu_s", "CPU of the hub + proxy for that ({n} users)", "s"),
    ("single_foreign", ("single", "new"), "@foreign_pct", "CPU used by other processes meanwhile (1 user)", "%"),
    ("many_foreign", "many", "@foreign_pct", "CPU used by other processes meanwhile ({n} users)", "%"),
    ("single_stop", ("single", "new"), "@stop_s", "stop 1 server until its processes are gone", "s"),
    ("many_stop", "many", "@stop_s", "stop {n} servers until their processes are gone", "s"),
]

PAIRED = [("new", "ready_s"), ("new", "listen_s"), ("new", "result_s"),
          ("single", "ready_s"), ("single", "listen_s"), ("single", "result_s"),
          ("many", "ready_s"), ("many", "listen_s"), ("many", "result_s")]


def paired_ratios(phases: list[dict]) -> dict:
    """CampusHub/stock ratio of medians for each back-to-back pair of phases, then their median.

    Each pair ran seconds apart, so this is the comparison least disturbed by
    other load on the machine; the pooled medians above mix quiet and busy minutes.
    """
    out = {}
    pairs = [(a, b) for a, b in zip(phases, phases[1:])
             if a["target"] == "stock" and b["target"] == "campushub"
             and a["phase"] == b["phase"] and a["round"] == b["round"]]
    for kind, fld in PAIRED:
        ratios = []
        for a, b in pairs:
            if a["phase"] != kind:
                continue
            va = [x[fld] for x in a["samples"] if not x["error"] and x.get(fld) is not None]
            vb = [x[fld] for x in b["samples"] if not x["error"] and x.get(fld) is not None]
            if va and vb:
                ratios.append(round(statistics.median(vb) / statistics.median(va), 3))
        if ratios:
            out[f"{kind}_{fld[:-2]}"] = {"ratios": ratios, "median": round(statistics.median(ratios), 3)}
    return out


def summarize(phases: list[dict]) -> dict:
    out: dict = {}
    for label in ("stock", "campushub"):
        mine = [p for p in phases if p["target"] == label]
        s = {}
        for key, phase, fld, _, _ in METRICS:
            kinds = phase if isinstance(phase, tuple) else (phase,)
            chosen = [p for p in mine if p["phase"] in kinds]
            if fld.startswith("@"):  # one value per phase; a makespan only when every spawn succeeded
                values = [p.get(fld[1:]) for p in chosen
                          if fld != "@makespan_s" or not any(x["error"] for x in p["samples"])]
            else:
                values = [x.get(fld) for p in chosen for x in p["samples"] if not x["error"]]
            s[key] = stats(values)
        s["failed_spawns"] = sum(1 for p in mine for x in p["samples"] if x["error"])
        out[label] = s
    out["ratio_campushub_over_stock_median"] = {
        key: round(out["campushub"][key]["median"] / out["stock"][key]["median"], 3)
        for key, *_ in METRICS
        if out["stock"].get(key) and out["campushub"].get(key) and out["stock"][key]["median"]
    }
    out["paired_ratio_campushub_over_stock"] = paired_ratios(phases)
    return out


def table(summary: dict, users: int) -> str:
    head = f"{'metric':52} {'stock med / p90 / max':>24} {'campushub med / p90 / max':>27} {'ratio':>6}"
    lines = [head, "-" * len(head)]

    def cell(s):
        if not s:
            return "-"
        return f"{s['median']:.2f} / {s['p90']:.2f} / {s['max']:.2f}"

    for key, _, _, label, unit in METRICS:
        st, ch = summary["stock"].get(key), summary["campushub"].get(key)
        ratio = summary["ratio_campushub_over_stock_median"].get(key)
        name = f"{label.format(n=users)} [{unit}]"
        lines.append(f"{name:52} {cell(st):>24} {cell(ch):>27} {ratio if ratio else '-':>6}")
    lines.append(f"{'failed spawns':52} {summary['stock']['failed_spawns']:>24} "
                 f"{summary['campushub']['failed_spawns']:>27}")
    paired = summary.get("paired_ratio_campushub_over_stock") or {}
    if paired:
        lines.append("")
        lines.append("CampusHub/stock, phase pairs run back to back (median of per-pair ratios; each pair):")
        for key, v in paired.items():
            lines.append(f"  {key:16} {v['median']:6.3f}   {' '.join(f'{r:.2f}' for r in v['ratios'])}")
    return "\n".join(lines)


# -- profile of CampusHub's spawner steps, in this process -------------------


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
        limits = cgroups.Limits(cpu=1.0, memory=2 * 1024**3, pids=1024)
        t0 = time.perf_counter()
        backend.create(name, limits)
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
    # the spawner creates accounts one at a time (_ACCOUNTS_LOCK): the last of N new users waits for all
    out["new_accounts_in_a_row"] = {"n": len(cold), "total_s": round(sum(cold), 3)}
    out["ensure_user_existing_account_ms"] = round(timeit(lambda: ensure_user(names[0]), 50) * 1e3, 3)
    for n in names:
        userdel(n)
    msg = N_("Preparing your account")
    out["progress_step_translate_ms"] = round(timeit(lambda: translate(negotiate(None, None), msg), 500) * 1e3, 4)
    out["passwd_lines"] = len(Path("/etc/passwd").read_text().splitlines())
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
    for p in prof.get("cgroup_weight_probe") or []:
        if isinstance(p, dict) and "cpu_s" in p:
            lines.append(f"  {p['n']} busy loops for {p['seconds']}s, CampusHub layout ({p['campushub_parent_weight']} "
                         f"on the parent) vs stock layout: {p['cpu_s']['campushub_like']} vs "
                         f"{p['cpu_s']['stock_like']} CPU s (ratio {p['campushub_over_stock']})")
    return "\n".join(lines)


# -- main ------------------------------------------------------------------


class Interrupted(BaseException):
    """SIGTERM/SIGINT: a BaseException, so no `except Exception` on the way swallows it."""


def _on_signal(signum, frame):
    raise Interrupted(f"signal {signum}")


def find_chp(prefix: Path) -> Path:
    try:
        from campushub.deploy.local.proxy import proxy_bin_for

        pinned = Path(proxy_bin_for(prefix / "proxy"))
        if pinned.exists():
            return pinned
    except ImportError:
        pass
    found = sorted(prefix.glob("proxy/chp-*/node_modules/.bin/configurable-http-proxy"))
    if not found:
        raise SystemExit(f"no configurable-http-proxy under {prefix}/proxy: run `campushub up` once")
    return found[-1]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=20, help="concurrent users in the `many` phase (default 20)")
    p.add_argument("--rounds", type=int, default=3, help="rounds per hub, alternating (default 3)")
    p.add_argument("--repeat", type=int, default=1, help="sequential single-user spawns per round (default 1)")
    p.add_argument("--timeout", type=float, default=300, help="seconds one spawn may take to its first result")
    p.add_argument("--json", metavar="FILE", help="also write the JSON result here")
    p.add_argument("--cpu-limit", type=float,
                   help="CampusHub's per-server CPU limit in cores (default: the site default); for diagnosis")
    p.add_argument("--scale-parent-weight", action="store_true",
                   help="diagnosis for CampusHub before 136bcbb (which weighs the parent itself): before each "
                        "CampusHub phase set the `campushub` parent cgroup's CPU weight to N x the default "
                        "for N servers (restored at the end)")
    p.add_argument("--keep-logs", metavar="DIR", help="copy the hubs' and servers' logs here before cleanup")
    p.add_argument("--no-profile", action="store_true", help="skip the spawner step profile")
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("run as root: the benchmark creates unix accounts")
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    SCALE_PARENT_WEIGHT["enabled"] = args.scale_parent_weight

    started = dt.datetime.now(dt.timezone.utc)
    workdir = Path(tempfile.mkdtemp(prefix="campushub-bench-"))
    os.chmod(workdir, 0o755)
    stock = campus = None
    phases: list[dict] = []
    result: dict = {}
    code = 1
    try:
        log(f"work dir {workdir}; starting CampusHub (`campushub up`)")
        defaults = site_defaults()
        # the site defaults (limits included) on free ports; the harness adds its account prefix
        limits = dict(defaults["limits"])
        if args.cpu_limit:
            limits["cpu"] = args.cpu_limit
        hub = Hub.create(workdir / "campushub", {"limits": limits})
        campus = CampusTarget(hub)  # before up(), so cleanup stops a half-started hub too
        t0 = time.monotonic()
        hub.up(admin=None)
        campus_start = time.monotonic() - t0
        effective = json.loads((hub.data_dir / "effective-config.json").read_text())
        # the environment the CampusHub hub really uses, so stock runs exactly the same servers
        env_dir = _env_dir_of_hub(hub) or next(Path(effective["install_prefix"], "envs").glob("py*-*"), None)
        if env_dir is None:
            raise RuntimeError("cannot find the shared user environment")
        env_dir = Path(env_dir)
        # the very binary `campushub up` runs, so both hubs use the same proxy version
        chp = _chp_from_campushub(hub) or find_chp(Path(effective["install_prefix"]))

        log("starting stock JupyterHub (`python -m jupyterhub`)")
        (workdir / "stock").mkdir()
        stock_hub = StockHub(
            workdir / "stock", free_port(), free_port(), free_port(), uuid.uuid4().hex, env_dir, chp,
            spawner={**effective["spawner"], "concurrent_spawn_limit": effective["hub"]["concurrent_spawn_limit"]},
        )
        stock = StockTarget(stock_hub)
        t0 = time.monotonic()
        stock_hub.up()
        stock_start = time.monotonic() - t0
        LEDGER_ROOTS[:] = [("campushub", hub.proc.pid), ("stock", stock_hub.proc.pid)]

        for target in (stock, campus):
            names = [target.hub_name(f"{i:02d}") for i in range(0, args.users + 1)]
            target.prepare(names)

        result = {
            "benchmark": "spawn", "date": started.isoformat(timespec="seconds"),
            "machine": machine_info(), "software": {**software_info(env_dir, chp), "campushub_git": git_revision()},
            "params": {"users": args.users, "rounds": args.rounds, "repeat": args.repeat,
                       "poll_s": POLL, "poll_many_s": POLL_MANY,
                       "code": CODE, "campushub_limits": effective["limits"],
                       "campushub_account_prefix": TEST_PREFIX,
                       "cpu_limit_override": args.cpu_limit,
                       "diagnostic_scale_parent_weight": args.scale_parent_weight},
            "hub_start_s": {"stock": round(stock_start, 2), "campushub_up": round(campus_start, 2)},
        }
        for rnd in range(1, args.rounds + 1):
            log(f"round {rnd}/{args.rounds}")
            run_round([stock, campus], rnd, args, args.timeout, phases)
        result["phases"] = phases
        result["summary"] = summarize(phases)
        if not args.no_profile:
            log("profiling CampusHub's spawner steps")
            result["profile"] = profile_spawner_steps(max(3, min(args.users, 20)))
            log("probing CPU shares: CampusHub's cgroup layout vs stock's, with busy loops")
            try:
                result["profile"]["cgroup_weight_probe"] = cgroup_probe(n=max(2, min(args.users, 10)), seconds=5)
            except (cgroups.CgroupUnavailable, OSError) as e:
                result["profile"]["cgroup_weight_probe"] = {"error": str(e)}
        result["finished"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        code = 0
    except Interrupted as e:
        log(f"interrupted ({e}); cleaning up")
        code = 130
    except Exception:
        traceback.print_exc()
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if args.keep_logs:
            keep_logs(workdir, Path(args.keep_logs))
        restore_parent_weight()
        cleanup(stock, campus, workdir)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if phases and "summary" not in result:
        result["phases"] = phases
        result["summary"] = summarize(phases)
        result["incomplete"] = True
    if result.get("summary"):
        text = table(result["summary"], args.users)
        if result.get("profile"):
            text += "\n\n" + profile_text(result["profile"])
        if args.scale_parent_weight or args.cpu_limit:
            text = ("DIAGNOSTIC RUN (not CampusHub as shipped): "
                    + ("parent cgroup CPU weight scaled to the number of servers; " if args.scale_parent_weight else "")
                    + (f"CPU limit {args.cpu_limit} cores; " if args.cpu_limit else "") + "\n" + text)
        print(text)
        print()
        print(json.dumps(result, indent=1))
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
            log(f"wrote {args.json}")
    return code


def _chp_from_campushub(hub: Hub) -> Path | None:
    from campushub.deploy.local import processes
    from campushub.deploy.local.layout import Layout

    pid = processes.read_pid(Layout(hub.data_dir), "proxy")
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if pid else []
    except OSError:
        return None
    for arg in args:
        if arg.endswith(b"configurable-http-proxy"):
            return Path(arg.decode())
    return None


def git_revision() -> dict:
    def git(*a):
        r = subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else None

    return {"commit": git("rev-parse", "HEAD"),
            "campushub_modified": bool(git("status", "--porcelain", "--", "campushub"))}


def _env_dir_of_hub(hub: Hub) -> str | None:
    """The env the CampusHub hub really uses (CAMPUSHUB_ENV_DIR of its process)."""
    from campushub.deploy.local import processes
    from campushub.deploy.local.layout import Layout

    pid = processes.read_pid(Layout(hub.data_dir), "hub")
    if not pid:
        return None
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for item in env:
        if item.startswith(b"CAMPUSHUB_ENV_DIR="):
            return item.split(b"=", 1)[1].decode()
    return None


def keep_logs(workdir: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for src, name in ((workdir / "campushub" / "data" / "logs", "campushub"),
                      (workdir / "campushub" / "up.out", "campushub-up.out"),
                      (workdir / "stock" / "jupyterhub.log", "stock-jupyterhub.log")):
        try:
            if src.is_dir():
                shutil.copytree(src, dest / name, dirs_exist_ok=True)
            elif src.exists():
                shutil.copy2(src, dest / name)
        except OSError as e:
            log(f"cannot keep {src}: {e}")


def cleanup(stock: StockTarget | None, campus: CampusTarget | None, workdir: Path) -> None:
    log("cleaning up: hubs, servers, accounts, cgroups, temp dirs")
    for step in (
        lambda: stock and stock.hub.down(),
        lambda: campus and campus.hub.proc and campus.hub.proc.poll() is None and campus.hub.down("--stop-servers"),
    ):
        try:
            step()
        except Exception as e:
            log(f"cleanup: {type(e).__name__}: {e}")
    # accounts: ours only (stock prefix; CampusHub's are under this process's harness prefix)
    ours = [line.split(":", 1)[0] for line in Path("/etc/passwd").read_text().splitlines()]
    ours = [n for n in ours if n.startswith(STOCK_PREFIX) or n.startswith(TEST_PREFIX)]
    for name in ours:
        userdel(name)
    for ctrl in ("memory", "cpu", "cpuacct", "pids", "unified", ""):
        base = Path("/sys/fs/cgroup", ctrl, cgroups.PARENT)
        for d in base.glob(f"{TEST_PREFIX}*") if base.is_dir() else []:
            try:
                d.rmdir()
            except OSError as e:
                log(f"cleanup: cannot remove cgroup {d}: {e}")
    try:
        backend = cgroups.detect()
        if hasattr(backend, "_share_parent"):
            backend._share_parent()  # CampusHub weighs the parent by its children: count again without ours
    except (cgroups.CgroupUnavailable, OSError):
        pass
    shutil.rmtree(workdir, ignore_errors=True)
    log(f"cleanup done ({len(ours)} accounts removed)")


if __name__ == "__main__":
    sys.exit(main())
