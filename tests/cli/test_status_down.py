"""`campushub status` and `campushub down --stop-servers` against the running hub."""

import json
import re
import os
import subprocess

import pytest

from campushub.cli.main import CommandError
from campushub.cli.up import preflight
from campushub.config import defaults
from campushub.hub.spawners import cgroups

from ..conftest import spawn
from ..harness import TEST_PREFIX, campushub, wait_for


def test_status_shows_hub_users_and_server_usage(hub, alice):
    spawn(hub, alice)
    result = campushub("status", "--data-dir", str(hub.data_dir), "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["hub"] and info["proxy"]
    assert {"alice", "admin"} <= {u["name"] for u in info["users"]}
    server = next(s for s in info["servers"] if s["user"] == "alice")
    assert server["unix_user"] == TEST_PREFIX + "alice" and server["ready"]
    assert server["memory_bytes"] > 10 * 2**20 and server["processes"] >= 1
    table = campushub("status", "--data-dir", str(hub.data_dir), env={**os.environ, "COLUMNS": "200"})
    assert "alice" in table.stdout and "MiB" in table.stdout


def test_status_of_a_stopped_site(tmp_path):
    result = campushub("status", "--data-dir", str(tmp_path))
    assert result.returncode == 3 and "stopped" in result.stdout


def test_down_stop_servers_stops_user_servers_too(hub, alice):
    spawn(hub, alice)
    name = TEST_PREFIX + "alice"
    result = hub.down("--stop-servers")
    assert result.returncode == 0, result.stderr
    assert re.search(r"Stopped [1-9][0-9]* user server", result.stdout), result.stdout
    running = subprocess.run(["pgrep", "-u", name], capture_output=True, text=True).stdout.split()
    assert running == []
    assert not any(os.path.isdir(p) for p in _cgroup_dirs(name))
    hub.up(admin=None)
    assert not hub.server_ready("alice")


def _cgroup_dirs(name):
    backend = cgroups.detect()
    if backend.version == 1:
        return [f"{m}/campushub/{name}" for m in backend.mounts.values()]
    return [f"{backend.root}/campushub/{name}"]


def test_up_refuses_without_cgroups_and_says_how_to_proceed(monkeypatch):
    def unavailable():
        raise cgroups.CgroupUnavailable("no cgroup hierarchy with the cpu, memory and pids controllers is mounted")

    # Simulates a machine without cgroups, which this one cannot become.
    monkeypatch.setattr(cgroups, "detect", unavailable)
    config = defaults()
    with pytest.raises(CommandError) as info:
        preflight(config)
    assert "allow_unlimited: true" in str(info.value) and "cpu, memory and pids" in str(info.value)
    config["limits"]["allow_unlimited"] = True
    preflight(config)  # allowed explicitly: no error


def test_down_when_nothing_runs(tmp_path):
    result = campushub("down", "--data-dir", str(tmp_path))
    assert result.returncode == 0 and "Nothing was running" in result.stdout
