"""Attacks on the fork server path by a learner with a terminal on the same
machine, each on the real fork server and real accounts: what the builders'
own tests did not try. Each test reproduces the attack and shows it fails."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import requests
from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Unicode

from campushub.deploy.local import pids
from campushub.deploy.local.spawner import fork_client, fork_path

from ....harness import wait_for
from . import servers

NS_LAST_PID = Path("/proc/sys/kernel/ns_last_pid")


def _user_site(env_dir: Path, account) -> Path:
    version = subprocess.run([str(env_dir / "bin" / "python"), "-I", "-c",
                              "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
                             capture_output=True, text=True, check=True).stdout.strip()
    return Path(account.pw_dir) / ".local" / "lib" / f"python{version}" / "site-packages"


def _as_user(account, *argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), user=account.pw_uid, group=account.pw_gid, extra_groups=[],
                          cwd="/", capture_output=True, text=True, **kwargs)


def test_a_learners_user_site_does_not_reach_the_forked_server(forkserver, accounts, workdir, hub_port):
    """~/.local site-packages of a venv without system site-packages is not on
    an exec'd server's path. The forked child added it anyway, and ran its .pth
    files inside the server while it still held the hub's connection: learner
    code in the server of a locked-down group, and modules shadowing the
    environment's own (jupyterhub, jupyter_server) in the server."""
    account = accounts["a"]
    site = _user_site(forkserver.env_dir, account)
    marker = Path(account.pw_dir) / "pth-ran"
    exec_view = _as_user(account, str(forkserver.env_dir / "bin" / "python"), "-c",
                         "import site, sys; print(site.ENABLE_USER_SITE, site.getusersitepackages() in sys.path)",
                         env={"HOME": account.pw_dir, "PATH": "/usr/bin:/bin"})
    assert exec_view.stdout.split() == ["False", "False"], exec_view  # what an exec'd server of this env sees
    local = Path(account.pw_dir) / ".local"
    made = not local.exists()
    site.mkdir(parents=True, exist_ok=True)
    (site / "zz_attack.pth").write_text(f"import os; open({str(marker)!r}, 'w').write(str(os.getuid()))\n")
    subprocess.run(["chown", "-R", f"{account.pw_uid}:{account.pw_gid}", str(local)], check=True)
    port = servers.free_port()
    req = servers.request(forkserver, account, port=port, hub_port=hub_port, private_tmp=False)
    pid = servers.launch(forkserver, req, workdir / "usersite.log")
    try:
        wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/user/{account.pw_name}/api", timeout=5).ok,
                 90, "the server")
        assert not marker.exists(), "the learner's .pth ran inside the forked server"
    finally:
        os.killpg(pid, signal.SIGKILL)
        marker.unlink(missing_ok=True)
        (site / "zz_attack.pth").unlink(missing_ok=True)
        if made:
            shutil.rmtree(local, ignore_errors=True)


class _Spawner(fork_path.Tracking, LocalProcessSpawner):
    """The fork path of SystemUserSpawner, as in spawner/test_fork_path_unit.py."""

    env_dir = Unicode("")
    _log_name = "attack"
    unix_name = cgroup_name = "nobody"


def _plant(pid: int, account) -> subprocess.Popen | None:
    """Start a process of `account` with exactly `pid`, as a learner gets by
    cycling the pid space (pid_max is often 32768) right after their own
    server exited; None if another process took it first."""
    NS_LAST_PID.write_text(str(pid - 1))
    victim = subprocess.Popen(["sleep", "300"], user=account.pw_uid, group=account.pw_gid, extra_groups=[],
                              cwd="/", stdin=subprocess.DEVNULL)
    if victim.pid == pid:
        return victim
    victim.kill()
    victim.wait()
    return None


