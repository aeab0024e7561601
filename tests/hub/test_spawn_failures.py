"""Spawns that fail, and a proxy that dies, as learners meet them.

Stock JupyterHub 6.1.1 answers a server dying while it starts with a bare
500 (InvalidStateError) on the API and a long, vague wait in the browser,
and leaves running servers unreachable for minutes after a proxy restart.
"""

import os
import signal

import pytest
import requests

from ..conftest import make_user, spawn
from ..harness import Browserless, Hub, progress_events, wait_for


@pytest.fixture(scope="module")
def tiny_hub(tmp_path_factory):
    """A hub whose memory limit is too small for a server to start. On the
    exec path, that is: a forked server shares the fork server's pages and
    starts within the smallest limit (64M), so this hub starts by exec."""
    h = Hub.create(tmp_path_factory.mktemp("tiny"), {"limits": {"memory": "64M"},
                                                     "spawner": {"fork_server": False}})
    h.up()
    yield h
    h.down("--stop-servers")


def test_api_start_of_a_server_that_dies_says_why(tiny_hub):
    admin = Browserless(tiny_hub, "admin", tiny_hub.admin_password)
    assert admin.login().status_code == 302
    make_user(tiny_hub, admin, "dora")
    r = tiny_hub.api("POST", "users/dora/server")
    assert r.status_code >= 400
    message = r.json()["message"]
    assert "Internal Server Error" not in message
    assert "memory" in message and "64 MiB" in message, message
    log = (tiny_hub.data_dir / "logs" / "hub.log").read_text()
    assert "InvalidStateError" not in log


def test_browser_spawn_of_a_server_that_dies_shows_the_failure_promptly(tiny_hub):
    admin = Browserless(tiny_hub, "admin", tiny_hub.admin_password)
    assert admin.login().status_code == 302
    user = make_user(tiny_hub, admin, "emil")
    user.session.headers["Accept-Language"] = "ja"
    r = user.session.get(f"{tiny_hub.url}/hub/spawn/emil", timeout=60)
    assert r.status_code == 200
    events = progress_events(tiny_hub, user, "emil", timeout=60)
    failed = events[-1]
    assert failed.get("failed"), events
    assert "メモリ上限" in failed["message"], failed
    page = user.session.get(f"{tiny_hub.url}/hub/spawn-pending/emil", timeout=30)
    page.encoding = "utf-8"
    assert "メモリ上限" in page.text
    assert "InvalidStateError" not in (tiny_hub.data_dir / "logs" / "hub.log").read_text()


def test_a_dead_proxy_comes_back_with_its_routes(hub, alice):
    spawn(hub, alice)
    token = hub.user_token("alice")
    pid = int((hub.data_dir / "run" / "proxy.pid").read_text().split()[0])  # "PID STARTTIME"
    os.kill(pid, signal.SIGKILL)

    def routed():
        r = requests.get(f"{hub.url}/user/alice/api", headers={"Authorization": f"token {token}"},
                         allow_redirects=False, timeout=5)
        return r.status_code == 200 and "version" in r.json()

    # `up` restarts the proxy and the hub puts the route back within seconds,
    # not after stock JupyterHub's five-minute check
    wait_for(routed, 45, "alice's server to be reachable through a new proxy")
    assert int((hub.data_dir / "run" / "proxy.pid").read_text().split()[0]) != pid
