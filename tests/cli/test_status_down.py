"""`campushub status` and `campushub down --stop-servers` against the running hub."""

import json
import os
import re
import subprocess

import pytest

from campushub.cli.main import CommandError
from campushub.cli.up import preflight
from campushub.config import defaults
from campushub.deploy.local.spawner import cgroups

from ..conftest import spawn
from ..harness import TEST_PREFIX, campushub

campushub_cli = campushub


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
    try:
        result = hub.down("--stop-servers")
        assert result.returncode == 0, result.stderr
        assert re.search(r"Stopped [1-9][0-9]* user server", result.stdout), result.stdout
        said = hub._new_output()  # what the `up` terminal printed as it stopped
        assert "`campushub down --stop-servers` stopped the user servers" in said and "keep running" not in said, said
        assert not _living_processes(name)
        assert not any(os.path.isdir(p) for p in _cgroup_dirs(name))
    finally:
        hub.up(admin=None)  # the session's hub: later tests use it, whatever happened here
    assert not hub.server_ready("alice")


def _living_processes(user: str) -> list[str]:
    """The user's processes, zombies aside: a kernel's fork zygote killed with its server is
    reparented to pid 1 and may stay <defunct> for a moment until pid 1 reaps it."""
    ps = subprocess.run(["ps", "-o", "pid=,stat=", "-u", user], capture_output=True, text=True).stdout
    return [line.split()[0] for line in ps.splitlines() if line.split() and not line.split()[1].startswith("Z")]


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


def test_version_names_campushub_and_jupyterhub():
    import campushub

    r = campushub_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith(f"campushub {campushub.__version__} (JupyterHub 6."), r.stdout


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`campushub status --json | head -0`: no BrokenPipeError traceback, any command."""
    import sys

    for args in (["status", "--json", "--data-dir", str(tmp_path)], ["config", "show"], ["--help"]):
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone before anything is written
        try:
            r = subprocess.run([sys.executable, "-m", "campushub", *args], stdout=write_end,
                               stderr=subprocess.PIPE, text=True)
        finally:
            os.close(write_end)
        assert "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr, r.stderr
        assert r.returncode in (0, 141), (args, r.returncode)


def test_status_says_which_data_dir_it_looked_at(tmp_path):
    config = tmp_path / "campushub.yaml"
    config.write_text(f"data_dir: {tmp_path}/elsewhere\n")
    r = campushub_cli("status", "--config", str(config))
    assert r.returncode == 3 and f"{tmp_path}/elsewhere (data_dir of {config})" in r.stdout, r.stdout
    r = campushub_cli("down", "--config", str(config))
    assert r.returncode == 0 and f"{tmp_path}/elsewhere" in r.stdout, r.stdout


def test_status_as_a_normal_user_says_to_run_as_root(tmp_path):
    import sys

    private = tmp_path / "data"
    private.mkdir(mode=0o700)  # as a real data dir: root's only
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        sys.executable, "-m", "campushub", "status", "--data-dir", str(private)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "run this command as root" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
