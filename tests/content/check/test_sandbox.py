"""The sandbox needs no user namespace, and where none can be made the check
refuses before running anything, in one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from ..course_factory import make_course
from .conftest import ROOT, cli

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox is made by root")
SMALL = {"intro": ["print('hello')"], "whoami": ["import os", "assert os.getuid() != 0, 'kernel runs as root'"],
         "shm": ["import multiprocessing", "multiprocessing.Lock()", "open('/dev/shm/x', 'w').write('x')"]}


def in_chroot(root, command: str) -> subprocess.CompletedProcess:
    """`command` run in a chroot of this machine's own root, where the kernel refuses user namespaces
    (as in the fresh-root install of issue 9); the mount namespace and its mounts vanish with it."""
    root.mkdir()
    script = f"mount --rbind / {root} && exec chroot {root} /bin/sh -c {json.dumps(command)}"
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script],
                          capture_output=True, text=True, timeout=600)


def test_notebooks_run_where_user_namespaces_are_refused(tmp_path, python):
    course = make_course(tmp_path / "course", SMALL)
    refused = in_chroot(tmp_path / "root1", "unshare --user true")
    assert refused.returncode != 0 and "Operation not permitted" in refused.stderr  # the simulation is real

    out = tmp_path / "out"
    args = " ".join(json.dumps(a) for a in cli(str(course), "--python", python, "--out", str(out)))
    done = in_chroot(tmp_path / "root2", f"cd {ROOT} && {args}")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((out / "report.json").read_text())
    assert [r["status"] for r in report["notebooks"]] == ["passed"] * 3  # not as root, with a /dev/shm


def test_missing_bubblewrap_is_named_before_anything_runs(tmp_path, python):
    """bwrap hidden (not executable) in a private mount namespace, as on a machine without it."""
    course = make_course(tmp_path / "course", SMALL)
    bwrap = shutil.which("bwrap")
    args = " ".join(json.dumps(a) for a in cli(str(course), "--python", python, "--out", str(tmp_path / "out")))
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                           f"mount --bind /dev/null {bwrap} && cd {ROOT} && exec {args}"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().count("\n") == 0 and "apt-get install bubblewrap" in done.stderr
    assert "Running notebooks" not in done.stderr and not (tmp_path / "out").exists()


def test_no_namespaces_even_for_root_refuses_in_one_line(tmp_path, python):
    """Root without capabilities (a user namespace mapped to root, every capability dropped):
    the kernel refuses bwrap's namespaces, as it does in a locked-down container."""
    course = make_course(tmp_path / "course", SMALL)
    out = tmp_path / "out"
    done = subprocess.run(
        ["bwrap", "--unshare-user", "--uid", "0", "--gid", "0", "--cap-drop", "ALL", "--ro-bind", "/", "/",
         "--dev", "/dev", "--proc", "/proc", "--bind", "/tmp", "/tmp", "--bind", str(tmp_path), str(tmp_path),
         *cli(str(course), "--python", python, "--out", str(out))],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert "cannot make a sandbox here" in done.stderr and "notebooks were not run" in done.stderr
    assert "died" not in done.stderr and not out.exists()


def test_without_root_it_says_so_in_one_line(tmp_path, python):
    course = make_course(tmp_path / "course", SMALL)
    out = tmp_path / "out"
    done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           *cli(str(course), "--python", python, "--out", "/tmp/campushub-nobody-out")],
                          capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={"HOME": "/tmp", "PATH": os.defpath})
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().count("\n") == 0 and "run as root (for example with sudo)" in done.stderr
    assert not out.exists() and not os.path.exists("/tmp/campushub-nobody-out")
