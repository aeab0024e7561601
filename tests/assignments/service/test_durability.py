"""Fault injection: the service is killed with SIGKILL in the middle of a
burst of submissions from several threads. Every submission it acknowledged
(201) is intact afterwards (same files, same hashes), and nothing is
half-written: each version has its files, its grade cells' rows and its job,
SQLite's integrity check passes, numbers have no gaps. Then SIGTERM: a clean
stop, and `up`'s supervisor brings the service back either way."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import threading

import requests

from campushub.deploy.local import processes
from campushub.deploy.local.layout import Layout

from ...harness import wait_for
from .conftest import COURSE, b64

THREADS = 4


def _files(ps1_release, marker: str) -> dict[str, bytes]:
    files = {}
    for path in ("problem1.ipynb", "problem2.ipynb"):
        nb = json.loads(ps1_release.student[path])
        nb["metadata"]["burst"] = marker  # a distinct version each time
        files[path] = json.dumps(nb).encode()
    return files


def _pid(layout: Layout) -> int | None:
    pid = processes.read_pid(layout, "assignments")
    return pid if pid and processes.alive(pid) else None


def _answering(site) -> bool:
    r = site.call("ann", "GET", "api/assignments")
    return r.status_code == 200


def test_sigkill_during_a_burst_loses_no_acknowledged_submission(site, service_ps1, ps1_release):
    layout = Layout(site.hub.data_dir)
    acked, refused, stop, lock = [], [], threading.Event(), threading.Lock()

    def burst(n: int, learner: str):
        i = 0
        while not stop.is_set():
            files = _files(ps1_release, f"{n}-{i}")
            i += 1
            try:
                r = site.call(learner, "POST", f"api/course/{COURSE}/a/ps1/submissions", json={"files": b64(files)})
            except requests.RequestException as e:
                with lock:
                    refused.append(type(e).__name__)
                continue
            with lock:
                (acked if r.status_code == 201 else refused).append((learner, r.json() if r.status_code == 201
                                                                     else r.status_code, files))

    first = _pid(layout)
    assert first, "the assignments service is not running"
    threads = [threading.Thread(target=burst, args=(n, ("ann", "ben")[n % 2])) for n in range(THREADS)]
    for t in threads:
        t.start()
    try:
        wait_for(lambda: len(acked) >= 12, 120, "a dozen acknowledged submissions")
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: len(refused) >= 1, 60, "a submission to fail while the service is down")
    finally:
        stop.set()
        for t in threads:
            t.join(180)
    # up's supervisor starts it again; acknowledged versions are all there
    wait_for(lambda: _pid(layout) not in (None, first) and _answering(site), 120, "the service to be restarted")

    db = sqlite3.connect(f"file:{site.hub.data_dir / 'assignments' / 'assignments.sqlite'}?mode=ro", uri=True)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    for learner, reply, files in acked:
        row = db.execute("SELECT v.id, v.sha256 FROM versions v JOIN assignments a ON a.id = v.assignment_id "
                         "WHERE a.name = 'ps1' AND learner = ? AND number = ?", (learner, reply["number"])).fetchone()
        assert row is not None and row[1] == reply["sha256"], (learner, reply)
        stored = dict(db.execute("SELECT f.path, b.data FROM version_files f JOIN blobs b ON b.sha256 = f.sha256 "
                                 "WHERE f.version_id = ? AND f.kind = 'submitted'", (row[0],)).fetchall())
        assert stored == files
        for data in stored.values():
            digest = hashlib.sha256(data).hexdigest()
            assert db.execute("SELECT count(*) FROM blobs WHERE sha256 = ?", (digest,)).fetchone() == (1,)
    # nothing half-written: every version has its files and its job, numbers have no gaps
    assert db.execute("SELECT count(*) FROM versions v WHERE NOT EXISTS (SELECT 1 FROM version_files f "
                      "WHERE f.version_id = v.id AND f.kind = 'submitted')").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM versions v WHERE NOT EXISTS "
                      "(SELECT 1 FROM jobs j WHERE j.version_id = v.id)").fetchone() == (0,)
    for learner, count, top in db.execute("SELECT learner, count(*), max(number) FROM versions GROUP BY "
                                          "assignment_id, learner").fetchall():
        assert count == top, f"{learner}: version numbers have gaps"
    db.close()


def test_sigterm_stops_cleanly_and_up_restarts_it(site, service_ps1, ps1_release):
    layout = Layout(site.hub.data_dir)
    wait_for(lambda: _pid(layout), 60, "the service to run")
    pid = _pid(layout)
    log = layout.log_file("assignments")
    mark = len(log.read_text())
    r = site.call("ann", "POST", f"api/course/{COURSE}/a/ps1/submissions",
                  json={"files": b64(_files(ps1_release, "sigterm"))})
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
