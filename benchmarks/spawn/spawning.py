"""One spawn, timed from the POST to the first execution result; and stopping servers."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.harness import execute

from .accounts import kill_uid_processes, procs_of
from .background import Background
from .common import CODE, EXPECTED, POLL, POLL_MANY, log
from .targets import Target


class ReadyPoller(Background):
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
        self._start_thread()

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
            # the kernel may have died while starting: say so instead of only "connection lost"
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
