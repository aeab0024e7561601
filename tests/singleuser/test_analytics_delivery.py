"""The analytics extension's spool and sender against outages, restarts and
refused records: a real server and kernel (analytics_server.py) and a tiny
real HTTP receiver standing in for the analytics service
(analytics_receiver.py), stopped and started on its port to play an outage."""

from __future__ import annotations

import json
import uuid

import pytest

from ..harness import wait_for
from .analytics_receiver import Receiver
from .analytics_server import API_TOKEN, Learner

COURSES = [{"name": "ml101", "title": "Machine learning", "folder": "ml101", "link": "../git-pull?x"}]


@pytest.fixture
def receiver():
    receiver = Receiver(API_TOKEN)
    yield receiver
    receiver.stop()


@pytest.fixture
def learner(receiver):
    learner = Learner(receiver.url, COURSES)
    yield learner
    learner.close()


def cells(receiver, cell):
    return [r for r in receiver.of_kind("execution") if r["cell"] == cell]


def test_an_outage_loses_nothing_and_delivers_each_record_once(learner, receiver):
    learner.start()  # the service is down
    kernel = learner.session("ml101/lesson.ipynb")
    assert learner.run(kernel, [("out-1", "1"), ("out-2", "2")]) == {"out-1": "ok", "out-2": "ok"}
    wait_for(lambda: "out-2" in "".join(p.read_text() for p in learner.batches()), 60,
             "the records to wait in a batch file")
    receiver.start()
    wait_for(lambda: cells(receiver, "out-1") and cells(receiver, "out-2"), 60, "the records after the outage")
    wait_for(lambda: not learner.batches(), 60, "the delivered batches to be deleted")
    assert len(cells(receiver, "out-1")) == len(cells(receiver, "out-2")) == 1
    assert receiver.duplicates == 0 and receiver.refused == []


def test_leftovers_go_at_the_next_start_and_bad_lines_do_not_block_the_rest(learner, receiver):
    learner.start()
    kernel = learner.session("ml101/lesson.ipynb")
    learner.run(kernel, [("left-1", "1")])
    wait_for(lambda: "left-1" in learner.spooled(), 60, "the record on disk")
    learner.stop()  # its last send finds the service down too
    assert "left-1" in "".join(p.read_text() for p in learner.batches())
    # a batch damaged on disk: a record the service refuses, a line that is no JSON, and a good record
    good = {"id": uuid.uuid4().hex, "kind": "execution", "time": "2026-12-01T03:30:00.000Z", "path": "x.ipynb",
            "course": None, "notebook": None, "cell": "good-1", "status": "ok", "duration_ms": 3}
    bad = {**good, "id": uuid.uuid4().hex, "cell": "bad-1", "status": "exploded"}
    learner.write(".local/share/campushub/analytics/batch-00000000000000000001-damaged.jsonl",
                  json.dumps(bad) + "\n{not json\n" + json.dumps(good) + "\n")
    receiver.start()
    learner.start(flush_s=3600)  # only the send at start, and the one at stop
    wait_for(lambda: cells(receiver, "left-1") and cells(receiver, "good-1"), 60, "the leftovers")
    wait_for(lambda: not learner.batches(), 60, "the spool to empty")
    assert not cells(receiver, "bad-1") and receiver.refused, receiver.refused
    log = learner.log.read_text()
    assert f"refused record {bad['id']}" in log and "dropped line 2 of batch-00000000000000000001" in log
    # records of this run are sent when the server stops, not an hour later
    learner.run(learner.session("ml101/other.ipynb"), [("at-stop", "1")])
    learner.stop()
    assert cells(receiver, "at-stop") and not learner.batches()
    assert receiver.duplicates == 0


def test_a_redirect_to_a_login_page_is_not_taken_for_delivery(learner, receiver):
    receiver.redirect = True
    receiver.start()
    learner.start()
    learner.run(learner.session("ml101/lesson.ipynb"), [("redirected-1", "1")])
    wait_for(lambda: receiver.redirected >= 2, 60, "two sends answered with a redirect")
    assert "redirected-1" in "".join(p.read_text() for p in learner.batches())
    receiver.redirect = False
    wait_for(lambda: cells(receiver, "redirected-1"), 60, "the record once the service answers")
