"""The grading queue on a real Store (SQLite and PostgreSQL): submissions are
autograded by worker threads, jobs a dead process left running are graded
after a restart, and a queue stopped mid-job gives its job back."""

from __future__ import annotations

import os

import pytest

from campushub.assignments.grading import queue

from ...harness import wait_for

pytestmark = [pytest.mark.stack, pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox is made by root")]
FULL = 8.0  # ps1's autograded points: tests of 2 + 3 + 3


def graded(store, version_id: int):
    version = store.version(version_id)
    return version if version["status"] in ("autograded", "graded") else None


def test_submissions_are_autograded(store, ps1, ps1_source, grader):
    right = store.submit(ps1["id"], "alice", dict(ps1_source.notebooks), late=False)
    blank = store.submit(ps1["id"], "bob", store.student_files(ps1["id"]), late=False)
    q = queue.start(store, grader, workers=2)
    try:
        alice = wait_for(lambda: graded(store, right["id"]), 180, "alice's submission autograded")
        bob = wait_for(lambda: graded(store, blank["id"]), 180, "bob's submission autograded")
    finally:
        q.stop()
    assert (alice["auto"], alice["error"], bob["auto"], bob["error"]) == (FULL, None, 0.0, None)
    cells = {(c["notebook"], c["grade_id"]): c["auto_points"] for c in store.cell_grades(right["id"])}
    assert cells[("problem1.ipynb", "test_clamp")] == 3.0
    assert set(store.executed_files(right["id"])) == {"problem1.ipynb", "problem2.ipynb"}
    assert all(t.is_alive() is False for t in q.threads)


def test_a_job_left_running_by_a_dead_process_is_graded_after_restart(store, ps1, ps1_source, grader):
    version = store.submit(ps1["id"], "carol", dict(ps1_source.notebooks), late=False)
    assert store.claim_job("a-process-that-died")["version_id"] == version["id"]
    assert store.version(version["id"])["status"] == "autograding"
    q = queue.start(store, grader, workers=1)  # the service starting again
    try:
        done = wait_for(lambda: graded(store, version["id"]), 180, "the stale job autograded")
    finally:
        q.stop()
    assert done["auto"] == FULL


def test_a_job_interrupted_by_closing_the_grader_goes_back(store, ps1, python, tmp_path):
    """The service stopping while a notebook runs: the job is queued again, not failed."""
    from campushub.assignments.grading.engine import Grader

    from .conftest import LIMITS

    files = store.student_files(ps1["id"])
    files["problem1.ipynb"] = files["problem1.ipynb"].replace(b"raise NotImplementedError()",
                                                              b"import time; time.sleep(600)", 1)
    version = store.submit(ps1["id"], "dave", files, late=False)
    g = Grader(python, workers=1, limits=LIMITS, scratch_root=tmp_path / "scratch")
    q = queue.start(store, g, workers=1)
    wait_for(lambda: store.version(version["id"])["status"] == "autograding", 60, "the job claimed")
    q.stop(timeout=0)  # as the service stops: no new jobs, then the grader closes under the running one
    g.close()
    q.stop()
    assert store.version(version["id"])["status"] == "submitted"
    assert store.claim_job("next-process")["version_id"] == version["id"]
