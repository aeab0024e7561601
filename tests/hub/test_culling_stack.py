"""Idle culling on a real hub (proxy, unix accounts, servers, the hub's own
jupyterhub-idle-culler service with our hook) with a 30 s timeout checked
every 10 s, five servers side by side: an idle learner's is stopped within
timeout + interval of its last activity, and so is one whose open tab only
polls it through the proxy (reading is not activity); kept meanwhile are a
server in use through the proxy (a file saved every few seconds), an
analyst's (their group's timeout is an hour) and an admin's (cull_admins:
false)."""

from __future__ import annotations

import time

import pytest
import requests

from campushub.config import validate
from campushub.config.culling import activity_interval

from ..harness import Hub, Repeating, add_people, running, wait_for

CULLING = {"timeout": 30, "interval": 10, "warning": 10, "cull_admins": False,
           "groups": {"analysts": {"timeout": 3600}}}
TIMEOUT, INTERVAL = CULLING["timeout"], CULLING["interval"]
# how late the hub may learn of a server's activity (servers report this often)
REPORT = activity_interval(validate({"culling": CULLING}))
STOPPING = 30  # what a stop itself may take on a busy machine
PEOPLE = {"idle": None, "reader": None, "busy": None, "ana": "analysts"}  # and "admin", made by `up --admin`


@pytest.fixture(scope="module")
def cull_hub(tmp_path_factory):
    with running(Hub.create(tmp_path_factory.mktemp("culling"), {"culling": CULLING})) as h:
        yield h


def _server(hub: Hub, name: str) -> dict | None:
    return hub.api("GET", f"users/{name}").json().get("servers", {}).get("")


def _log(hub: Hub) -> str:
    log = hub.data_dir / "logs" / "hub.log"
    text = log.read_text(errors="replace") if log.exists() else hub.output.read_text(errors="replace")
    return "\n".join(line for line in text.splitlines()[-400:] if "cull" in line.lower())


class Working(Repeating):
    """Someone saving a file on their server through the proxy every few
    seconds; or, reading, only polling it as an open JupyterLab tab does."""

    def __init__(self, hub: Hub, name: str, reading: bool = False):
        self.url = f"{hub.url}/user/{name}/api/contents/" + ("" if reading else "still-working.txt")
        self.reading = reading
        self.headers = {"Authorization": f"token {hub.user_token(name)}"}
        self.saves, self.failures = 0, []
        super().__init__()

    def step(self):
        try:
            if self.reading:
                r = requests.get(self.url, headers=self.headers, timeout=30)
            else:
                r = requests.put(self.url, headers=self.headers, timeout=30,
                                 json={"type": "file", "format": "text", "content": f"save {self.saves}"})
            if r.status_code in (200, 201):
                self.saves += 1
            else:
                self.failures.append(r.status_code)
        except requests.RequestException as e:
            self.failures.append(repr(e))


def test_idle_servers_are_culled_and_servers_in_use_analysts_and_admins_kept(cull_hub):
    hub = cull_hub
    add_people(hub, PEOPLE)
    names = ["busy", "ana", "admin", "idle", "reader"]
    requested = {}
    for name in names:
        requested[name] = time.monotonic()
        r = hub.api("POST", f"users/{name}/server")
        assert r.status_code in (201, 202), r.text
    ready = {}

    def all_ready():
        for name in names:
            if name not in ready and (_server(hub, name) or {}).get("ready"):
                ready[name] = time.monotonic()
        return len(ready) == len(names)

    wait_for(all_ready, 300, "the five servers to be ready")
    with Working(hub, "busy") as busy, Working(hub, "reader", reading=True) as reader:
        # the idle servers: their last activity is at the latest when they were ready
        for name in ("idle", "reader"):
            wait_for(lambda name=name: _server(hub, name) is None,
                     ready[name] - time.monotonic() + TIMEOUT + INTERVAL + REPORT + STOPPING,
                     f"{name}'s server to be culled; culler's log:\n{_log(hub)}")
        culled = time.monotonic()
        assert culled - requested["idle"] >= TIMEOUT, "culled before it had been idle for the timeout"
        # two more rounds after the others would have met the site's timeout: they are still running
        until = max(ready.values()) + TIMEOUT + REPORT + 2 * INTERVAL

        def kept_until_then():
            for name in ("busy", "ana", "admin"):
                assert (_server(hub, name) or {}).get("ready"), f"{name}'s server was culled:\n{_log(hub)}"
            return time.monotonic() >= until

        wait_for(kept_until_then, until - time.monotonic() + 60, "the other servers to outlast two rounds",
                 interval=1)
    assert busy.saves >= 10 and not busy.failures, (busy.saves, busy.failures)
    assert reader.saves >= 5  # it did poll its server until the server stopped
    model = hub.api("GET", "users/idle").json()
    assert model["servers"] == {} and model["name"] == "idle"  # the user stays; only the server stopped
