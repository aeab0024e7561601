"""A real CampusHub for tests: `campushub up` in a subprocess, on free ports, in a temp data dir.

Everything is real: configurable-http-proxy, JupyterHub, unix accounts,
cgroups, the shared user environment. Test accounts use their own prefix so
teardown can remove exactly what the tests created.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests
import urllib3
import websocket

from campushub.deploy.local.retention_homes import processes_of

from .processes import site_processes  # noqa: F401  (tests import it from the harness)

# Unique per pytest process, so concurrent runs (a developer's and a
# benchmark's) never remove each other's accounts.
TEST_PREFIX = f"cht{os.getpid() % 100000:05d}-"
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
# HTTPS test hubs use a self-signed certificate made by the tests.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A free port below the kernel's ephemeral range. A port from bind(0) is in that range,
    where every outgoing connection and every user server (JupyterHub's random_port) also
    gets one: between the pick and a later `up` another process could take it (a CI run
    lost a site's hub.port that way). Ports handed out here are not handed out twice."""
    low = _ephemeral_low()
    share, shares = _worker_share()
    candidates = [p for p in range(max(10000, low - 12000), low) if p % shares == share and p not in _HANDED_OUT]
    random.shuffle(candidates)  # two test runs on one machine rarely try the same one
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    with socket.socket() as s:  # an ephemeral range that starts low: the old way
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker_share() -> tuple[int, int]:
    """(this pytest-xdist worker's index, the number of workers); (0, 1) without xdist. Each worker
    hands out its own residue class of ports: otherwise both could find one port free, both hand it
    out, and the site binding it second would fail to start."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    try:
        return int(worker.removeprefix("gw")), max(1, int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))
    except (KeyError, ValueError):
        return 0, 1


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


class Repeating:
    """Someone doing something every `every` seconds in a background thread while a
    `with` block runs (saving a file, polling an app): subclasses define step()."""

    every = 3.0

    def __init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def step(self) -> None:
        raise NotImplementedError

    def _run(self):
        while not self._stop.is_set():
            self.step()
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(60)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    """Poll `predicate` until it returns something truthy; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except AssertionError:
            raise  # the predicate found a failure that waiting cannot fix
        except Exception as e:  # the thing polled may not exist yet
            last_error = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last_error!r})")


def campushub(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "campushub", *args], capture_output=True, text=True, **kwargs)


@contextlib.contextmanager
def running(hub: Hub, prefix: str = TEST_PREFIX, **up):
    """`hub` up for the with-block, then down with its servers; its test accounts
    removed before and after, so a crashed earlier run cannot get in the way."""
    hub.cleanup_accounts(prefix)
    try:
        hub.up(**up)
        yield hub
    finally:
        if hub.proc and hub.proc.poll() is None:
            hub.down("--stop-servers")
        hub.cleanup_accounts(prefix)


