"""What the analytics extension records, from a real server and kernel:
cells run through both websocket protocols as JupyterLab runs them, sent
to a tiny real HTTP receiver standing in for the analytics service
(analytics_receiver.py; the service itself is tested in tests/analytics/)."""

from __future__ import annotations

import json
import os
import time

import pytest

from ..harness import wait_for
from .analytics_receiver import Receiver
from .analytics_server import API_TOKEN, Learner, notebook

COURSES = [{"name": "ml101", "title": "Machine learning", "folder": "ml101", "link": "../git-pull?x"},
           {"name": "stats", "title": "Statistics", "folder": "statistics", "link": "../git-pull?y"}]
SECRET_SOURCE = "SOURCE-MARKER-7f3a"
# the cell prints this text, which its source does not contain as one piece
SECRET_OUTPUT = "OUTPUT-MARKER-" + "91c2"
CELLS = [("c-ok", f"x = 6 * 7\nprint('OUTPUT-MARKER-' + '91c2')  # {SECRET_SOURCE}"),
         ("c-err", "1 / 0"), ("c-abort", "y = 1")]


@pytest.fixture(scope="module")
def receiver():
    receiver = Receiver(API_TOKEN)
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def learner(receiver):
    learner = Learner(receiver.url, COURSES)
    learner.write("ml101/lesson1.ipynb", notebook(["c-ok", "c-err", "c-abort"]))
    learner.write(".campushub/course-sync.json", json.dumps(
        {"time": "2026-12-01T03:00:00.000Z", "courses": {"ml101": "ok", "stats": "failed"}}))
    try:
        learner.start()
        yield learner
    finally:
        learner.close()


def executions(receiver, cell):
    return [r for r in receiver.of_kind("execution") if r["cell"] == cell]


def test_executions_in_a_course_notebook_are_recorded_with_status_and_duration(learner, receiver):
    kernel = learner.session("ml101/lesson1.ipynb")
    assert learner.run(kernel, CELLS) == {"c-ok": "ok", "c-err": "error", "c-abort": "aborted"}
    wait_for(lambda: all(executions(receiver, c) for c, _ in CELLS), 60, "the three executions at the receiver")
    for cell, status in [("c-ok", "ok"), ("c-err", "error"), ("c-abort", "aborted")]:
        (record,) = executions(receiver, cell)
        assert record["status"] == status and record["path"] == "ml101/lesson1.ipynb", record
        assert record["course"] == "ml101" and record["notebook"] == "lesson1.ipynb", record
        assert record["duration_ms"] >= 0 and record["time"].endswith("Z") and len(record["id"]) == 32, record
    wait_for(lambda: receiver.of_kind("notebook"), 60, "the course notebook's cells")
    (cells,) = receiver.of_kind("notebook")
    assert (cells["course"], cells["notebook"]) == ("ml101", "lesson1.ipynb")
    assert cells["cells"] == ["c-ok", "c-err", "c-abort"]
    syncs = sorted((r["course"], r["status"], r["time"]) for r in receiver.of_kind("sync"))
    assert syncs == [("ml101", "ok", "2026-12-01T03:00:00.000Z"), ("stats", "failed", "2026-12-01T03:00:00.000Z")]


def test_the_v1_protocol_and_notebooks_outside_courses(learner, receiver):
    kernel = learner.session("notes/scratch.ipynb")
    assert learner.run(kernel, [("s-1", "z = 2"), ("s-2", "raise ValueError('no')")], protocol="v1") == {
        "s-1": "ok", "s-2": "error"}
    wait_for(lambda: executions(receiver, "s-1") and executions(receiver, "s-2"), 60, "the v1 executions")
    for cell, status in [("s-1", "ok"), ("s-2", "error")]:
        (record,) = executions(receiver, cell)
        assert (record["path"], record["course"], record["notebook"], record["status"]) == (
            "notes/scratch.ipynb", None, None, status), record
    assert not [r for r in receiver.of_kind("notebook") if r["notebook"] == "scratch.ipynb"]


def test_a_course_notebook_saved_with_other_cells_is_sent_again(learner, receiver):
    kernel = learner.session("statistics/week1.ipynb")
    learner.write("statistics/week1.ipynb", notebook(["a", "b"]))
    learner.run(kernel, [("a", "1")])
    wait_for(lambda: [r for r in receiver.of_kind("notebook") if r["course"] == "stats"], 60, "week1's cells")
    # the learner adds a cell and saves (a later mtime)
    path = learner.write("statistics/week1.ipynb", notebook(["a", "mine", "b"]))
    os.utime(path, (time.time() + 5, time.time() + 5))
    learner.run(kernel, [("mine", "2")])
    wait_for(lambda: len([r for r in receiver.of_kind("notebook") if r["course"] == "stats"]) == 2, 60,
             "week1's cells again")
    sent = sorted((r["time"], r["cells"]) for r in receiver.of_kind("notebook") if r["course"] == "stats")
    assert [cells for _, cells in sent] == [["a", "b"], ["a", "mine", "b"]]
    assert {r["notebook"] for r in receiver.of_kind("notebook") if r["course"] == "stats"} == {"week1.ipynb"}


def test_a_cell_still_running_when_the_tab_closes_is_recorded(learner, receiver):
    kernel = learner.session("ml101/lesson1.ipynb")
    learner.run(kernel, [("closed-1", "import time\ntime.sleep(1)")], wait=False)
    wait_for(lambda: executions(receiver, "closed-1"), 60, "the execution whose websocket had closed")
    (record,) = executions(receiver, "closed-1")
    assert record["status"] == "ok" and record["duration_ms"] >= 1000, record


def test_no_source_no_outputs_no_error_text_leave_the_server(learner, receiver):
    wait_for(lambda: executions(receiver, "c-err"), 60, "the executions")
    sent = b"".join(receiver.bodies).decode()
    kept = learner.spooled()
    for secret in (SECRET_SOURCE, SECRET_OUTPUT, "6 * 7", "1 / 0", "ZeroDivisionError", "ValueError", "division"):
        assert secret not in sent and secret not in kept, secret
    assert SECRET_OUTPUT in "".join(learner.outputs)  # the cell did print it, to the notebook only
    assert oct(learner.spool.stat().st_mode & 0o777) == "0o700"
    assert receiver.refused == [], receiver.refused


def test_switched_off_by_config_it_records_nothing(receiver):
    learner = Learner(receiver.url, COURSES, enabled=False)
    try:
        learner.start()
        before = len(receiver.bodies)
        kernel = learner.session("ml101/off.ipynb")
        assert learner.run(kernel, [("off-1", "1")]) == {"off-1": "ok"}
        learner.stop()  # a running extension would send on the way out
        assert not learner.spool.exists()
        assert len(receiver.bodies) == before and not executions(receiver, "off-1")
    finally:
        learner.close()
