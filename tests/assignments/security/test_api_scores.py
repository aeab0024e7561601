"""Learners see points only once a tutor returns feedback (the pages do so:
web/learner.py score_text). The JSON API must not hand them out earlier:
auto points right after autograding tell a learner which hidden tests pass,
an oracle to probe them by resubmitting, and manual points may still change.
The real web app and Store (tests/assignments/web/pages_service.py)."""

from __future__ import annotations

import pytest

from campushub.assignments.store import Store

from ..web.pages_service import TUTOR, PagesService

SCORE_KEYS = ("auto", "manual", "total")


@pytest.fixture
def graded(tmp_path, ps1_source, ps1_release):
    store = Store(f"sqlite:///{tmp_path / 'assignments.sqlite'}")
    ps1 = store.create_assignment("c1", "ps1", title="PS1", due=None, source=ps1_source, release=ps1_release,
                                  by=TUTOR, released=True)
    version = store.submit(ps1["id"], "ann", {p: ps1_release.student[p] for p in ps1["notebooks"]}, late=False)
    job = store.claim_job("w")
    scores = [{"notebook": nb, "grade_id": c.grade_id, "kind": c.kind, "max_points": c.points,
               "auto_points": c.points if c.kind == "tests" else None, "passed": True if c.kind == "tests" else None}
              for nb, cells in ps1_release.grade_cells.items() for c in cells]
    store.finish_job(job["id"], scores=scores, executed={}, error=None)
    assert store.version(version["id"])["auto"], "the version has auto points to leak"
    service = PagesService(store)
    with service:
        yield store, service, version


def test_the_api_shows_a_learner_no_points_before_feedback(graded):
    store, service, version = graded
    ann = service.session("ann")
    listed = ann.get(service.url + "api/assignments", timeout=30).json()["assignments"][0]["latest"]
    versions = ann.get(service.url + "api/course/c1/a/ps1/versions", timeout=30).json()["versions"]
    for shown in (listed, versions[0]):
        assert {k: shown[k] for k in SCORE_KEYS} == dict.fromkeys(SCORE_KEYS)
    # Tutors grade with them, and once feedback is out the learner has them too.
    tina = service.session(TUTOR)
    tutor_view = tina.get(service.url + "api/course/c1/a/ps1/versions?learner=ann", timeout=30).json()["versions"]
    assert tutor_view[0]["auto"] == store.version(version["id"])["auto"]
    store.release_feedback(version["id"], "<p>feedback</p>", TUTOR)
    after = ann.get(service.url + "api/course/c1/a/ps1/versions", timeout=30).json()["versions"][0]
    assert after["auto"] == store.version(version["id"])["auto"]
