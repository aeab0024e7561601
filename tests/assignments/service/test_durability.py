"""Fault injection: the service is killed with SIGKILL in the middle of a
burst of submissions from several threads. Every submission it acknowledged
(201) is intact afterwards (same files, same hashes), and nothing is
half-written: each version has its files, its grade cells' rows and its job,
SQLite's integrity check passes, numbers have no gaps. Then SIGTERM: a clean
stop, and `up`'s supervisor brings the service back either way."""

from __future__ import annotations

import os
import signal
import sqlite3

from campushub.deploy.local import processes
from campushub.deploy.local.layout import Layout

from ...harness import wait_for
from .burst import Burst, check_intact, versioned
from .conftest import COURSE, b64

THREADS = 4


def _pid(layout: Layout) -> int | None:
    pid = processes.read_pid(layout, "assignments")
    return pid if pid and processes.alive(pid) else None


def _answering(site) -> bool:
    r = site.call("ann", "GET", "api/assignments")
    return r.status_code == 200


def test_sigkill_during_a_burst_loses_no_acknowledged_submission(site, service_ps1, ps1_release):
    layout = Layout(site.hub.data_dir)
    first = _pid(layout)
    assert first, "the assignments service is not running"
    burst = Burst(site.call, ps1_release, ("ann", "ben"), threads=THREADS).start()
    try:
        wait_for(lambda: len(burst.acked) >= 12, 120, "a dozen acknowledged submissions")
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: len(burst.failed) >= 1, 60, "a submission to fail while the service is down")
    finally:
        burst.stop()
    # up's supervisor starts it again; acknowledged versions are all there
    wait_for(lambda: _pid(layout) not in (None, first) and _answering(site), 120, "the service to be restarted")
    path = site.hub.data_dir / "assignments" / "assignments.sqlite"
    sqlite = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert sqlite.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert sqlite.execute("PRAGMA foreign_key_check").fetchall() == []
    sqlite.close()
    check_intact(f"sqlite:///{path}", burst.acked)
    listed = {(v["number"], v["sha256"]) for v in site.call("ann", "GET", f"api/course/{COURSE}/a/ps1/versions")
              .json()["versions"]}
    assert {(r["number"], r["sha256"]) for learner, r, _f in burst.acked if learner == "ann"} <= listed


def test_sigterm_stops_cleanly_and_up_restarts_it(site, service_ps1, ps1_release):
    layout = Layout(site.hub.data_dir)
    wait_for(lambda: _pid(layout), 60, "the service to run")
    pid = _pid(layout)
    log = layout.log_file("assignments")
    mark = len(log.read_text())
    r = site.call("ann", "POST", f"api/course/{COURSE}/a/ps1/submissions",
                  json={"files": b64(versioned(ps1_release, "sigterm"))})
    assert r.status_code == 201, r.text
    number = r.json()["number"]

    def status() -> str:
        found = site.call("ann", "GET", f"api/course/{COURSE}/a/ps1/versions").json()["versions"]
        return next(v["status"] for v in found if v["number"] == number)

    wait_for(lambda: status() != "submitted", 300, "a worker to take the new version")
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not processes.alive(pid), 60, "the service to exit on SIGTERM")
    wait_for(lambda: _pid(layout) not in (None, pid) and _answering(site), 120, "the service to be restarted")
    after = log.read_text()[mark:]
    assert "campushub.assignments: stopped" in after, after[-2000:]
    # the job it held went back to the queue at the stop, not at the next start
    assert "left running by a previous process" not in after, after[-2000:]
    assert status() in ("submitted", "autograding", "autograded", "graded")
