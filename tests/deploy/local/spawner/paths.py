"""The two ways a local server starts, for the spawner tests: by exec (the
preexec_fn path) and from the environment's fork server. Each hub of these
tests runs once per path; on the fork path `campushub up` runs the site
environment's real fork server, and it must answer before the first spawn
(else the fork path's tests would quietly test exec)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from campushub.config import load, merge
from campushub.deploy.local.environments import built_default_env
from campushub.deploy.local.spawner import fork_client

from ....harness import TEST_PREFIX, Hub, running, wait_for

PATHS = ("exec", "fork")
DEFAULT_PATH = "fork"  # spawner.fork_server: true
PREFIX = TEST_PREFIX + "s"


def with_path(overrides: dict, path: str) -> dict:
    return merge(overrides, {"spawner": {"fork_server": path == "fork"}})


@dataclass
class ForkServer:
    env_dir: Path
    socket: str
    exits: str


def env_dir_of(hub: Hub) -> Path:
    env_dir = built_default_env(load(hub.config_file))
    assert env_dir is not None, "campushub up did not build the site environment"
    return env_dir


def fork_server_of(hub: Hub) -> ForkServer:
    """The fork server `up` runs for the site environment, once it answers."""
    env_dir = env_dir_of(hub)
    directory = str(hub.data_dir / "forkservers")
    server = ForkServer(env_dir, fork_client.socket_path(directory, str(env_dir)),
                        fork_client.exits_dir(directory, str(env_dir)))
    wait_for(lambda: fork_client.ping(server.socket), 120, "the fork server of campushub up to answer")
    return server


@contextlib.contextmanager
def running_on(hub: Hub, path: str, prefix: str):
    """`hub` up (harness.running); on the fork path hub.fork_server is up's, answering."""
    with running(hub, prefix):
        hub.fork_server = fork_server_of(hub) if path == "fork" else None
        yield hub


def hub_log(hub: Hub) -> str:
    return (hub.data_dir / "logs" / "hub.log").read_text(errors="replace")


def parent_command(pid: int) -> str:
    ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return Path(f"/proc/{ppid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