@dataclass
class Hub:
    workdir: Path
    config_file: Path
    port: int
    hub_port: int
    api_token: str
    proc: subprocess.Popen | None = None
    admin_password: str = ""
    scheme: str = "http"
    output: Path = field(init=False)

    def __post_init__(self):
        self.output = self.workdir / "up.out"

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @classmethod
    def create(cls, workdir: Path, overrides: dict | None = None, servers: bool = True) -> Hub:
        """A config on free ports; `overrides` is merged into it (e.g. {"hub": {"db_url": ...}}).
        servers=False: its tests start no server, so no fork server is warmed (5-8 s of each up)."""
        from campushub.config import merge

        workdir.mkdir(parents=True, exist_ok=True)
        port, hub_port, api_port = free_port(), free_port(), free_port()
        config = {
            "data_dir": str(workdir / "data"),
            "hub": {"ip": "127.0.0.1", "port": port, "hub_port": hub_port, "proxy_api_port": api_port},
            "spawner": {"user_prefix": TEST_PREFIX, "start_timeout": 120},
            "limits": {"cpu": 1, "memory": "512M", "pids": 512},
            # On by default on a site, off here unless `overrides` turns it on (the hubs of its tests):
            # its service costs every other hub's up and down ~2 s, and each server its recorder.
            "analytics": {"enabled": False},
            # likewise the projects page's service (tests/projects/web turn it on)
            "projects": {"enabled": False},
            # and the help portal: its build and service (tests/help turn them on)
            "help": {"enabled": False},
        }
        config_file = workdir / "campushub.yaml"
        config = merge(config, overrides or {})
        if not servers:
            config["spawner"]["fork_server"] = False
        config_file.write_text(json.dumps(config, indent=1))  # JSON is YAML
        scheme = "https" if config["hub"].get("https", {}).get("cert") else "http"
        return cls(workdir, config_file, port, hub_port, api_token=uuid.uuid4().hex, scheme=scheme)

    def up(self, admin: str | None = "admin", timeout: float = 900) -> None:
        env = {**os.environ, "CAMPUSHUB_API_TOKEN": self.api_token, "TERM": "dumb", "COLUMNS": "200"}
        args = [sys.executable, "-m", "campushub", "up", "--config", str(self.config_file)]
        if admin:
            args += ["--admin", admin]
        out = open(self.output, "a")
        self._offset = out.tell()
        self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        out.close()
        wait_for(self._ready, timeout, "campushub up to report the hub running")
        match = re.search(r"One-time password: (\S+)", self._new_output())
        if match:
            self.admin_password = match.group(1)

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"campushub up exited {self.proc.returncode}:\n{self.output.read_text()}")
        return "CampusHub is running at" in self._new_output()

    def _new_output(self) -> str:
        with open(self.output) as f:
            f.seek(self._offset)
            return f.read()

    def down(self, *extra: str) -> subprocess.CompletedProcess:
        result = campushub("down", "--data-dir", str(self.data_dir), *extra)
        if self.proc:
            wait_for(lambda: self.proc.poll() is not None, 60, "campushub up to exit")
        return result

    # -- REST API as the automation service --------------------------------

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(
            method, f"{self.url}/hub/api/{path}",
            headers={"Authorization": f"token {self.api_token}"}, timeout=30, verify=False, **kwargs,
        )

    def server_ready(self, user: str, server: str = "") -> bool:
        model = self.api("GET", f"users/{user}").json()
        s = model.get("servers", {}).get(server)
        return bool(s and s.get("ready"))

    def user_token(self, user: str) -> str:
        r = self.api("POST", f"users/{user}/tokens", json={"note": "tests", "expires_in": 3600})
        r.raise_for_status()
        return r.json()["token"]

    def cleanup_accounts(self, prefix: str = TEST_PREFIX) -> None:
        """Remove test accounts; a module's own hub passes its own user_prefix."""
        for line in Path("/etc/passwd").read_text().splitlines():
            name = line.split(":", 1)[0]
            if name.startswith(prefix):
                subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
                # userdel frees the uid for the next useradd: a process of this account still dying then
                # counts as the next account's (retention's busy check saw "2 processes" of a new one)
                uid = pwd.getpwnam(name).pw_uid
                wait_for(lambda uid=uid: processes_of(uid) == 0, 30, f"the processes of {name} to end")
                subprocess.run(["userdel", "--remove", name], capture_output=True)


class Browserless:
    """A user driving the hub's HTML forms with requests, as a browser would."""

    def __init__(self, hub: Hub, name: str, password: str):
        self.hub, self.name, self.password = hub, name, password
        self.session = requests.Session()

    def _xsrf(self, path: str) -> str:
        r = self.session.get(self.hub.url + path, timeout=30)
        r.raise_for_status()
        return self.session.cookies.get("_xsrf", path="/hub/") or self.session.cookies.get("_xsrf")

    def signup(self) -> requests.Response:
        xsrf = self._xsrf("/hub/signup")
        data = {"username": self.name, "signup_password": self.password,
                "signup_password_confirmation": self.password, "_xsrf": xsrf}
        return self.session.post(self.hub.url + "/hub/signup", data=data, timeout=30)

    def login(self) -> requests.Response:
        xsrf = self._xsrf("/hub/login")
        data = {"username": self.name, "password": self.password, "_xsrf": xsrf}
        return self.session.post(self.hub.url + "/hub/login?next=", data=data, timeout=30, allow_redirects=False)


