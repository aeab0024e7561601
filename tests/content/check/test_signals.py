"""Probe finding (issue 9): Ctrl-C was ignored for over a minute and SIGTERM
left the run's cgroup and its copy of the course behind. Both now end every
run at once and leave nothing."""

from __future__ import annotations

import os
import signal

import psutil
import pytest

from tests.harness import wait_for

from ..course_factory import make_course
from .conftest import is_kernel, leftovers, start, stop

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs notebooks as nobody in cgroups")


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_everything_and_leaves_nothing(tmp_path, python, signum, status):
    course = make_course(tmp_path / "course",
                         {"spin": ["while True:\n    pass"], "sleep": ["import time", "time.sleep(600)"]})
    # in a session of its own, as a terminal would have it: the signal goes to the command alone
    proc = start(str(course), "--python", python, "--out", str(tmp_path / "out"), "--jobs", "2",
                 start_new_session=True)
    try:
        def kernels():
            assert proc.poll() is None, proc.stderr.read()
            found = [p for p in psutil.Process(proc.pid).children(recursive=True)
                     if is_kernel(p)]
            return found if len(found) == 2 else None
        running = wait_for(kernels, 180, "both notebooks' kernels to run")
        groups, copies = leftovers(proc.pid)
        assert len(groups) == 2 and len(copies) == 1  # the run has its cgroups and its copy now
        proc.send_signal(signum)
        wait_for(lambda: proc.poll() is not None, 60, "the check to stop")
        err = proc.stderr.read()
    finally:
        stop(proc)
    assert proc.returncode == status and "Traceback" not in err, err
    assert f"stopped by {'Ctrl-C' if signum == signal.SIGINT else 'SIGTERM'}" in err
    wait_for(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in running), 30,
             "the kernels to be gone")
    assert leftovers(proc.pid) == (set(), set())
    assert not (tmp_path / "out").exists()
