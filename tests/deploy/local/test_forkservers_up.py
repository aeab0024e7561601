"""The real `campushub up` and its fork server: started before the hub takes
spawns, servers forked from it, restarted when it dies, replaced when its
environment changes while servers keep running, and gone after `down`
while the servers are not. (With the fork server turned off `up` runs none:
the exec path of the spawner tests, test_fork_path.py, checks that on its hub.)

The tests run in order on one site, as an operator's day would go.
"""

from __future__ import annotations

import json
import os
import pwd
import signal

import pytest
import requests

from campushub.deploy.local.spawner.unix_users import unix_name
from campushub.deploy.local.userenv import MARKER

from ...harness import TEST_PREFIX, Hub, campushub, running, wait_for
from ...processes import live_processes

PREFIX = TEST_PREFIX + "u"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    hub = Hub.create(tmp_path_factory.mktemp("forkservers-up"), {"spawner": {"user_prefix": PREFIX}})
    with running(hub, PREFIX, admin=None) as h:
        yield h


def _fork_servers(hub: Hub) -> list[dict]:
    result = campushub("status", "--data-dir", str(hub.data_dir), "--json")
    return json.loads(result.stdout)["fork_servers"]


def _running(hub: Hub) -> dict | None:
    found = [f for f in _fork_servers(hub) if f["state"] == "running"]
    return found[0] if len(found) == 1 else None


def _processes(needle: bytes) -> list[int]:
    """Live processes whose command line holds `needle`."""
    return live_processes(lambda env, cmdline: needle in cmdline)


def _status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as f:
        return dict(line.split(":\t", 1) for line in f.read().splitlines() if ":\t" in line)


def _alive(pid: int) -> bool:
    try:
        return _status(pid)["State"][0] not in "ZX"
    except OSError:
        return False


def _server_pid(name: str) -> int:
    """The single-user server of `name`: the process of their account that its parent started."""
    uid = pwd.getpwnam(unix_name(name, PREFIX)).pw_uid
    mine = [int(p) for p in filter(str.isdigit, os.listdir("/proc")) if _uid(p) == uid]
    return next(p for p in mine if _uid(_status(p)["PPid"].strip()) != uid)


def _uid(pid) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def _start(hub: Hub, name: str) -> int:
    assert hub.api("POST", f"users/{name}").status_code in (201, 409)
    assert hub.api("POST", f"users/{name}/server").status_code in (201, 202)
    wait_for(lambda: hub.server_ready(name), 180, f"{name}'s server")
    return _server_pid(name)


def _answers(hub: Hub, name: str) -> bool:
    r = requests.get(f"{hub.url}/user/{name}/api/status",
                     headers={"Authorization": f"token {hub.user_token(name)}"}, timeout=30)
    return r.status_code == 200


state: dict = {}


def test_up_starts_it_once_the_hub_answers_and_servers_are_forked_from_it(site):
    out = site.output.read_text()
    # after the hub (their imports would slow its start), and warm before `up` says the site runs
    assert out.index("Waiting for JupyterHub to answer") < out.index("Starting the fork servers"), out
    assert out.index("Fork server of ") < out.index("CampusHub is running at"), out
    fork = wait_for(lambda: _running(site), 120, "one running fork server")  # not replacing: see below
    assert fork["env_dir"] and os.getsid(fork["pid"]) == fork["pid"]
    assert b"campushub_forkserver" in open(f"/proc/{fork['pid']}/cmdline", "rb").read()
    text = campushub("status", "--data-dir", str(site.data_dir), env={**os.environ, "COLUMNS": "200"}).stdout
    assert f"Fork server {os.path.basename(fork['env_dir'])}: running (pid {fork['pid']})" in text, text
    server = _start(site, "ann")
    assert int(_status(server)["PPid"]) == fork["pid"]  # forked, not exec'd by the hub
    assert "by the fork server" in (site.data_dir / "logs" / "hub.log").read_text()
    state.update(fork=fork, server=server)


def test_a_dead_one_is_started_again(site):
    old = state["fork"]["pid"]
    seen = len(site.output.read_text())
    os.kill(old, signal.SIGKILL)
    fork = wait_for(lambda: (f := _running(site)) and f["pid"] != old and f, 120, "a new fork server")
    said = site.output.read_text()[seen:]
    # other sites on this machine lay their files into the same shared environment as they start:
    # a replacement already under way when it died takes its place just as well
    assert "exited (status -9); starting it again" in said or "ready" in said, said
    assert _alive(state["server"]) and _answers(site, "ann")
    state["fork"] = fork


def test_a_changed_environment_replaces_it_and_servers_keep_running(site):
    old = state["fork"]["pid"]
    # a rebuild writes a new completion marker; a new time on the same marker is the same news
    # (to the other sites sharing this environment too: their fork servers are replaced, harmlessly)
    os.utime(os.path.join(state["fork"]["env_dir"], MARKER))
    fork = wait_for(lambda: (f := _running(site)) and f["pid"] != old and f, 180, "the replacement")
    assert not _alive(old)
    assert "changed: replacing its fork server" in site.output.read_text()
    assert _alive(state["server"]) and _answers(site, "ann")
    second = _start(site, "ben")
    assert int(_status(second)["PPid"]) == fork["pid"]
    state["fork"] = fork


def test_down_leaves_nothing_of_it_and_servers_keep_running(site):
    socket = os.path.join(site.data_dir, "forkservers", os.path.basename(state["fork"]["env_dir"]) + ".sock")
    assert os.path.exists(socket)
    result = site.down()
    assert result.returncode == 0, result.stderr
    assert not _processes(f"{site.data_dir}/forkservers".encode())
    assert not os.path.exists(socket)
    assert not list((site.data_dir / "run").glob("forkserver*"))
    assert _alive(state["server"])
    # up again: the hub still knows the server, which `running` then stops through it
    site.up(admin=None)
    assert site.server_ready("ann") and _answers(site, "ann")

