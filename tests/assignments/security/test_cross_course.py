"""People of another course, and learners, against every tutor and learner
address of course c1: the tutor of c2 cannot read or grade c1, a learner of
c2 cannot submit to or read c1, a learner of c1 cannot act as a tutor nor
read another learner's versions or feedback. Each refusal stores nothing.
The real web app, XSRF check and Store (tests/assignments/web/pages_service.py)."""

from __future__ import annotations

import base64

import pytest

from campushub.assignments.store import Store

from ..web.pages_service import PagesService
from ..web.tutor_service import HubPeople

COURSES = {"c1": {"title": "One", "learners_group": "c1-learners", "tutors_group": "c1-tutors"},
           "c2": {"title": "Two", "learners_group": "c2-learners", "tutors_group": "c2-tutors"}}
GROUPS = {"tina": "c1-tutors", "tom": "c2-tutors", "ann": "c1-learners", "bob": "c1-learners", "carl": "c2-learners"}
V = "course/c1/a/ps1/learner/ann/v/1"


class TwoCourses(PagesService):
    def __init__(self, store):
        people = HubPeople({n: {"name": n, "admin": False, "groups": [g]} for n, g in GROUPS.items()},
                           {g: sorted(n for n, h in GROUPS.items() if h == g) for g in set(GROUPS.values())})
        people.courses = COURSES
        super().__init__(store, people)
        self.site = {"courses": COURSES, "assignments": {}}


@pytest.fixture
def world(tmp_path, ps1_source, ps1_release):
    store = Store(f"sqlite:///{tmp_path / 'assignments.sqlite'}")
    a = store.create_assignment("c1", "ps1", title="PS1", due=None, source=ps1_source, release=ps1_release,
                                by="tina", released=True)
    files = {p: ps1_release.student[p] for p in a["notebooks"]}
    v = store.submit(a["id"], "ann", files, late=False)
    job = store.claim_job("w")
    store.finish_job(job["id"], scores=[], executed={}, error=None)
    store.release_feedback(v["id"], "<p>ANN-PRIVATE-FEEDBACK</p>", "tina")
    service = TwoCourses(store)
    with service:
        yield service, store, a, files


def snapshot(store, a):
    return [(v["number"], v["status"], v["reason"], v["manual"]) for n in ("ann", "bob", "carl", "tom")
            for v in store.versions(a["id"], n)]


def post(service, who, path, **kw):
    s = service.session(who)
    assert s.get(service.url, timeout=30).status_code == 200
    return s.post(service.url + path, data={"_xsrf": s.cookies["_xsrf"], **kw.pop("data", {})}, timeout=60,
                  allow_redirects=False, **kw)


@pytest.mark.parametrize("who", ["tom", "ann", "carl"])
def test_no_tutor_rights_in_c1(world, who):
    service, store, a, files = world
    before = snapshot(store, a)
    s = service.session(who)
    for path in (V, V + "?diff=1", "course/c1/grades.csv", "course/c1/new"):
        r = s.get(service.url + path, timeout=30, allow_redirects=False)
        assert r.status_code == 403, (who, path, r.status_code)
        assert "ANN-PRIVATE" not in r.text
    for path, data in ((V + "/grade", {"notebook": "problem2.ipynb", "grade_id": "explain", "points": "2"}),
                       (V + "/resubmission", {"reason": "again"}), (V + "/feedback", {}),
                       ("course/c1/a/ps1/release", {}), ("course/c1/new", {"name": "x"})):
        r = post(service, who, path, data=data)
        assert r.status_code == 403, (who, path, r.status_code)
    gradebook = s.get(service.url + "course/c1/a/ps1/", timeout=30)
    # ann gets her own history there; nobody here gets the gradebook, which lists bob
    assert gradebook.status_code == (200 if who == "ann" else 403) and "bob" not in gradebook.text
    api = s.get(service.url + "api/course/c1/a/ps1/versions?learner=ann", timeout=30)
    assert api.status_code == 403 or api.json()["learner"] == who
    created = s.post(service.url + "api/course/c1/assignments", timeout=30,
                     json={"name": "evil", "files": {"a.ipynb": base64.b64encode(b"{}").decode()}},
                     headers={"X-XSRFToken": s.cookies.get("_xsrf", "")})
    assert created.status_code == 403
    assert snapshot(store, a) == before
    assert store.assignment("c1", "evil") is None and store.assignment("c1", "x") is None


@pytest.mark.parametrize("who", ["tom", "carl", "bob"])
def test_no_learner_rights_over_ann(world, who):
    service, store, a, files = world
    s = service.session(who)
    r = s.get(service.url + "course/c1/a/ps1/feedback/1", timeout=30)
    assert r.status_code == 404 and "ANN-PRIVATE" not in r.text
    if who != "bob":  # not in c1 at all: no student version, no submitting
        assert s.get(service.url + "api/course/c1/a/ps1/student", timeout=30).status_code == 403
        s.get(service.url, timeout=30)
        r = s.post(service.url + "api/course/c1/a/ps1/submissions", timeout=60,
                   json={"files": {p: base64.b64encode(d).decode() for p, d in files.items()}},
                   headers={"X-XSRFToken": s.cookies.get("_xsrf", "")})
        assert r.status_code == 403
        assert store.versions(a["id"], who) == []
