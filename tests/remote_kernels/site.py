"""A real hub with remote kernels on (`campushub up`, which runs the
remote-kernels front beside the hub), a real Enterprise Gateway
(deploy/local/remote_kernels/gateway.py, its own venv from gateway.lock) and
people made through the hub's REST API, with their unix accounts:

    alice, bob   in the group rk (remote_kernels.groups)   carol   in none

Profiles: small (everyone in rk), staff (only the group staff), gpu (one GPU,
which no policy here allows)."""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests
import websocket

from campushub.deploy.local import processes
from campushub.deploy.local.layout import Layout
from campushub.deploy.local.spawner.unix_users import ensure_user, unix_name

from ..harness import TEST_PREFIX, Hub, add_people, running

SERVICE = "/services/remote-kernels/"
PEOPLE = {"alice": "rk", "bob": "rk", "carol": None}
CONFIG = {
    "profiles": {"small": {"display_name": "Small", "cpu": 1, "memory": "256M"},
                 "staff": {"cpu": 1, "memory": "256M", "groups": ["staff"]},
                 "gpu": {"cpu": 1, "memory": "256M", "gpus": 1}},
    "policies": {"default": {"memory": {"min": "128M"}}},
}


@dataclass
class Site:
    hub: Hub
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def layout(self) -> Layout:
        return Layout(self.hub.data_dir)

    @property
    def config(self) -> dict:
        return json.loads(self.layout.config_copy.read_text())

    @property
    def front(self) -> str:
        """Where user servers reach it (CAMPUSHUB_GATEWAY_URL): straight at its port."""
        return f"http://127.0.0.1:{self.config['remote_kernels']['port']}{SERVICE}"

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.config['remote_kernels']['gateway_port']}"

    def call(self, who: str | None, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if who:
            headers["Authorization"] = f"token {self.tokens.get(who, who)}"
        return requests.request(method, self.front + path, headers=headers, timeout=120, **kwargs)

    def eg_kernels(self) -> list[str]:
        """The ids of every kernel EG has, asked with its own token."""
        token = self.layout.service_token("gateway").read_text().strip()
        r = requests.get(self.gateway + "/api/kernels", headers={"Authorization": f"token {token}"}, timeout=30)
        r.raise_for_status()
        return sorted(k["id"] for k in r.json())

    def start(self, who: str, name: str = "campushub-small", env: dict | None = None) -> str:
        r = self.call(who, "POST", "api/kernels", json={"name": name, "env": env or {}})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def channels(self, who: str, kernel_id: str, timeout: float = 60) -> websocket.WebSocket:
        url = self.front.replace("http", "ws", 1) + f"api/kernels/{kernel_id}/channels"
        return websocket.create_connection(url, header=[f"Authorization: token {self.tokens[who]}"],
                                           timeout=timeout)

    def execute(self, who: str, kernel_id: str, code: str, timeout: float = 90) -> str:
        """Run `code` over the front's websocket; its stdout."""
        ws = self.channels(who, kernel_id, timeout)
        msg_id = uuid.uuid4().hex
        try:
            ws.send(json.dumps({
                "header": {"msg_id": msg_id, "username": who, "session": uuid.uuid4().hex,
                           "msg_type": "execute_request", "version": "5.3"},
                "parent_header": {}, "metadata": {}, "channel": "shell",
                "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                            "allow_stdin": False}}))
            out = ""
            while True:
                msg = json.loads(ws.recv())
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["header"]["msg_type"]
                if kind == "stream":
                    out += msg["content"]["text"]
                elif kind == "error":
                    raise AssertionError(f"{code!r} failed: {msg['content']['ename']}")
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    return out
        finally:
            ws.close()


@contextlib.contextmanager
def remote_kernels_site(workdir: Path):
    # gateway_port left null: `up` picks a privileged one, as on a site
    config = {**CONFIG, "remote_kernels": {"enabled": True, "groups": ["rk"], "cull_idle_minutes": 1,
                                           "max_kernels_per_person": 3}}
    hub = Hub.create(workdir, config, servers=False)
    with running(hub):
        site = Site(hub)
        for name, group in PEOPLE.items():
            add_people(hub, {name: group})
            # the account a first server start makes (the launcher runs kernels only as people's accounts)
            ensure_user(unix_name(name, TEST_PREFIX), site.config["spawner"]["home_root"], owner=name)
            site.tokens[name] = hub.user_token(name)
        with gateway(site):
            yield site


@contextlib.contextmanager
def gateway(site: Site):
    """EG as `up` runs it (started here unless `up` runs it already; then this is a no-op)."""
    from campushub.deploy.local.remote_kernels import gateway as eg
    from campushub.deploy.local.remote_kernels.venv import ensure_gateway_env

    config, layout = site.config, site.layout
    proc = eg.start(config, layout, ensure_gateway_env(config))
    try:
        eg.wait(config, layout, proc)
        yield
    finally:
        if proc is not None:
            processes.stop(layout, eg.NAME)