@pytest.mark.skipif(not os.access(NS_LAST_PID, os.W_OK), reason="needs /proc/sys/kernel/ns_last_pid to place a pid")
def test_a_pid_reused_right_after_a_start_is_not_adopted(forkserver, accounts, workdir, monkeypatch):
    """The learner ends their forked server right after it said ok (it is
    theirs to signal) and gets another account's process the same pid before
    the hub reads the pid's start time. The hub then took that process for the
    server: poll said running and stop signalled it, as root."""
    attacker, victim_account = accounts["a"], accounts["b"]
    req = servers.request(forkserver, attacker, private_tmp=False)
    monkeypatch.setattr(fork_path, "build_request", lambda spawner: req)
    planted: list[subprocess.Popen] = []
    real_launch = fork_client.launch

    def launch_then_reuse(*args, **kwargs):
        pid = real_launch(*args, **kwargs)
        os.kill(pid, signal.SIGKILL)  # the learner, on their own server
        wait_for(lambda: pids.start_time(pid) is None, 30, "the server to end", interval=0.01)
        for _ in range(50):
            victim = _plant(int(pid), victim_account)
            if victim is not None:
                planted.append(victim)
                break
        return pid

    monkeypatch.setattr(fork_client, "launch", launch_then_reuse)
    spawner = _Spawner(fork_server_dir=str(forkserver.directory), env_dir=str(forkserver.env_dir),
                       cmd=[forkserver.server()])
    spawner.log = logging.getLogger("test-attacks")
    log = os.open(workdir / "reuse.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        assert asyncio.run(spawner._start_forked(log)) is not None
        if not planted:
            pytest.skip("other processes kept taking the pid")  # a busy machine, not a result
        victim = planted[0]
        assert victim.pid == spawner.pid
        # before poll, which clears the pid: _signal with no pid would fall back to os.kill(0, ...)
        assert asyncio.run(spawner._signal(signal.SIGTERM)) is False, "the hub signalled another account's process"
        assert victim.poll() is None
        assert asyncio.run(spawner.poll()) is not None, "the hub adopted another account's process"
    finally:
        os.close(log)
        for p in planted:
            p.kill()
            p.wait()


def test_a_start_cancelled_while_launching_sends_no_reused_fd_and_leaves_no_server(
        forkserver, accounts, workdir, monkeypatch):
    """A learner stops their server while it is being launched (JupyterHub
    cancels the start). The launch went on in its thread with the number of
    the log fd, which the spawner had already closed: whatever the hub opened
    next under that number (here a root-only file standing for its database)
    became the learner's server's stdout. And the server it started ran on,
    known to nobody."""
    import threading

    attacker = accounts["a"]
    req = servers.request(forkserver, attacker, private_tmp=False)
    monkeypatch.setattr(fork_path, "build_request", lambda spawner: req)
    entered, go, finished = threading.Event(), threading.Event(), threading.Event()
    seen: dict = {}
    real_launch = fork_client.launch

    def slow_launch(socket, request, log_fd, timeout=30):
        # the time a launch takes on a busy machine, made long enough to cancel in
        entered.set()
        go.wait(30)
        try:
            pid = real_launch(socket, request, log_fd, timeout)
            seen["pid"], seen["start"] = int(pid), pids.start_time(pid)
            seen["stdout"] = os.readlink(f"/proc/{pid}/fd/1")
            return pid
        finally:
            finished.set()

    monkeypatch.setattr(fork_client, "launch", slow_launch)
    spawner = _Spawner(fork_server_dir=str(forkserver.directory), env_dir=str(forkserver.env_dir),
                       cmd=[forkserver.server()])
    spawner.log = logging.getLogger("test-attacks")
    secret = workdir / "hub-secret.sqlite"
    secret.write_text("every token\n")
    secret.chmod(0o600)
    opened: list[int] = []

    async def start_then_cancel():
        out = os.open(workdir / "cancel.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        number = out

        async def launch():  # SystemUserSpawner._launch: closes its log pipe however the start ends
            try:
                return await spawner._start_forked(out)
            finally:
                os.close(out)

        task = asyncio.create_task(launch())
        await asyncio.to_thread(entered.wait, 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        opened.append(os.open(secret, os.O_RDWR))  # the hub's next open takes the lowest free number
        go.set()
        if opened[0] != number:
            pytest.skip("the hub's next fd did not get the closed number")  # not a result either way
        await asyncio.to_thread(finished.wait, 60)
        await asyncio.sleep(0)  # the loop runs what the finished launch scheduled

    try:
        asyncio.run(start_then_cancel())
        assert "pid" in seen, "the launch did not finish"
        assert seen["stdout"] != str(secret), "the learner's server got the hub's file as its stdout"
        wait_for(lambda: not fork_client.pid_alive(seen["pid"], seen["start"]), 30,
                 "the server of the cancelled start to be ended")
    finally:
        for fd in opened:
            os.close(fd)
        go.set()
        if "pid" in seen and fork_client.pid_alive(seen["pid"], seen["start"]):
            os.killpg(seen["pid"], signal.SIGKILL)


@pytest.mark.skipif(not os.access(NS_LAST_PID, os.W_OK), reason="needs /proc/sys/kernel/ns_last_pid to place a pid")
def test_killing_a_stopped_servers_leftovers_spares_a_process_that_got_a_listed_pid(accounts, monkeypatch):
    """When a server stops, the hub SIGKILLs (as root) every pid its cgroup
    lists. A learner's process there that ends between the listing and the
    kill leaves its pid free; cycling the pid space, the learner hands it to
    another account's process, which the hub then killed."""
    from types import SimpleNamespace

    from campushub.deploy.local.spawner import cgroups, cleanup

    attacker, victim_account = accounts["a"], accounts["b"]
    backend = cgroups.detect()
    name = f"{attacker.pw_name}--leftovers"
    backend.create(name, cgroups.Limits(cpu=1.0, memory=1 << 30, pids=64))
    member = subprocess.Popen(["sleep", "300"], user=attacker.pw_uid, group=attacker.pw_gid, extra_groups=[],
                              cwd="/", stdin=subprocess.DEVNULL)
    planted: list[subprocess.Popen] = []

    class Backend:  # the real one; the learner acts right after the first listing
        def usage(self, cgroup):
            listed = backend.usage(cgroup)
            if not planted and member.pid in listed["pids"]:
                member.kill()
                member.wait()
                for _ in range(50):
                    if victim := _plant(member.pid, victim_account):
                        planted.append(victim)
                        break
                else:
                    pytest.skip("other processes kept taking the pid")  # a busy machine, not a result
            return listed

    try:
        for path in backend.procs_files(name):
            Path(path).write_text(str(member.pid))
        monkeypatch.setattr(cleanup.cgroups, "detect", lambda: Backend())
        cleanup.Cleanup._kill_leftovers(SimpleNamespace(cgroup_name=name))
        assert planted and planted[0].pid == member.pid
        assert planted[0].poll() is None, "the hub killed another account's process"
    finally:
        monkeypatch.undo()
        for p in [member, *planted]:
            p.kill()
            p.wait()
        wait_for(lambda: not backend.usage(name)["pids"], 30, "the test cgroup to empty")
        backend.remove(name)
