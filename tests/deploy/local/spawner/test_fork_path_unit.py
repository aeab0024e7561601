"""The spawner's side of the fork path without a hub: when it is not taken
and why, the request for a fork server, what the forked child is asked
for, the hub's settings, and tracking a process that is not the hub's
child by pid and start time (real processes; the exit record is written in
the fork server's format). The fork path
through a real hub and fork server: test_fork_path.py."""

from __future__ import annotations

import asyncio
import logging
import os
import pwd
import socket
import subprocess

import pytest
from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Unicode
from traitlets.config import Config

from campushub.deploy.local import hub_config, pids
from campushub.deploy.local.layout import Layout
from campushub.deploy.local.spawner import fork_path
from campushub.deploy.local.spawner.system_user import SystemUserSpawner

from ...hub_sites import site

ENV = "/opt/campushub/envs/py3.11-0123456789ab"
SERVER = f"{ENV}/bin/jupyterhub-singleuser"


class Spawner(fork_path.Tracking, LocalProcessSpawner):
    """The fork path's part of SystemUserSpawner, with what it reads of the rest."""

    env_dir = Unicode("")
    _log_name = "ana"
    unix_name = cgroup_name = "nobody"

    def get_env(self):
        return {"HOME": "/nonexistent"}


def spawner(tmp_path, **traits) -> Spawner:
    s = Spawner(fork_server_dir=str(tmp_path / "forkservers"), env_dir=ENV, cmd=[SERVER])
    s.log = logging.getLogger("test-fork-path")
    for name, value in traits.items():
        setattr(s, name, value)
    return s


@pytest.mark.parametrize("traits, says", [
    ({"fork_server": False}, "turned off"),
    ({"fork_server_dir": ""}, "turned off"),
    ({"env_dir": ""}, "no user environment"),
    ({"shell_cmd": ["bash", "-c"]}, "shell_cmd"),
    ({"cmd": [SERVER, "--debug"]}, "is not"),
    ({"cmd": ["/usr/local/bin/jupyterhub-singleuser"]}, "is not"),
])
def test_the_exec_path_is_taken_and_says_why(tmp_path, traits, says):
    assert says in fork_path.unavailable(spawner(tmp_path, **traits))


def test_the_environments_own_server_may_fork(tmp_path):
    assert fork_path.unavailable(spawner(tmp_path)) is None


@pytest.mark.parametrize("stale", [False, True], ids=["no-socket", "nobody-listening"])
def test_without_a_fork_server_exec_and_one_is_asked_for(tmp_path, caplog, stale):
    s = spawner(tmp_path)
    if stale:  # a socket file whose server is gone
        os.makedirs(s.fork_server_dir, mode=0o700)
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(f"{s.fork_server_dir}/py3.11-0123456789ab.sock")
    with caplog.at_level(logging.INFO, "test-fork-path"):
        assert asyncio.run(s._start_forked(None)) is None
    assert "Starting ana by exec: " + ("the fork server is unavailable" if stale else "no fork server") in caplog.text
    marker = tmp_path / "forkservers" / "wanted" / "py3.11-0123456789ab"
    assert marker.read_text() == ENV
    assert s.pid == 0 and s.fork_exits == ""


@pytest.mark.parametrize("enabled", [True, False])
def test_up_points_the_spawner_at_its_fork_servers(tmp_path, enabled):
    layout = Layout(tmp_path / "data")
    layout.ensure()
    c = Config()
    hub_config.apply(c, site("native", spawner={"fork_server": enabled}), layout, ENV, {})
    s = SystemUserSpawner(config=c)
    assert s.fork_server is enabled
    assert s.fork_server_dir == (str(layout.data_dir / "forkservers") if enabled else "")


def test_the_umask_read_is_the_processes_own():
    old = os.umask(0o027)
    try:
        assert fork_path.current_umask() == 0o027
    finally:
        os.umask(old)


def test_a_process_known_by_pid_and_start_time_is_polled_signalled_and_its_record_read(tmp_path):
    proc = subprocess.Popen(["sleep", "60"])
    exits = tmp_path / "exits"
    exits.mkdir()
    s = spawner(tmp_path, fork_exits=str(exits))
    s.pid, s.pid_start_time = proc.pid, pids.start_time(proc.pid)
    try:
        assert asyncio.run(s.poll()) is None
        state = s.get_state()
        assert state["pid_start_time"] == s.pid_start_time and state["fork_exits"] == str(exits)
        # after a hub restart: the same process, known from the state alone
        again = spawner(tmp_path)
        again.load_state(state)
        assert asyncio.run(again.poll()) is None
        # a recycled pid (another start time) is never signalled
        again.pid_start_time += 1
        assert asyncio.run(again._signal(15)) is False and proc.poll() is None
        assert asyncio.run(s._signal(9)) is True
        proc.wait(10)
        (exits / str(proc.pid)).write_text("-9\n")  # as the fork server's parent records it
        assert asyncio.run(s.poll()) == -9
        assert not (exits / str(proc.pid)).exists() and s.pid == 0 and s.get_state() == {}
    finally:
        proc.kill()
        proc.wait()


def test_the_child_is_asked_for_what_popen_and_preexec_fn_give_an_execd_server(tmp_path):
    # argv and env as Popen gets them (get_env applies user_env), ids, groups and
    # the chdir to the home as set_user_setuid, the hub's umask as inherited, and
    # this start's cgroup and private /tmp as preexec_fn joins and enters them
    s = spawner(tmp_path)
    s._procs_files = ["/sys/fs/cgroup/pids/campushub/nobody/cgroup.procs"]
    s._tmp_options = b"size=64m,nr_inodes=4096"
    entry = pwd.getpwnam("nobody")
    old = os.umask(0o027)
    try:
        r = fork_path.build_request(s)
    finally:
        os.umask(old)
    assert r["argv"] == [SERVER, *s.get_args()]
    assert r["env"] == {"HOME": "/nonexistent"}
    assert (r["uid"], r["gid"], r["groups"]) == (entry.pw_uid, entry.pw_gid,
                                                 os.getgrouplist("nobody", entry.pw_gid))
    assert r["home"] == r["cwd"] == entry.pw_dir
    assert r["umask"] == 0o027
    assert r["procs_files"] == s._procs_files and r["tmp_options"] == "size=64m,nr_inodes=4096"
    assert r["title"] == "jupyterhub-singleuser nobody" and r["kernel_zygote"] is True
    s._tmp_options = None  # allow_unlimited where private mounts cannot be made: the host's /tmp
    assert fork_path.build_request(s)["tmp_options"] is None
