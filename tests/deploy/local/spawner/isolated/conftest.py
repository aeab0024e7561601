"""One real hub for the isolation tests of servers: kernels over unix
sockets, private /tmp and /dev/shm, resource use in JupyterLab. Users choose
their memory (small for filling tmpfs quickly, large for 20 kernels)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests

from campushub.deploy.local.spawner import cgroups
from campushub.deploy.local.spawner.unix_users import unix_name

from .....harness import TEST_PREFIX, Hub, wait_for
from ..paths import running_on, with_path

PREFIX = TEST_PREFIX + "i"
MIB = 2**20


@pytest.fixture(scope="package")
def hub(tmp_path_factory, spawn_path):
    h = Hub.create(tmp_path_factory.mktemp(f"isolated-{spawn_path}"), with_path({
        # a server killed by a test is noticed in seconds, not JupyterHub's 30 (test_private_tmp)
        "spawner": {"user_prefix": PREFIX, "poll_interval": 3},
        "limits": {"pids": 1024},
        "policies": {"default": {"cpu": {"min": 0.5, "max": 2, "default": 1},
                                 "memory": {"min": "128M", "max": "3G", "default": "512M"}}},
    }, spawn_path))
    with running_on(h, spawn_path, PREFIX):
        yield h


def start(hub: Hub, user: str, options: dict | None = None) -> str:
    """Start `user`'s server with `options`; returns a token for it."""
    if hub.api("GET", f"users/{user}").status_code == 404:
        assert hub.api("POST", f"users/{user}").status_code == 201
    token = hub.user_token(user)
    r = requests.post(f"{hub.url}/hub/api/users/{user}/server", json={"user_options": options or {}},
                      headers={"Authorization": f"token {token}"}, timeout=60)
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: hub.server_ready(user), 180, f"{user}'s server")
    return token


def stop(hub: Hub, user: str) -> None:
    hub.api("DELETE", f"users/{user}/server")
    wait_for(lambda: "" not in hub.api("GET", f"users/{user}").json()["servers"], 90, f"{user}'s server to stop")


def account(user: str) -> str:
    return unix_name(user, PREFIX)


def server_pids(user: str) -> list[int]:
    backend = cgroups.detect()
    return backend.usage(account(user))["pids"]


def server_pid(user: str) -> int:
    """The server process: the one in the cgroup whose parent is outside it (the hub)."""
    pids = server_pids(user)
    assert pids, f"no process in {user}'s cgroup"
    return next(p for p in pids if parent(p) not in pids)


def parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def as_user(user: str, code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run Python as `user`'s unix account, on the host, outside any server
    (as a process of theirs that escaped, or an ssh login, would)."""
    return subprocess.run(["runuser", "-u", account(user), "--", "/usr/bin/python3", "-c", code],
                          capture_output=True, text=True, timeout=timeout, cwd="/")
