"""The tutors' gradebook and grades CSV over HTTP (tutor_service.py): every
learner of the course against their latest version, filters and counts from
one Store call at 500 learners x 10 assignments, and learners kept out with
one line that tells them nothing."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from campushub.assignments.store import Store

from .tutor_data import LEARNERS, TUTOR, Page, answer, autograde, hub_people, one_line, tutor_world
from .tutor_service import Service


@pytest.fixture
def world(tmp_path, ps1_source, ps1_release):
    with tutor_world(tmp_path, ps1_source, ps1_release) as found:
        yield found


def test_gradebook_lists_every_learner_with_filters_and_counts(world):
    service, store, a, source, release = world
    ann = store.submit(a["id"], "ann", answer(release), late=False)
    store.submit(a["id"], "bob", answer(release), late=True)
    autograde(store, source)
    bob = store.versions(a["id"], "bob")[-1]
    store.request_resubmission(bob["id"], "show your work", TUTOR)
    tutor = service.session(TUTOR)

    r = tutor.get(service.url + "course/c1/a/ps1/", timeout=30)
    assert r.status_code == 200, r.text[:300]
    rows = Page(r.text).rows
    assert list(rows) == sorted(LEARNERS)  # the one who never submitted included
    assert rows["ann"][:2] == ["ann", "1"] and "Autograded" in rows["ann"] and "8 / 13" in rows["ann"]
    assert "Resubmission requested" in rows["bob"] and "Late" in rows["bob"]
    assert rows["cid"] == ["cid", "Not submitted"]
    assert f'href="/services/assignments/course/c1/a/ps1/learner/ann/v/{ann["number"]}"' in r.text
    assert "Not submitted: 2" in r.text and "Autograded: 1" in r.text

    def shown(query):
        page = tutor.get(service.url + "course/c1/a/ps1/?filter=" + query, timeout=30)
        assert page.status_code == 200
        return list(Page(page.text).rows)

    assert shown("late") == ["bob"]
    assert shown("resubmission") == ["bob"]
    assert shown("needs-grading") == ["ann"]

    bad = tutor.get(service.url + "course/c1/a/ps1/?filter=<b>x", timeout=30)
    assert bad.status_code == 400
    assert one_line(bad) == '400 Unknown filter "<b>x": use needs-grading, resubmission or late.'


def test_gradebook_in_japanese(world):
    service, *_ = world
    r = service.session(TUTOR).get(service.url + "course/c1/a/ps1/", headers={"Accept-Language": "ja"}, timeout=30)
    assert "<title>成績表: Problem set 1</title>" in r.text and "未提出" in r.text


class Counting:
    """The Store, counting which methods a page calls."""

    def __init__(self, store):
        self.store, self.calls = store, []

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(self.store, name)


def bulk_versions(store, ids: list[int], learners: list[str]) -> None:
    """Two versions per learner and assignment, inserted in bulk as
    tests/assignments/store/test_gradebook_scale.py does (submitting 10000
    versions one transaction at a time would take minutes)."""
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from campushub.assignments.store.models import Version
    from campushub.assignments.store.rows import now

    with Session(store._writer) as session, session.begin():
        session.execute(insert(Version), [
            {"assignment_id": aid, "learner": name, "number": number, "sha256": "0" * 64, "submitted_at": now(),
             "late": number == 2, "status": "autograded", "auto": 5.0, "total": 5.0, "pending_manual": 1}
            for aid in ids for name in learners for number in (1, 2)])


def database_url(kind: str, tmp_path, request) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'assignments.sqlite'}"
    server = request.getfixturevalue("postgres")  # tests/conftest.py: a real PostgreSQL
    name = f"tutor_pages_{uuid.uuid4().hex[:12]}"
    server.psql(f"CREATE DATABASE {name}")
    return server.url(name)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.stack)])
def test_gradebook_reads_one_store_call_and_constant_queries_at_500_by_10(kind, tmp_path, request, ps1_source,
                                                                       ps1_release):
    from sqlalchemy import event

    store = Store(database_url(kind, tmp_path, request))
    big = [f"learner{i:03d}" for i in range(500)]
    ids = [store.create_assignment("c1", f"a{n}", title=f"A{n}", due=None, source=ps1_source, release=ps1_release,
                                   by="t", released=True)["id"] for n in range(10)]
    bulk_versions(store, ids, big[:480])  # 20 learners never submitted
    statements = []
    event.listen(store._reader, "before_cursor_execute", lambda *args: statements.append(args[2]))
    counted = Counting(store)
    people = hub_people()
    try:
        with Service(counted, people) as service:
            tutor = service.session(TUTOR)
            counts, csv_counts = [], []
            for members in (big[:5], big):
                people.groups["c1-learners"] = members
                statements.clear()
                counted.calls.clear()
                r = tutor.get(service.url + "course/c1/a/a3/", timeout=60)
                rows = Page(r.text).rows
                assert r.status_code == 200 and len(rows) == len(members)
                counts.append(len(statements))
                assert counted.calls.count("gradebook") == 1
                assert not {"version", "versions", "cell_grades", "version_by_number"} & set(counted.calls)
                statements.clear()
                r = tutor.get(service.url + "course/c1/grades.csv", timeout=60)
                assert r.status_code == 200 and r.text.count("\r\n") == 1 + len(members) * 10
                csv_counts.append(len(statements))
            assert rows["learner000"][:2] == ["learner000", "2"]
            assert rows["learner499"] == ["learner499", "Not submitted"]
            assert counts[0] == counts[1] and csv_counts[0] == csv_counts[1], statements
            r = tutor.get(service.url + "course/c1/a/a3/?filter=late", timeout=60)
            assert len(Page(r.text).rows) == 480
    finally:
        store.close()


def test_learners_get_one_line_and_learn_nothing(world):
    service, store, a, source, release = world
    v = store.submit(a["id"], "bob", answer(release), late=False)
    ann = service.session("ann")
    answers = []
    own = ann.get(service.url + "course/c1/a/ps1/", timeout=30)  # the learner's own page at the gradebook's address
    assert own.status_code == 200 and 'id="gradebook"' not in own.text and "bob" not in own.text
    for page in ("course/c1/a/ps1/learner/bob/v/1",
                 "course/c1/a/ps1/learner/bob/v/7", "course/c1/a/nope/learner/zed/v/1", "course/c1/grades.csv"):
        r = ann.get(service.url + page, timeout=30)
        assert r.status_code == 403, page
        answers.append(one_line(r))
    assert set(answers) == {"403 Only the tutors of course c1 may do this."}
    xsrf = service.xsrf(service.session(TUTOR))  # someone else's token
    for action, data in (("grade", {"notebook": "problem2.ipynb", "grade_id": "explain", "points": "2",
                                    "comment": "x"}), ("resubmission", {"reason": "r"}), ("feedback", {})):
        r = ann.post(service.url + f"course/c1/a/ps1/learner/bob/v/1/{action}", data={**data, "_xsrf": xsrf},
                     timeout=30, allow_redirects=False)
        assert r.status_code == 403, action
    assert store.version(v["id"])["status"] == "submitted"
    assert all(g["manual_points"] is None for g in store.cell_grades(v["id"]))


def test_grades_csv(world):
    service, store, a, source, release = world
    store.submit(a["id"], "ann", answer(release), late=True)
    autograde(store, source)
    store.submit(a["id"], "=2+3", answer(release), late=False)
    admin = service.session("root")  # hub admins count as tutors of every course
    r = admin.get(service.url + "course/c1/grades.csv", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="c1-grades.csv"' in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8"), newline="")))
    by_learner = {row["learner"]: row for row in rows}
    assert [row["learner"] for row in rows] == ["'=2+3", "ann", "bob", "cid"]
    assert {k: by_learner["ann"][k] for k in ("assignment", "version", "late", "auto", "manual", "total", "max",
                                              "status")} == {
        "assignment": "ps1", "version": "1", "late": "true", "auto": "8", "manual": "", "total": "8", "max": "13",
        "status": "autograded"}
    assert by_learner["cid"]["version"] == "" and by_learner["'=2+3"]["status"] == "submitted"
    excel = admin.get(service.url + "course/c1/grades.csv?excel=1", timeout=30)
    assert excel.content.startswith(b"\xef\xbb\xbf") and excel.content[3:] == r.content
