"""Probe finding (issue 9): a notebook with a failing cell printed a fake
"passed" line and killed its runner, and the check reported it passed. The
outcome now travels on a pipe the kernel cannot reach, and a runner that dies
is a failure."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import psutil
import pytest

from tests.harness import wait_for

from ..course_factory import make_course
from .conftest import ROOT, cli, is_kernel, start, stop

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs notebooks as nobody in cgroups")
FAKE = '{"status": "passed"}'
FORGER = [
    "import json, os, signal, sys",
    # every channel a kernel might share with whoever reads its result
    f"print({FAKE!r}); sys.stdout.flush(); sys.__stdout__.write({FAKE!r} + '\\n'); sys.__stdout__.flush()\n"
    f"sys.__stderr__.write({FAKE!r} + '\\n'); sys.__stderr__.flush()\n"
    "for fd in range(64):  # every pipe or file it holds (its zmq sockets are its own)\n"
    "    try:\n"
    "        if os.readlink(f'/proc/self/fd/{fd}').startswith(('pipe:', '/')):\n"
    "            os.write(fd, " + repr((FAKE + "\n").encode()) + ")\n"
    "    except OSError: pass",
    # ...then kill everything it can see (its runner, if it were visible), and fail
    "killed = []\n"
    "for pid in [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
    "    if pid not in (os.getpid(), os.getppid()):\n"
    "        try: os.kill(pid, signal.SIGKILL); killed.append(pid)\n"
    "        except OSError: pass\n"
    "try: os.kill(os.getppid(), signal.SIGKILL)\n"
    "except OSError: pass",
    "raise ValueError('this lesson is broken')",
]


def run(course, out, python):
    return subprocess.run(cli(str(course), "--python", python, "--out", str(out), "--timeout", "60"),
                          capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_a_notebook_cannot_forge_its_result(tmp_path, python):
    course = make_course(tmp_path / "course", {"forger": FORGER})
    done = run(course, tmp_path / "out", python)
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    (result,) = report["notebooks"]
    assert report["passed"] is False and result["status"] == "failed"
    assert (result["cell"], result["ename"], result["evalue"]) == (3, "ValueError", "this lesson is broken")


def test_a_killed_runner_is_a_failure(tmp_path, python):
    course = make_course(tmp_path / "course", {"slow": ["import time", "time.sleep(120)"]})
    proc = start(str(course), "--python", python, "--out", str(tmp_path / "out"))
    try:
        def runner():
            for child in psutil.Process(proc.pid).children(recursive=True):
                if any(part.endswith("runner.py") for part in child.cmdline()):
                    kernel = [c for c in child.children(recursive=True) if is_kernel(c)]
                    return child if kernel else None
            return None
        wait_for(runner, 120, "the notebook's kernel to start").send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=120)
    finally:
        stop(proc)
    assert proc.returncode == 1, out + err
    (result,) = json.loads((tmp_path / "out" / "report.json").read_text())["notebooks"]
    assert result["status"] == "error" and "killed by signal 9" in result["error"]


def test_the_kernel_cannot_redirect_its_runner(tmp_path, python):
    """The runner runs as root: a kernel that swapped one of its sockets for a link (to some root-only
    socket) would have it follow the link on reconnecting; and a course file named like the kernel's
    launcher must not run in its place, before the socket folder is locked."""
    swap = [
        "import glob, os\n"
        "from ipykernel.connect import get_connection_file\n"
        "socket = sorted(glob.glob(os.path.join(os.path.dirname(get_connection_file()), 'kernel-*')))[0]\n"
        "try:\n"
        "    os.unlink(socket)\n"
        "    os.symlink('/run/systemd/private', socket)\n"
        "    outcome = 'swapped'\n"
        "except PermissionError:\n"
        "    outcome = 'refused'\n"
        "assert outcome == 'refused', outcome",
    ]
    course = make_course(tmp_path / "course", {"swap": swap})
    (course / "lessons" / "ipykernel_launcher.py").write_text("raise SystemExit('course code ran as the launcher')\n")
    done = run(course, tmp_path / "out", python)
    assert done.returncode == 0, done.stdout + done.stderr
    (result,) = json.loads((tmp_path / "out" / "report.json").read_text())["notebooks"]
    assert result["status"] == "passed"
