"""The analytics extension's pure parts: which course a path is in, the
service's batch limits, what counts as a course notebook's cells and as a
sync status. The extension in a real server is test_analytics_records.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

from campushub.analytics.records import MAX_RECORDS, validate
from campushub.hub.courses import launcher_env
from campushub.singleuser.analytics import records
from campushub.singleuser.analytics.courses import cell_ids, course_of, folders, sync_status
from campushub.singleuser.analytics.messages import request_json, request_v1
from campushub.singleuser.analytics.sender import MAX_BYTES, chunks


def test_a_path_is_in_the_deepest_course_folder_that_holds_it():
    known = folders({"CAMPUSHUB_COURSES": json.dumps([
        {"name": "outer", "folder": "courses"}, {"name": "ml101", "folder": "courses/ml101/"},
        {"title": "no name", "folder": "x"}, {"name": "root", "folder": "/"}])})
    assert known == [("courses/ml101", "ml101"), ("courses", "outer")]
    assert course_of("courses/ml101/week1/a.ipynb", known) == ("ml101", "week1/a.ipynb")
    assert course_of("courses/b.ipynb", known) == ("outer", "b.ipynb")
    assert course_of("courses-old/b.ipynb", known) == (None, None)
    assert course_of("courses", known) == (None, None)
    assert folders({"CAMPUSHUB_COURSES": "not json"}) == [] and folders({}) == []


def test_batches_stay_within_the_services_limits():
    small = [records.execution(0, "a.ipynb", None, None, "c", "ok", 1) for _ in range(2500)]
    first = chunks(small)
    assert len(first) == MAX_RECORDS
    validate(first)  # what the service itself accepts
    big = [records.notebook(0, "ml101", "a.ipynb", [f"{i:060d}" for i in range(1000)]) for _ in range(40)]
    first = chunks(big)
    assert 0 < len(first) < 40 and len(json.dumps({"records": first})) <= MAX_BYTES
    assert chunks(big[:1]) == big[:1]  # one record over the limit still goes alone, for the service to judge


def test_only_notebooks_whose_cells_all_have_ids_give_an_order(tmp_path):
    good = tmp_path / "a.ipynb"
    good.write_text(json.dumps({"cells": [{"id": "x"}, {"id": "y"}], "nbformat": 4, "nbformat_minor": 5}))
    old = tmp_path / "b.ipynb"
    old.write_text(json.dumps({"cells": [{"source": "1"}], "nbformat": 4, "nbformat_minor": 4}))
    broken = tmp_path / "c.ipynb"
    broken.write_text("{")
    assert cell_ids(good) == ["x", "y"]
    assert cell_ids(old) is None and cell_ids(broken) is None and cell_ids(tmp_path / "none") is None


def test_the_sync_status_is_read_only_when_it_makes_sense(tmp_path):
    (tmp_path / ".campushub").mkdir()
    status = tmp_path / ".campushub" / "course-sync.json"
    assert sync_status(tmp_path) is None
    status.write_text(json.dumps({"time": "2026-12-01T03:00:00Z", "courses": {"a": "ok", "b": "failed", "c": "?"}}))
    text, when, courses = sync_status(tmp_path)
    assert text == "2026-12-01T03:00:00Z" and when == datetime(2026, 12, 1, 3, tzinfo=UTC).timestamp()
    assert courses == {"a": "ok", "b": "failed"}
    status.write_text(json.dumps({"time": "2026-12-01T03:00:00", "courses": {"a": "ok"}}))  # no zone
    assert sync_status(tmp_path) is None
    validate([records.sync(when, "a", "ok"), records.execution(when, "p.ipynb", "a", "p.ipynb", None, "aborted", 0)])


def test_the_hub_names_each_course_as_the_extension_reads_it():
    env = launcher_env("en", [("ml101", {"repo": "https://git.example.org/ml101.git", "target": "courses/ml101"}),
                              ("stats", {"repo": "https://git.example.org/stats.git"})])
    known = folders(env)
    assert course_of("courses/ml101/lesson1.ipynb", known) == ("ml101", "lesson1.ipynb")
    assert course_of("stats/w1/a.ipynb", known) == ("stats", "w1/a.ipynb")


def test_a_silent_execute_request_is_not_a_cell_run():
    # what a frontend part sends to query the kernel (silent: no output, no count, no history)
    def msg(silent):
        return {"header": {"msg_id": "m1", "msg_type": "execute_request"}, "parent_header": {},
                "metadata": {"cellId": "c1"}, "content": {"code": "1", "silent": silent}}

    for silent, found in ((False, ("m1", "c1")), (True, None)):
        assert request_json(json.dumps({**msg(silent), "channel": "shell"})) == found
        assert request_v1(serialize_msg_to_ws_v1(msg(silent), "shell", pack=lambda d: json.dumps(d).encode())) == found


class Refuse:
    def warning(self, *args):
        raise AssertionError(args)


def sent_by(spool) -> list[str]:
    """What ``spool``'s sender sends now (rotate, read each batch, delete it as after the service's 200)."""
    spool.rotate()
    out = []
    for batch in spool.batches():
        out += [r["id"] for r in spool.read(batch, Refuse())]
        batch.unlink()
    return out


def test_two_servers_of_one_user_lose_no_record_in_their_shared_spool(tmp_path):
    """A user's named servers share the home and so the spool. One server made the file both appended
    to a batch, sent it and deleted it while the other still had the file open: that one's later records
    went into the batch's file after it was read, and were gone with it."""
    from campushub.singleuser.analytics.spool import Spool

    one, two = Spool(tmp_path), Spool(tmp_path)
    one.open()
    one.append({"id": "one-1"})
    two.append({"id": "two-1"})  # both servers are writing
    one.rotate()
    [batch] = one.batches()
    sent = [r["id"] for r in one.read(batch, Refuse())]
    two.append({"id": "two-2"})  # after the other server read the batch, before it deletes it
    batch.unlink()
    sent += sent_by(two) + sent_by(one)
    assert sorted(sent) == ["one-1", "two-1", "two-2"]


def test_what_a_stopped_server_left_is_sent_by_another(tmp_path):
    from campushub.singleuser.analytics.spool import Spool

    gone, running = Spool(tmp_path), Spool(tmp_path)
    gone.open()
    gone.append({"id": "left-1"})
    running.append({"id": "mine-1"})
    assert sent_by(running) == ["mine-1"]  # the other server is still writing its own file
    gone.close()  # stopped (or killed) before its sender ran
    (tmp_path / "current.jsonl").write_text(json.dumps({"id": "older-extension"}) + "\n")
    assert sorted(sent_by(running)) == ["left-1", "older-extension"]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_what_is_left_of_a_batch_is_written_under_a_name_of_its_own(tmp_path):
    # two servers of one user may both be sending a batch; a shared temporary name (batch-*.tmp) let
    # their rewrites of what is left mix in one file (here that name is taken, as by the other server)
    from campushub.singleuser.analytics.spool import Spool

    spool = Spool(tmp_path)
    spool.open()
    spool.append({"id": "a"})
    spool.append({"id": "b"})
    spool.rotate()
    [batch] = spool.batches()
    batch.with_suffix(".tmp").mkdir()
    spool.keep(batch, [{"id": "b"}])
    assert spool.read(batch, Refuse()) == [{"id": "b"}]
    assert sorted(p.name for p in tmp_path.iterdir()) == [batch.name, batch.with_suffix(".tmp").name]
