"""What a forked server looks like from outside (session, environment,
umask, directory, title, cgroup, mounts) and how the fork server behaves
around it: ping, refusals, exit records, crashes, silent clients."""

from __future__ import annotations

import os
import signal
import socket
import subprocess

import pytest
import requests

from campushub.deploy.local import pids
from campushub.deploy.local.spawner import cgroups, fork_client

from ....harness import wait_for
from . import procfs, servers


def test_a_server_runs_in_its_own_session_with_exactly_its_request(pair):
    for r in pair.values():
        fields = procfs.stat_fields(r.pid)
        assert int(fields[2]) == int(fields[3]) == r.pid  # process group and session: its own
        # /proc/PID/environ can only be repointed with CAP_SYS_RESOURCE (a
        # container may lack it); otherwise it shows the fork server's own
        assert procfs.environ(r.pid) in (r.request["env"], servers.FORK_SERVER_ENV)
        assert procfs.status(r.pid)["Umask"] == "0077"
        assert os.readlink(f"/proc/{r.pid}/cwd") == r.account.pw_dir
        with open(f"/proc/{r.pid}/cmdline", "rb") as f:
            assert f.read().rstrip(b"\0") == f"jupyterhub-singleuser {r.account.pw_name}".encode()
        with open(f"/proc/{r.pid}/comm") as f:
            assert f.read().strip() == "jupyterhub-sing"
        assert r.pid in cgroups.detect().usage(r.account.pw_name)["pids"]
        assert os.readlink(f"/proc/{r.pid}/ns/mnt") != os.readlink("/proc/self/ns/mnt")  # private /tmp
        assert fork_client.pid_alive(r.pid, pids.start_time(r.pid))
        assert not fork_client.pid_alive(r.pid, pids.start_time(r.pid) - 1)  # a later process with that pid


def test_ping_answers_and_leaves_no_exit_record(forkserver, tmp_path):
    before = set(os.listdir(forkserver.exits))
    assert fork_client.ping(forkserver.socket)
    assert set(os.listdir(forkserver.exits)) == before
    assert not fork_client.ping(str(tmp_path / "nothing.sock"))
    with pytest.raises(fork_client.ForkUnavailable):
        fork_client.launch(str(tmp_path / "nothing.sock"), {}, 2)


def _exit_code(forkserver, pid: int) -> int:
    found = []
    wait_for(lambda: found.append(fork_client.exit_status(forkserver.exits, pid)) or found[-1] is not None,
             30, f"the exit record of {pid}", interval=0.05)
    return found[-1]


@pytest.mark.parametrize("argv0", ["/bin/sh", "jupyterhub-singleuser", "/usr/bin/env"])
def test_a_program_other_than_the_envs_server_is_refused_in_one_line(forkserver, accounts, workdir, argv0):
    req = servers.request(forkserver, accounts["a"], argv=[argv0, "-c", "id"])
    with pytest.raises(fork_client.ForkFailed) as e:
        servers.launch(forkserver, req, workdir / "refused.log")
    message = str(e.value)
    assert message == f"argv[0] must be {forkserver.server()}, not {argv0!r}"
    assert e.value.pid is not None
    assert _exit_code(forkserver, e.value.pid) == 2
    assert (workdir / "refused.log").read_text() == ""  # nothing ran


def test_a_bad_request_is_refused_and_changes_nothing(forkserver, accounts, workdir):
    req = servers.request(forkserver, accounts["a"], umask="077")
    with pytest.raises(fork_client.ForkFailed, match="^umask must be a non-negative integer$"):
        servers.launch(forkserver, req, workdir / "refused.log")
    req = servers.request(forkserver, accounts["a"], cwd="/nonexistent-forkserver-test")
    with pytest.raises(fork_client.ForkFailed, match="^changing to /nonexistent-forkserver-test: ") as e:
        servers.launch(forkserver, req, workdir / "refused.log")
    assert _exit_code(forkserver, e.value.pid) == 1
    assert fork_client.ping(forkserver.socket)


def test_exit_records_and_the_parent_survives_crashing_children(forkserver, accounts, workdir, hub_port):
    for signum in (signal.SIGKILL, signal.SIGSEGV):
        req = servers.request(forkserver, accounts["b"], hub_port=hub_port, private_tmp=False)
        pid = servers.launch(forkserver, req, workdir / "crash.log")
        os.kill(pid, signum)
        assert _exit_code(forkserver, pid) == -signum  # as Popen.returncode
        assert fork_client.exit_status(forkserver.exits, pid) is None  # read once, then gone
    assert forkserver.process.poll() is None
    assert fork_client.ping(forkserver.socket)


def test_a_silent_client_does_not_hold_up_the_next_start(forkserver):
    silent = socket.socket(socket.AF_UNIX)
    silent.connect(forkserver.socket)
    garbage = socket.socket(socket.AF_UNIX)
    garbage.connect(forkserver.socket)
    garbage.sendall(b"\xff\xff\xff\xffnot json")
    try:
        # the parent would block here if it read from connections
        assert fork_client.ping(forkserver.socket, timeout=10)
        assert b"larger than" in garbage.recv(4096)
    finally:
        silent.close()
        garbage.close()


def test_a_server_asked_for_a_kernel_zygote_starts_with_or_without_one(forkserver, accounts, workdir, hub_port):
    has_zygote = subprocess.run([str(forkserver.env_dir / "bin" / "python"), "-I", "-c",
                                 "import campushub_kernel_fork"], capture_output=True).returncode == 0
    port = servers.free_port()
    account = accounts["b"]
    req = servers.request(forkserver, account, port=port, hub_port=hub_port, kernel_zygote=True)
    log = workdir / "zygote.log"
    pid = servers.launch(forkserver, req, log)
    try:
        wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/user/{account.pw_name}/api", timeout=5).ok,
                 90, "the server")
        if has_zygote:
            assert len(procfs.descendants(pid)) > 1  # the zygote, a child of the server
        else:
            assert "CampusHub: no pre-started kernel process (ModuleNotFoundError" in log.read_text()
    finally:
        os.killpg(pid, signal.SIGKILL)
    assert _exit_code(forkserver, pid) == -signal.SIGKILL


def test_a_hung_fork_server_costs_a_start_its_first_reply_limit_and_starts_nothing_later(
        forkserver, accounts, workdir, hub_port):
    req = servers.request(forkserver, accounts["a"], hub_port=hub_port, private_tmp=False)
    log = workdir / "hung.log"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    before = set(os.listdir(forkserver.exits))
    os.kill(forkserver.process.pid, signal.SIGSTOP)  # hung: it neither accepts nor forks
    try:
        with pytest.raises(fork_client.ForkUnavailable, match="did not answer within 0.5 seconds"):
            fork_client.launch(forkserver.socket, req, fd, timeout=30, first_reply=0.5)
    finally:
        os.close(fd)
        os.kill(forkserver.process.pid, signal.SIGCONT)
    # On resuming it accepts the abandoned connection and forks; that child's
    # first write meets a closed connection, so it ends before becoming the user
    new = []
    wait_for(lambda: new.extend(set(os.listdir(forkserver.exits)) - before - set(new)) or new, 30,
             "the abandoned request's child to end")
    pid = int(new[0])
    assert _exit_code(forkserver, pid) == 1
    assert log.read_text() == ""
    assert fork_client.ping(forkserver.socket)

