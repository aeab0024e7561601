"""Shared by the content check tests: the environment notebooks run in, and
the real CLI run as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from campushub.config import validate
from campushub.deploy.local import environments
from campushub.deploy.local.spawner import cgroups

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def python(tmp_path_factory):
    """The default environment's interpreter; built (once) if no run before built it.

    The venv is the shared one in the install prefix; the tag links a build
    writes go to a data dir of the test's own, not the machine's site."""
    config = validate({"data_dir": str(tmp_path_factory.mktemp("site"))})
    env_dir = environments.built_default_env(config)
    if env_dir is None:
        env_dir = environments.default_env_dir(config, environments.ensure_environments(config))
    return str(env_dir / "bin" / "python")


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "campushub", "content", "check", *args]


def check(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """The check run to its end; `.pid` says which cgroups and copies were its own."""
    proc = start(*args, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        stop(proc)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    done.pid = proc.pid
    return done


def start(*args: str, env: dict | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(cli(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "COLUMNS": "200", **(env or {})}, **kwargs)


def stop(proc: subprocess.Popen) -> None:
    """End a check a test gave up on the way an operator would (SIGTERM), so it cleans up; kill if it hangs."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def is_kernel(process) -> bool:
    """A notebook's kernel itself (not the sandbox processes whose command lines name it too)."""
    cmd = process.cmdline()
    return len(cmd) > 2 and cmd[1] == "-s" and cmd[2].endswith("ipykernel_launcher.py")


def leftovers(pid: int) -> tuple[set[str], set[str]]:
    """The cgroups and temporary copies of the check with process id `pid` that exist right now."""
    groups = set()
    try:
        backend = cgroups.detect()
        bases = backend.mounts.values() if backend.version == 1 else [backend.root]
        for base in bases:
            parent = Path(base) / cgroups.PARENT
            if parent.is_dir():
                groups |= {p.name for p in parent.iterdir() if p.name.startswith(f"content-check-{pid}-")}
    except cgroups.CgroupUnavailable:
        pass
    import tempfile
    tmp = Path(tempfile.gettempdir())
    return groups, {p.name for p in tmp.iterdir() if p.name.startswith(f"campushub-check-{pid}-")}
