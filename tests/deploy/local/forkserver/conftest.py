"""One real fork server (the site environment's Python, as root) and two
real accounts whose servers it starts, each with its own cgroup, private
/tmp and a token only it may know."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from campushub.deploy.local.spawner import cgroups
from campushub.deploy.local.spawner.unix_users import ensure_user
from campushub.deploy.local.userenv import ensure_user_env

from ....harness import ROOT, TEST_PREFIX, free_port, wait_for
from . import servers

PREFIX = TEST_PREFIX + "f"
LOCK = ROOT / "campushub" / "singleuser" / "environment.lock"
SCRATCH = Path("/opt/campushub-test/scratch")  # traversable by the accounts, unlike pytest's tmp dirs


@dataclass
class Running:
    account: object
    token: str
    port: int
    pid: int
    log: Path
    request: dict

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/user/{self.account.pw_name}/api"


@pytest.fixture(scope="package")
def env_dir() -> Path:
    return ensure_user_env("/usr/bin/python3", Path("/opt/campushub/envs"), LOCK)


@pytest.fixture(scope="package")
def hub_port():
    hub = servers.fake_hub()
    yield hub.server_address[1]
    hub.shutdown()
    hub.server_close()


@pytest.fixture(scope="package")
def workdir():
    SCRATCH.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="forkserver-", dir=SCRATCH))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="package")
def forkserver(env_dir, workdir):
    server = servers.start(env_dir, workdir)
    yield server
    servers.stop(server)


@pytest.fixture(scope="package")
def accounts():
    made = {}
    try:
        for name in ("a", "b"):
            made[name] = ensure_user(PREFIX + name)
        yield made
    finally:
        for entry in made.values():
            subprocess.run(["pkill", "-KILL", "-u", entry.pw_name], capture_output=True)
            subprocess.run(["userdel", "--remove", entry.pw_name], capture_output=True)


def _empty(backend, name: str) -> bool:
    for pid in backend.usage(name)["pids"]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return not backend.usage(name)["pids"]


@pytest.fixture(scope="package")
def pair(forkserver, accounts, hub_port, workdir):
    """Both accounts' servers, running and answering /api."""
    backend = cgroups.detect()
    running: dict[str, Running] = {}
    try:
        for name, account in accounts.items():
            backend.create(account.pw_name, cgroups.Limits(cpu=1.0, memory=1 << 30, pids=256))
            token = f"tok{name}{secrets.token_hex(20)}"
            port = free_port()
            req = servers.request(forkserver, account, token=token, port=port, hub_port=hub_port,
                                  procs_files=backend.procs_files(account.pw_name))
            log = workdir / f"{account.pw_name}.log"
            running[name] = Running(account, token, port, servers.launch(forkserver, req, log), log, req)
        for r in running.values():
            wait_for(lambda r=r: requests.get(r.api, timeout=5).ok, 90, f"{r.account.pw_name}'s server")
        yield running
    finally:
        for account in accounts.values():
            try:
                wait_for(lambda a=account: _empty(backend, a.pw_name), 30, f"{account.pw_name}'s cgroup to empty")
            finally:
                backend.remove(account.pw_name)
