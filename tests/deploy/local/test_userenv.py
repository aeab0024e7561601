"""The shared user environment, really built from the project's lock.

It lives where `campushub up` puts it by default, so a machine (and CI)
builds it once for the tests and the platform alike; scratch builds go to
/opt/campushub-test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from campushub.deploy.local.errors import InstallError
from campushub.deploy.local.userenv import MARKER, ensure_user_env, env_dir_for, is_complete, pinned

PYTHON = "/usr/bin/python3"
ROOT = Path("/opt/campushub/envs")
SCRATCH = Path("/opt/campushub-test/scratch")
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"
LOCK = Path(__file__).resolve().parents[3] / "campushub" / "singleuser" / "environment.lock"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="installs under /opt and switches to user nobody")


def as_nobody(*cmd: str | Path) -> subprocess.CompletedProcess:
    # nobody's real HOME, and a cwd it can enter: what a spawned server would see
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8"}
    return subprocess.run([RUNUSER, "-u", "nobody", "--", *map(str, cmd)],
                          capture_output=True, text=True, cwd="/", env=env)


def canonical(pin: str) -> str:
    name, version = pin.split("==")
    return f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}"


@pytest.fixture(scope="session")
def env() -> Path:
    return ensure_user_env(PYTHON, ROOT, LOCK)


@pytest.fixture
def scratch():
    # mkdtemp makes a 0700 dir: the env below it must still work for nobody
    SCRATCH.mkdir(parents=True, exist_ok=True)
    d = Path(tempfile.mkdtemp(dir=SCRATCH))
    yield d
    shutil.rmtree(d)


def test_env_lives_where_env_dir_for_says(env):
    assert env == env_dir_for(PYTHON, ROOT, LOCK)
    assert env.name.startswith("py3.11-")
    assert is_complete(env)


def test_env_dir_for_tracks_the_lock_and_creates_nothing(tmp_path):
    changed = tmp_path / "changed.lock"
    changed.write_text(LOCK.read_text() + "# one more line\n")
    root = tmp_path / "root"
    assert env_dir_for(PYTHON, root, LOCK) == env_dir_for(PYTHON, root, LOCK)
    assert env_dir_for(PYTHON, root, changed) != env_dir_for(PYTHON, root, LOCK)
    assert not root.exists()


def test_second_call_does_not_rebuild(env):
    before = (env / MARKER).stat().st_mtime_ns
    messages: list[str] = []
    assert ensure_user_env(PYTHON, ROOT, LOCK, progress=messages.append) == env
    assert (env / MARKER).stat().st_mtime_ns == before
    assert not any("installing" in m for m in messages), messages


def test_installed_versions_match_the_lock_exactly(env):
    out = subprocess.run([env / "bin" / "python", "-m", "pip", "freeze"], capture_output=True, text=True, check=True)
    # CampusHub's own laid files carry a dist-info (the kernel provisioner's entry point)
    frozen = {canonical(line) for line in out.stdout.splitlines() if line} - {"campushub-kernel-fork==1.0"}
    assert frozen == {canonical(pin) for pin in pinned(LOCK)}
    assert len(frozen) > 100  # the lock really is the full transitive set


def test_dependencies_are_consistent(env):
    out = subprocess.run([env / "bin" / "python", "-m", "pip", "check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def test_python3_kernel_runs_on_the_env(env):
    spec = json.loads((env / "share/jupyter/kernels/python3/kernel.json").read_text())
    assert spec["argv"][0] == str(env / "bin" / "python")
    find = "from jupyter_client.kernelspec import KernelSpecManager as M; print(M().find_kernel_specs()['python3'])"
    out = as_nobody(env / "bin" / "python", "-c", find)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(env / "share/jupyter/kernels/python3")


def test_unprivileged_user_can_use_the_env(env):
    out = as_nobody(env / "bin" / "python", "-c", "import numpy, pandas, sklearn, matplotlib.pyplot")
    assert out.returncode == 0, out.stderr
    out = as_nobody(env / "bin" / "jupyterhub-singleuser", "--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "6.1.1"


@pytest.mark.parametrize("where", [".", "bin", "lib/python3.11/site-packages", "lib/python3.11/site-packages/numpy"])
def test_unprivileged_user_cannot_write_into_the_env(env, where):
    target = env / where / "campushub-write-probe"
    out = as_nobody("touch", target)
    assert out.returncode != 0
    assert not target.exists()


def test_env_is_root_owned_and_read_only(env):
    for path in [env, *env.rglob("*")]:
        try:
            st = path.lstat()
        except FileNotFoundError:  # a file `up` lays into the shared env (x.tmp, then renamed) as we walk it
            continue
        assert st.st_uid == 0, path
        if not stat.S_ISLNK(st.st_mode):
            assert stat.S_IMODE(st.st_mode) in (0o644, 0o755), path


def test_incomplete_env_is_wiped_and_rebuilt(scratch):
    lock = scratch / "small.lock"
    lock.write_text("six==1.17.0\n")
    root = scratch / "envs"
    env = ensure_user_env(PYTHON, root, lock)
    (env / MARKER).unlink()  # as if the first build had been killed
    (env / "leftover").write_text("half-built")
    messages: list[str] = []
    assert ensure_user_env(PYTHON, root, lock, progress=messages.append) == env
    assert not (env / "leftover").exists()
    assert is_complete(env)
    assert any("installing 1 pinned packages" in m for m in messages), messages
    out = as_nobody(env / "bin" / "python", "-c", "import six")
    assert out.returncode == 0, out.stderr


def test_failed_install_points_to_its_log(scratch):
    lock = scratch / "bad.lock"
    lock.write_text("six==0.0.0\n")
    root = scratch / "envs"
    with pytest.raises(InstallError) as failure:
        ensure_user_env(PYTHON, root, lock)
    env = env_dir_for(PYTHON, root, lock)
    log = root / "logs" / f"{env.name}.log"
    assert str(log) in str(failure.value)
    assert "six==0.0.0" in log.read_text()
    assert not is_complete(env)
