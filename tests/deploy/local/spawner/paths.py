"""The two ways a local server starts, for the spawner tests: by exec (the
preexec_fn path) and from the environment's fork server. Each hub of these
tests runs once per path; on the fork path the site environment's real fork
server answers before the first spawn: the one `campushub up` runs where it
runs one, else one started here the way `up` does (the package laid into the
environment, `python -I -m campushub_forkserver` as root, a minimal
environment), stopped after the hub."""

from __future__ import annotations

import contextlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from campushub.config import load, merge
from campushub.deploy.local.environments import built_default_env
from campushub.deploy.local.singleuser_files import ensure_singleuser_files
from campushub.deploy.local.spawner import fork_client

from ....harness import TEST_PREFIX, Hub, running, wait_for

PATHS = ("exec", "fork")
PREFIX = TEST_PREFIX + "s"


def with_path(overrides: dict, path: str) -> dict:
    return merge(overrides, {"spawner": {"fork_server": path == "fork"}})


@dataclass
class ForkServer:
    env_dir: Path
    socket: str
    exits: str
    process: subprocess.Popen | None  # None: `campushub up` runs it


def env_dir_of(hub: Hub) -> Path:
    env_dir = built_default_env(load(hub.config_file))
    assert env_dir is not None, "campushub up did not build the site environment"
    return env_dir


def _lay_package(env_dir: Path) -> None:
    ensure_singleuser_files(env_dir)  # what `up` lays, the fork server package included once it does
    site_packages = next(env_dir.glob("lib/python3*/site-packages"))
    for relative, text in fork_client.package_files().items():
        path = site_packages / relative
        if path.exists() and path.read_text() == text:
            continue
        path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(text)
        tmp.chmod(0o644)
        os.replace(tmp, path)


def ensure_fork_server(hub: Hub) -> ForkServer:
    env_dir = env_dir_of(hub)
    directory = str(hub.data_dir / "forkservers")
    server = ForkServer(env_dir, fork_client.socket_path(directory, str(env_dir)),
                        fork_client.exits_dir(directory, str(env_dir)), None)
    if fork_client.ping(server.socket):
        return server
    _lay_package(env_dir)
    with open(hub.workdir / "forkserver.log", "ab") as log:
        server.process = subprocess.Popen(
            [str(env_dir / "bin" / "python"), "-I", "-m", fork_client.PACKAGE,
             "--socket", server.socket, "--exits", server.exits],
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True, cwd="/")
    wait_for(lambda: server.process.poll() is not None or fork_client.ping(server.socket), 180,
             "the fork server to answer")
    assert server.process.poll() is None, (hub.workdir / "forkserver.log").read_text()
    return server


def stop_fork_server(server: ForkServer) -> None:
    if server.process is None:
        return
    server.process.terminate()  # the parent only: servers it started live in their own sessions
    try:
        server.process.wait(30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@contextlib.contextmanager
def running_on(hub: Hub, path: str, prefix: str):
    """`hub` up (harness.running) with a fork server on the fork path; hub.fork_server is it, or None."""
    hub.fork_server = None
    try:
        with running(hub, prefix):
            if path == "fork":
                hub.fork_server = ensure_fork_server(hub)
            yield hub
    finally:
        # after `down --stop-servers`: the hub stopped its forked servers itself
        if hub.fork_server is not None:
            stop_fork_server(hub.fork_server)


def hub_log(hub: Hub) -> str:
    return (hub.data_dir / "logs" / "hub.log").read_text(errors="replace")


def parent_command(pid: int) -> str:
    ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return Path(f"/proc/{ppid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
