"""A real hub on both paths (conftest.py): who the server, its kernels and its
terminals run as, what the hub log says about the path taken, stop, poll and
a hub restart, and what a learner is told when the server dies while
starting. On the fork path also: a missing or a failing fork server falls
back to exec, saying why; on the exec path (fork servers turned off) `up`
runs none."""

from __future__ import annotations

import json
import os
import pwd
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from campushub.deploy.local.spawner import cgroups, fork_client
from campushub.deploy.local.spawner.unix_users import ensure_user, unix_name

from ....conftest import make_user, spawn
from ....harness import ROOT, campushub, progress_events, run_code, wait_for
from ....processes import live_processes
from .paths import PREFIX, hub_log, parent_command

MIB = 2**20


def account(name: str) -> pwd.struct_passwd:
    return pwd.getpwnam(unix_name(name, PREFIX))


def cgroup_pids(name: str) -> list[int]:
    return cgroups.detect().usage(unix_name(name, PREFIX))["pids"]


def server_pid(name: str) -> int:
    """The server: the process of the cgroup whose parent is outside it."""
    pids = cgroup_pids(name)
    assert pids, f"no process in {name}'s cgroup"
    return next(p for p in pids if _ppid(p) not in pids)


def _ppid(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {k: v.strip() for k, v in (line.split(":", 1) for line in lines)}


def assert_runs_as(pid: int, entry: pwd.struct_passwd) -> None:
    s = status(pid)
    assert s["Uid"].split() == [str(entry.pw_uid)] * 4, s["Uid"]
    assert s["Gid"].split() == [str(entry.pw_gid)] * 4, s["Gid"]
    assert sorted(map(int, s["Groups"].split())) == sorted(os.getgrouplist(entry.pw_name, entry.pw_gid))
    for caps in ("CapPrm", "CapEff", "CapAmb"):
        assert int(s[caps], 16) == 0, (caps, s[caps])
    assert s["NoNewPrivs"] == "1"


def started_by(hub, spawn_path: str, name: str) -> str:
    """What the hub log says about the path `name`'s server took."""
    if spawn_path == "fork":
        return f"Started {name} by the fork server"
    return f"Starting {name} by exec: the fork server is turned off"


def user_api(hub, name: str, token: str, method: str, path: str) -> requests.Response:
    return requests.request(method, f"{hub.url}/user/{name}/api/{path}", timeout=30,
                            headers={"Authorization": f"token {token}"})


def test_server_kernel_and_terminal_run_as_the_user(hub, admin, spawn_path):
    user = make_user(hub, admin, "kim")
    spawn(hub, user)
    entry, token = account("kim"), hub.user_token("kim")
    assert started_by(hub, spawn_path, "kim") in hub_log(hub)
    server = server_pid("kim")
    expected_parent = "campushub_forkserver" if spawn_path == "fork" else "jupyterhub"
    assert expected_parent in parent_command(server), parent_command(server)
    if spawn_path == "exec":  # spawner.fork_server: false, so `up` ran no fork server at all
        assert "fork servers" not in hub.output.read_text()
        assert not live_processes(lambda env, cmdline: f"{hub.data_dir}/forkservers".encode() in cmdline)
        status = campushub("status", "--data-dir", str(hub.data_dir), "--json")
        assert json.loads(status.stdout)["fork_servers"] == [], status.stdout + status.stderr
    assert_runs_as(server, entry)

    kernel = int(run_code(hub, "kim", token, "import os; print(os.getpid())")["stream"])
    assert kernel in cgroup_pids("kim")
    assert_runs_as(kernel, entry)

    r = user_api(hub, "kim", token, "POST", "terminals")
    assert r.status_code == 200, r.text
    try:
        def shell() -> int | None:
            for pid in cgroup_pids("kim"):
                if Path(f"/proc/{pid}/comm").read_text().strip() == "bash":
                    return pid
            return None

        terminal = wait_for(shell, 60, "kim's terminal shell")
        assert_runs_as(terminal, entry)
    finally:
        user_api(hub, "kim", token, "DELETE", f"terminals/{r.json()['name']}")
    stop(hub, "kim")


def stop(hub, name: str) -> None:
    hub.api("DELETE", f"users/{name}/server")
    wait_for(lambda: "" not in hub.api("GET", f"users/{name}").json()["servers"], 90, f"{name}'s server to stop")


def test_stop_poll_and_a_hub_restart(hub, admin, spawn_path):
    kept, killed = make_user(hub, admin, "ned"), make_user(hub, admin, "ola")
    spawn(hub, kept)
    spawn(hub, killed)
    kept_pid, killed_pid = server_pid("ned"), server_pid("ola")
    hub.down()  # servers keep running
    os.kill(killed_pid, signal.SIGKILL)  # dies while nobody polls it
    wait_for(lambda: killed_pid not in cgroup_pids("ola"), 30, "ola's server to die")
    hub.up()
    # the restarted hub found ned's server by its pid and start time, and saw ola's gone
    wait_for(lambda: "" not in hub.api("GET", "users/ola").json()["servers"], 120, "the hub to notice ola's end")
    assert not (cgroups.detect().usage(unix_name("ola", PREFIX))["pids"])
    assert hub.server_ready("ned") and server_pid("ned") == kept_pid
    log = hub_log(hub)
    assert "ned still running" in log and "ola appears to have stopped while the Hub was down" in log
    token = hub.user_token("ned")
    assert run_code(hub, "ned", token, "6*7")["result"] == "42"
    stop(hub, "ned")
    wait_for(lambda: not Path(f"/proc/{kept_pid}").exists(), 30, "ned's server to be gone")
    assert not cgroup_pids("ned")


CRASHES = [
    # bytes(...) writes every byte: resident, unlike a lazily zeroed allocation
    ("pia", "x = b'x' * (700 * 2**20)\n", "needed more memory than its limit of 512 MiB"),
    ("quin", "import os\nos._exit(3)\n", "exit status 3"),
]


@pytest.mark.parametrize("name, config, says", CRASHES, ids=["oom", "exit-status"])
def test_a_server_that_dies_while_starting_is_explained(hub, admin, spawn_path, name, config, says):
    user = make_user(hub, admin, name)
    entry = ensure_user(unix_name(name, PREFIX), owner=name)
    jupyter = Path(entry.pw_dir, ".jupyter")
    jupyter.mkdir(exist_ok=True)
    (jupyter / "jupyter_server_config.py").write_text(config)
    for path in (jupyter, jupyter / "jupyter_server_config.py"):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    assert user.session.get(f"{hub.url}/hub/spawn/{name}", timeout=60).status_code == 200
    events = progress_events(hub, user, name, timeout=180)
    assert events[-1].get("failed"), events
    assert says in events[-1]["message"], events[-1]
    assert started_by(hub, spawn_path, name) in hub_log(hub)
    wait_for(lambda: not cgroup_pids(name), 30, f"{name}'s cgroup to empty")


@pytest.fixture
def fork_only(hub, spawn_path):
    if spawn_path != "fork":
        pytest.skip("about the fork server")
    real = hub.fork_server.socket
    os.rename(real, real + ".aside")
    try:
        yield hub.fork_server
    finally:
        os.rename(real + ".aside", real)


def test_no_fork_server_yet_means_exec(hub, admin, fork_only):
    user = make_user(hub, admin, "lea")
    spawn(hub, user)
    assert "Starting lea by exec: no fork server for" in hub_log(hub)
    # the request for a fork server (fork_client.want) is up's to take: test_fork_path_unit.py
    assert "jupyterhub" in parent_command(server_pid("lea"))
    stop(hub, "lea")


# A real fork server, of another environment (the tests' own venv): it
# refuses to start the site environment's jupyterhub-singleuser.
BOOT = "import runpy; runpy.run_module('campushub.deploy.local.forkserver', run_name='__main__', alter_sys=True)"


def test_a_failing_fork_server_means_exec_saying_why(hub, admin, fork_only):
    wrong = subprocess.Popen(
        [sys.executable, "-I", "-c", BOOT, "--socket", fork_only.socket, "--exits", fork_only.exits],
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True, cwd=ROOT)
    try:
        wait_for(lambda: wrong.poll() is not None or fork_client.ping(fork_only.socket), 180, "the other fork server")
        assert wrong.poll() is None
        user = make_user(hub, admin, "max")
        spawn(hub, user)
        log = hub_log(hub)
        assert "Starting max by exec: the fork server could not start it: argv[0] must be" in log, log[-3000:]
        assert "jupyterhub" in parent_command(server_pid("max"))
        assert run_code(hub, "max", hub.user_token("max"), "5*4")["result"] == "20"
        stop(hub, "max")
    finally:
        wrong.terminate()
        wrong.wait(30)
