"""A real Jupyter Enterprise Gateway for tests, as `campushub up` runs it
(deploy/local/remote_kernels/gateway.py): its own venv (built once in the
install prefix), kernelspecs generated from the profiles, the root kernel
launcher, real unix accounts. No hub: tests that need one start it as usual.

    with Gateway.start(tmp_path, {"profiles": {...}}, people=["alice"], idle=5) as gw:
        kernel = gw.start_kernel("alice", "campushub-small")
        gw.execute(kernel, "import os; os.getuid()")["result"]

`Gateway.start(` in a fixture or module marks its tests `stack` (tests/tiers.py).
"""

from __future__ import annotations

import contextlib
import json
import pwd
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
import websocket

from campushub.config import merge, validate
from campushub.deploy.local import processes
from campushub.deploy.local.environments import ensure_environments
from campushub.deploy.local.layout import Layout
from campushub.deploy.local.remote_kernels import gateway, venv
from campushub.deploy.local.retention_homes import processes_of
from campushub.deploy.local.spawner.unix_users import ensure_user, unix_name

from .harness import TEST_PREFIX, free_port, wait_for

PROFILES = {"small": {"display_name": "Small (1 CPU, 256 MiB)", "cpu": 1, "memory": "256M"}}


@dataclass
class Gateway:
    config: dict
    layout: Layout
    env_dir: Path
    idle: int | None
    proc: subprocess.Popen | None = None

    @classmethod
    @contextlib.contextmanager
    def start(cls, workdir: Path, overrides: dict | None = None, people: tuple[str, ...] = (), idle: int | None = None):
        """EG up for the with-block on a free port, with `people` (hub names) given unix accounts
        (TEST_PREFIX + name); idle: seconds before EG culls an idle kernel (None: the config's minutes).
        Afterwards every kernel is stopped, EG too, and the accounts removed."""
        base = {"data_dir": str(workdir / "data"), "spawner": {"user_prefix": TEST_PREFIX},
                "profiles": PROFILES, "remote_kernels": {"enabled": True, "gateway_port": free_port()}}
        config = validate(merge(base, overrides or {}), path="test")
        layout = Layout(Path(config["data_dir"]))
        layout.ensure()
        layout.config_copy.write_text(json.dumps(config, indent=1))
        ensure_environments(config)
        self = cls(config, layout, venv.ensure_gateway_env(config), idle)
        try:
            for person in people:
                self.add_person(person)
            self.proc = gateway.start(config, layout, self.env_dir, idle)
            gateway.wait(config, layout, self.proc)
            yield self
        finally:
            self.stop_kernels()
            processes.stop(layout, gateway.NAME)
            remove_accounts(people, config)

    # -- people --------------------------------------------------------------

    def account(self, person: str) -> pwd.struct_passwd:
        return pwd.getpwnam(unix_name(person, self.config["spawner"]["user_prefix"]))

    def add_person(self, person: str) -> pwd.struct_passwd:
        name = unix_name(person, self.config["spawner"]["user_prefix"])
        return ensure_user(name, self.config["spawner"]["home_root"], owner=person)

    # -- EG's REST API, with its token (what the front does) -----------------

    @property
    def url(self) -> str:
        return gateway.gateway_url(self.config)

    @property
    def token(self) -> str:
        return gateway.gateway_token(self.layout)

    def request(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.token if token is None else token}"}
        return requests.request(method, f"{self.url}/{path.lstrip('/')}", headers=headers, timeout=60, **kwargs)

    def start_kernel(self, person: str, kernelspec: str = "campushub-small", env: dict | None = None) -> str:
        """A kernel as the front starts one for `person`; its id (AssertionError with EG's answer otherwise)."""
        body = {"name": kernelspec, "env": {"KERNEL_USERNAME": person, **(env or {})}}
        r = self.request("POST", "api/kernels", json=body)
        assert r.status_code == 201, f"EG refused the kernel: {r.status_code} {r.text[:500]}"
        return r.json()["id"]

    def kernel_ids(self) -> list[str]:
        r = self.request("GET", "api/kernels")
        r.raise_for_status()
        return [k["id"] for k in r.json()]

    def execute(self, kernel_id: str, code: str, timeout: float = 60, out: dict | None = None) -> dict:
        """Run code over EG's websocket: {"result": text/plain|None, "stream": text, "error": ename|None}.
        out: a dict filled as replies come (another thread may watch the stream grow)."""
        ws = websocket.create_connection(f"ws://127.0.0.1:{self.config['remote_kernels']['gateway_port']}"
                                         f"/api/kernels/{kernel_id}/channels",
                                         header=[f"Authorization: token {self.token}"], timeout=timeout)
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False}}))
        out = out if out is not None else {}
        out.update({"result": None, "stream": "", "error": None})
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                # short reads: EG's websocket pings (every 30 s) would restart one long read's timeout for ever
                ws.settimeout(max(0.1, min(5.0, deadline - time.monotonic())))
                try:
                    msg = json.loads(ws.recv())
                except websocket.WebSocketTimeoutException:
                    continue
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["header"]["msg_type"]
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

    # -- lifecycle -------------------------------------------------------------

    def restart(self) -> None:
        """Stop EG (its kernels keep running) and start it again: it takes them back."""
        processes.stop(self.layout, gateway.NAME)
        self.proc = gateway.start(self.config, self.layout, self.env_dir, self.idle)
        gateway.wait(self.config, self.layout, self.proc)

    def stop_kernels(self) -> None:
        if not processes.read_pid(self.layout, gateway.NAME):
            return
        with contextlib.suppress(requests.RequestException):
            for kernel_id in self.kernel_ids():
                self.request("DELETE", f"api/kernels/{kernel_id}")


def remove_accounts(people, config: dict) -> None:
    for person in people:
        name = unix_name(person, config["spawner"]["user_prefix"])
        try:
            uid = pwd.getpwnam(name).pw_uid
        except KeyError:
            continue
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        wait_for(lambda uid=uid: processes_of(uid) == 0, 30, f"the processes of {name} to end")
        subprocess.run(["userdel", "--remove", name], capture_output=True)
