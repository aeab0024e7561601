"""The kernel owns its socket folder until the runner (root) locks it, and
owns the folder around it throughout. It used to be able to rename the
folder and leave a link in its place: root's chown + chmod 0755 at the lock,
and root's clean-up (removing kernel.json, kernel-N) then landed on whatever
the link named, e.g. making /etc/shadow world-readable. The folder is now a
mount point in the sandbox (cannot be renamed) and is locked without
following links."""

from __future__ import annotations

import json
import os
import stat
import subprocess

import pytest

from ..course_factory import make_course
from .conftest import ROOT, cli

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs notebooks as nobody in cgroups")

SWAP = """
import os
home = os.environ["HOME"]
try:
    os.rename(os.path.join(home, ".sockets"), os.path.join(home, ".moved"))
    os.symlink({target!r}, os.path.join(home, ".sockets"))
    print("swapped")
except OSError as e:
    print("refused", e.errno)
"""


def run(course, out, python):
    return subprocess.run(cli(str(course), "--python", python, "--out", str(out), "--timeout", "60"),
                          capture_output=True, text=True, timeout=600, cwd=ROOT)


def _victim(path):
    path.write_text("root's secret\n")
    os.chown(path, 4321, 4321)
    path.chmod(0o600)
    return path


def test_a_course_file_run_at_kernel_start_cannot_have_root_chmod_a_file(tmp_path, python):
    victim = _victim(tmp_path / "victim")
    course = make_course(tmp_path / "course", {"lesson": ["print('hello')"]})
    # runs while the kernel starts (an extension of the environment imported from the notebook's
    # folder), before the runner locks the socket folder; waits for the runner to connect first
    (course / "lessons" / "campushub_memory_watch.py").write_text(
        "import time\ntime.sleep(2)\n" + SWAP.format(target=str(victim))
        + "def load_ipython_extension(ip):\n    pass\n")
    done = run(course, tmp_path / "out", python)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    st = victim.stat()
    assert (stat.S_IMODE(st.st_mode), st.st_uid) == (0o600, 4321)  # before the fix: 0755, root's


def test_a_notebook_cannot_have_root_clean_up_through_a_link(tmp_path, python):
    target = tmp_path / "elsewhere"
    target.mkdir()
    for name in ("kernel.json", "kernel-1", "kernel-2"):
        _victim(target / name)
    course = make_course(tmp_path / "course", {"swap": [SWAP.format(target=str(target))]})
    done = run(course, tmp_path / "out", python)
    (result,) = json.loads((tmp_path / "out" / "report.json").read_text())["notebooks"]
    assert result["status"] == "passed", done.stdout + done.stderr
    assert sorted(p.name for p in target.iterdir()) == ["kernel-1", "kernel-2", "kernel.json"]


def test_a_socket_swapped_for_a_link_before_the_lock_ends_the_run(tmp_path, python):
    course = make_course(tmp_path / "course", {"lesson": ["print('hello')"]})
    # course code at kernel start: once the runner is connected, one socket becomes a link (to a root-only
    # socket, say), which the runner would follow as root whenever it reconnects
    (course / "lessons" / "campushub_memory_watch.py").write_text(
        "import os, time\ntime.sleep(2)\nsockets = os.path.join(os.environ['HOME'], '.sockets')\n"
        "name = os.path.join(sockets, sorted(n for n in os.listdir(sockets) if n.startswith('kernel-'))[0])\n"
        "os.unlink(name)\nos.symlink('/run/systemd/private', name)\n"
        "def load_ipython_extension(ip):\n    pass\n")
    done = run(course, tmp_path / "out", python)
    (result,) = json.loads((tmp_path / "out" / "report.json").read_text())["notebooks"]
    assert result["status"] == "died" and "replaced its socket" in result["error"], done.stdout + done.stderr