def run_code(hub: Hub, user: str, token: str, code: str, timeout: float = 60) -> dict:
    """Start a kernel through the user's REST API and run `code` over the websocket.

    Returns {"result": text/plain or None, "stream": text, "error": ename or None, "kernel_id": id}.
    """
    base = f"{hub.url}/user/{user}/api"
    headers = {"Authorization": f"token {token}"}
    r = requests.post(f"{base}/kernels", headers=headers, json={"name": "python3"}, timeout=60)
    r.raise_for_status()
    kernel_id = r.json()["id"]
    return dict(execute(hub, user, token, kernel_id, code, timeout), kernel_id=kernel_id)


def execute(hub: Hub, user: str, token: str, kernel_id: str, code: str, timeout: float = 60,
            metadata: dict | None = None) -> dict:
    """`metadata`: the execute_request's, as a frontend sends it (JupyterLab: {"cellId": ...})."""
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{hub.port}/user/{user}/api/kernels/{kernel_id}/channels",
        header=[f"Authorization: token {token}"], timeout=timeout,
    )
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": user, "session": uuid.uuid4().hex,
                   "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": metadata or {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False},
    }))
    out = {"result": None, "stream": "", "error": None, "status": None}
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            kind = msg["header"]["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] in ("restarting", "dead", "autorestarting"):
                out["status"] = msg["content"]["execution_state"]
                return out
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if kind == "execute_result":
                out["result"] = msg["content"]["data"].get("text/plain")
            elif kind == "stream":
                out["stream"] += msg["content"]["text"]
            elif kind == "error":
                out["error"] = msg["content"]["ename"]
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                return out
    finally:
        ws.close()
    raise AssertionError(f"no reply to {code!r} within {timeout}s; got {out}")


def save_artifact(name: str, data: bytes | str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def progress_events(hub, user, name, timeout, on_event=None):
    """Read the spawn progress event stream to its end, as the spawn page does
    (on_event(event) is called on each, as it comes)."""
    url = f"{hub.url}/hub/api/users/{name}/server/progress"
    # the hub's own token: once the server is up its /user/NAME/ path sets a second _xsrf cookie
    xsrf = user.session.cookies.get("_xsrf", path="/hub/")
    events = []
    with user.session.get(url, stream=True, timeout=timeout, headers={"X-XSRFToken": xsrf or ""}) as r:
        assert r.status_code == 200, r.text
        for line in r.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                events.append(json.loads(line[5:]))
                if on_event is not None:
                    on_event(events[-1])
                if events[-1].get("failed") or events[-1].get("ready"):
                    break
    return events


def add_people(hub: Hub, people: dict[str, str | None]) -> None:
    """Hub users made through the REST API (their unix accounts come with their first server), each put in
    their group (None: in none), the group made when missing: a course's people as the groups name them."""
    for name, group in people.items():
        assert hub.api("POST", f"users/{name}").status_code in (201, 409)
        if group:
            if hub.api("GET", f"groups/{group}").status_code == 404:
                assert hub.api("POST", f"groups/{group}").status_code == 201
            r = hub.api("POST", f"groups/{group}/users", json={"users": [name]})
            assert r.status_code == 200, r.text


def server_environ(hub: Hub, user: str) -> dict[str, str]:
    """The environment `user`'s server runs with, as its kernels get it (a
    forked server's /proc/PID/environ is the fork server's initial one)."""
    out = run_code(hub, user, hub.user_token(user), "import json, os; print(json.dumps(dict(os.environ)))")
    return json.loads(out["stream"])
