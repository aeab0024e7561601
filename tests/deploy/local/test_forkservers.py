"""Supervising fork servers (deploy/local/forkservers.py) with real processes.

The fork servers here are the real campushub_forkserver package, run as
root by a real venv's Python, but the venv is a bare one made for the test
(no Jupyter stack: it starts in a fraction of a second) whose
jupyterhub.singleuser is a stand-in server that waits for a signal. A stack
test with a real environment and real servers is test_forkservers_up.py.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from campushub.deploy.local import forkservers, pids, processes
from campushub.deploy.local.forkserver_state import describe
from campushub.deploy.local.layout import Layout
from campushub.deploy.local.singleuser_files import site_packages
from campushub.deploy.local.spawner import fork_client
from campushub.deploy.local.userenv import MARKER

from ...harness import wait_for

STAND_IN = "import signal\n\ndef main():\n    signal.pause()  # a server that runs until it is stopped\n"


def _env(root: Path) -> Path:
    env_dir = root / f"py3.11-{secrets.token_hex(6)}"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(env_dir)], check=True)
    package = site_packages(env_dir) / "jupyterhub"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "singleuser.py").write_text(STAND_IN)
    (env_dir / MARKER).write_text(env_dir.name.rsplit("-", 1)[1])
    return env_dir


class Site:
    def __init__(self, tmp: Path, envs: Path):
        self.envs = envs
        self.layout = Layout(tmp / "data")
        self.layout.ensure()
        pids.write(self.layout.pid_file("up"), os.getpid())  # this test supervises, as `up` would
        self.said: list[tuple[str, bool]] = []
        self.servers = forkservers.ForkServers(self.layout, self.envs, self.say)
        self.servers.prepare()
        self.started: list[int] = []

    def say(self, message: str, warning: bool = False) -> None:
        self.said.append((message, warning))

    def socket(self, env_dir: Path) -> str:
        return fork_client.socket_path(str(forkservers.directory(self.layout)), str(env_dir))

    def state(self, env_dir: Path) -> dict:
        return next(s for s in describe(self.layout) if s["env"] == env_dir.name)

    def tick_until(self, predicate, what: str, timeout: float = 30):
        return wait_for(lambda: (self.servers.tick(), predicate())[1], timeout, what)

    def launch(self, env_dir: Path) -> int:
        """A stand-in server as `nobody`, forked by env_dir's fork server."""
        server = str(env_dir / "bin" / "jupyterhub-singleuser")
        request = {"argv": [server], "env": {"PATH": "/usr/bin:/bin"}, "uid": 65534, "gid": 65534,
                   "groups": [], "home": "/", "cwd": "/", "umask": 0o022, "procs_files": [],
                   "tmp_options": None, "title": "stand-in server", "kernel_zygote": False}
        with open(os.devnull, "w") as log:
            pid = fork_client.launch(self.socket(env_dir), request, log.fileno())
        self.started.append(pid)
        return pid


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setattr(forkservers, "RETRY", 0.2)  # restarts without the 5 s pause between two starts
    monkeypatch.setattr(forkservers, "CHECK_EVERY", 0.2)
    # the stand-in server imports from its env as `nobody`, who cannot enter pytest's tmp_path
    envs = Path(tempfile.mkdtemp(prefix="campushub-forkservers-"))
    envs.chmod(0o755)
    s = Site(tmp_path, envs)
    yield s
    shutil.rmtree(envs)
    processes.stop_all(s.layout)
    for pid in s.started:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert not list(s.layout.run_dir.glob("forkserver-*.pid"))


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _environ(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/environ", "rb") as f:
        return dict(item.decode().split("=", 1) for item in f.read().split(b"\0") if item)


def test_it_runs_as_root_in_its_own_session_with_nothing_of_the_hub(site, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "hub-secret-token")  # as in `up`'s own environment
    env_dir = _env(site.envs)
    assert site.servers.start([env_dir]) is True
    state = site.state(env_dir)
    pid = state["pid"]
    assert state["state"] == "running" and processes.read_pid(site.layout, f"forkserver-{env_dir.name}") == pid
    assert os.getsid(pid) == pid and os.stat(f"/proc/{pid}").st_uid == 0
    assert set(_environ(pid)) == {"PATH", "LANG"}
    assert fork_client.ping(site.socket(env_dir))
    assert stat.S_IMODE(os.stat(forkservers.directory(site.layout)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(site.socket(env_dir)).st_mode) == 0o600
    laid = site_packages(env_dir) / fork_client.PACKAGE
    assert {f"{fork_client.PACKAGE}/{p.name}": p.read_text() for p in laid.glob("*.py")} == fork_client.package_files()
    assert any("ready" in message for message, warning in site.said if not warning)


def test_stopping_it_stops_the_parent_alone(site):
    env_dir = _env(site.envs)
    assert site.servers.start([env_dir])
    parent = site.state(env_dir)["pid"]
    server = site.launch(env_dir)
    assert _alive(server) and os.getsid(server) == server != parent
    assert processes.stop_all(site.layout) == [f"forkserver-{env_dir.name}"]
    assert not _alive(parent)
    assert _alive(server)  # in a session of its own: a stop of the fork server never reaches it
    assert not os.path.exists(site.socket(env_dir))


def test_a_dead_one_is_started_again(site):
    env_dir = _env(site.envs)
    assert site.servers.start([env_dir])
    first = site.state(env_dir)["pid"]
    os.kill(first, signal.SIGKILL)
    site.tick_until(lambda: site.state(env_dir)["state"] == "running" and site.state(env_dir)["pid"] != first,
                    "a new fork server")
    assert fork_client.ping(site.socket(env_dir))
    assert any("exited (status -9)" in message for message, warning in site.said if warning)


def test_one_that_stops_answering_is_started_again(site, monkeypatch):
    monkeypatch.setattr(forkservers, "HEALTH_EVERY", 0.2)
    monkeypatch.setattr(forkservers, "HEALTH_TIMEOUT", 0.5)
    env_dir = _env(site.envs)
    assert site.servers.start([env_dir])
    hung = site.state(env_dir)["pid"]
    server = site.launch(env_dir)
    os.kill(hung, signal.SIGSTOP)  # alive, its socket there, but nobody accepts
    site.tick_until(lambda: site.state(env_dir)["state"] == "running" and site.state(env_dir)["pid"] != hung,
                    "a new fork server")
    assert not _alive(hung) and _alive(server)
    assert fork_client.ping(site.socket(env_dir))
    assert any("does not answer" in message for message, warning in site.said if warning)


@pytest.mark.parametrize("change", ["rebuilt", "campushub files"])
def test_a_changed_environment_replaces_it_and_servers_keep_running(site, change):
    env_dir = _env(site.envs)
    assert site.servers.start([env_dir])
    old = site.state(env_dir)["pid"]
    server = site.launch(env_dir)
    if change == "rebuilt":  # a new completion marker, the same text
        marker = env_dir / MARKER
        text = marker.read_text()
        marker.unlink()
        marker.write_text(text)
    else:  # as `campushub env build` lays a newer CampusHub's files
        watch = site_packages(env_dir) / "campushub_memory_watch.py"
        watch.write_text(watch.read_text() + "\n# a newer CampusHub\n")
    site.tick_until(lambda: site.state(env_dir)["pid"] != old and site.state(env_dir)["state"] == "running",
                    "the replacement")
    assert not _alive(old)
    assert _alive(server)
    assert fork_client.ping(site.socket(env_dir))
    assert site.launch(env_dir) != server  # the new one serves the same path
    assert [p.name for p in site.layout.run_dir.glob("forkserver-*.pid")] == [f"forkserver-{env_dir.name}.pid"]


def test_other_environments_start_on_first_use(site):
    default, other = _env(site.envs), _env(site.envs)
    assert site.servers.start([default])
    directory = str(forkservers.directory(site.layout))
    fork_client.want(directory, str(other))
    (site.envs / "elsewhere").mkdir()
    elsewhere = _env(site.envs / "elsewhere")  # complete, but not one of the site's environments
    fork_client.want(directory, str(elsewhere))
    site.tick_until(lambda: site.state(other)["state"] == "running", "the other environment's fork server")
    assert fork_client.ping(site.socket(other)) and fork_client.ping(site.socket(default))
    assert not os.path.exists(site.socket(elsewhere))
    assert any(str(elsewhere) in message for message, warning in site.said if warning)
    assert not os.listdir(Path(directory) / "wanted")


def test_one_that_cannot_start_is_a_warning_and_is_tried_again(site):
    env_dir = _env(site.envs)
    python = env_dir / "bin" / "python"
    python.unlink()
    python.write_text("#!/bin/sh\nexit 3\n")
    python.chmod(0o755)
    assert site.servers.start([env_dir]) is False
    state = site.state(env_dir)
    assert state["state"] == "failed" and "status 3" in state["error"]
    assert any("start the usual way" in message for message, warning in site.said if warning)
    python.unlink()
    python.symlink_to("/usr/bin/python3")
    site.servers.envs[env_dir.name].next_try = 0  # not minutes of back-off in a test
    site.tick_until(lambda: site.state(env_dir)["state"] == "running", "the second try")


def test_switched_off_in_the_config():
    assert forkservers.enabled({"spawner": {"fork_server": True}})
    assert not forkservers.enabled({"spawner": {"fork_server": False}})


def test_a_moved_default_tag_is_warmed_and_the_old_versions_parent_retired(site):
    old, new = _env(site.envs), _env(site.envs)
    defaults = [old]
    site.servers.defaults = lambda: list(defaults)  # as `up` passes: the default tags as they are now
    assert site.servers.start([old])
    old_parent = site.state(old)["pid"]
    server = site.launch(old)
    defaults[:] = [new]  # `campushub env build` moved the tag while `up` runs
    site.tick_until(lambda: any(s["env"] == new.name and s["state"] == "running" for s in describe(site.layout)),
                    "the new default's fork server to answer")
    assert fork_client.ping(site.socket(new))
    assert not _alive(old_parent) and not os.path.exists(site.socket(old))
    assert old.name not in {s["env"] for s in describe(site.layout)}
    assert _alive(server)  # a running server of the old version is not touched
    assert any("no longer a default" in message for message, _ in site.said)
    # a start of the old version (a group pinned to it) asks for its fork server again
    fork_client.want(str(forkservers.directory(site.layout)), str(old))
    site.tick_until(lambda: fork_client.ping(site.socket(old)), "the old version's fork server on demand")
    site.servers._defaults_checked = 0.0  # this tick looks at the defaults again
    site.servers.tick()
    assert fork_client.ping(site.socket(old))  # asked for, not a default: not retired
