"""Attack: a learner's server token posts records naming a course the learner
does not belong to (or one the site does not have). The service takes the
user from the token, but the course is the sender's word: without a check an
outsider fills another course's tutor pages with invented notebooks and cells,
and invented course names become label values of campushub_content_syncs_total
(a series per name in Prometheus). Records of such courses must not reach the
course's pages or the metrics; the learner's own execution stays theirs, as a
personal one (course and notebook dropped)."""

from __future__ import annotations

import uuid

from ..web.service import execution, notebook_order


def sync(course: str) -> dict:
    return {"id": uuid.uuid4().hex, "kind": "sync", "time": "2026-12-01T03:00:00Z", "course": course, "status": "ok"}


def test_an_outsider_cannot_write_into_another_courses_pages(analytics):
    # tom tutors c2 only; ann learns c1 only
    forged = [execution(course="c1", notebook="fake.ipynb", cell="x", status="error"),
              notebook_order(["x", "y"], course="c1", notebook="fake.ipynb"), sync("c1")]
    r = analytics.post_records("tom", forged)
    assert r.status_code == 200 and r.json() == {"accepted": 1, "duplicates": 0, "ignored": 2}, r.text
    r = analytics.post_records("ann", [execution(course="c2", notebook="n.ipynb"), sync("c2")])
    assert r.status_code == 200, r.text
    store = analytics.store
    assert store.course_notebooks("c1") == [] and store.course_notebooks("c2") == []
    assert store.notebook_stats("c1", "fake.ipynb")["learners"] == 0
    assert store.counts()["syncs"] == {}
    # the sender's own executions are kept, as personal ones
    mine = store.learner_activity("tom", None)["notebooks"]
    assert [(n["course"], n["notebook"], n["executions"]) for n in mine] == [(None, None, 1)]


def test_invented_courses_do_not_become_metric_labels(analytics):
    r = analytics.post_records("ann", [sync(f"course-{i}") for i in range(500)])
    assert r.status_code == 200, r.text
    assert analytics.store.counts()["syncs"] == {}


def test_a_member_still_writes_into_their_course(analytics):
    batch = [execution(course="c1"), notebook_order(["a"], course="c1"), sync("c1")]
    r = analytics.post_records("ann", batch)
    assert r.status_code == 200 and r.json()["accepted"] == 3
    assert [n["notebook"] for n in analytics.store.course_notebooks("c1")] == ["lesson1.ipynb"]
    assert analytics.store.counts()["syncs"] == {("c1", "ok"): 1}
