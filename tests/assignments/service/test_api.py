"""The JSON API through the proxy to the real service: who may do what,
one-line refusals that store nothing, and a submission acknowledged only
once it is in the database."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from .conftest import COURSE, b64

FIXTURE_FILES = ("problem1.ipynb", "problem2.ipynb", "data/numbers.csv")


def _versions(site, who="ann") -> list:
    r = site.call(who, "GET", f"api/course/{COURSE}/a/ps1/versions")
    assert r.status_code == 200, r.text
    return r.json()["versions"]


def test_tutor_created_it_and_learners_fetch_the_student_version(site, service_ps1, ps1_source):
    assert service_ps1["notebooks"] == ["problem1.ipynb", "problem2.ipynb"] and service_ps1["released"]
    r = site.call("ann", "GET", f"api/course/{COURSE}/a/ps1/student")
    assert r.status_code == 200, r.text
    files = r.json()["files"]
    assert sorted(files) == sorted(FIXTURE_FILES)
    student = base64.b64decode(files["problem1.ipynb"]).decode()
    assert "BEGIN HIDDEN TESTS" in ps1_source.notebooks["problem1.ipynb"].decode()
    assert "BEGIN HIDDEN TESTS" not in student and "BEGIN SOLUTION" not in student
    listed = site.call("ann", "GET", "api/assignments").json()["assignments"]
    assert [(a["course"], a["name"], a["role"]) for a in listed] == [(COURSE, "ps1", "learner")]
    assert site.call("otto", "GET", "api/assignments").json()["assignments"] == []


def test_submission_is_acknowledged_with_its_hash(site, service_ps1, ps1_release):
    files = {p: ps1_release.student[p] for p in ("problem1.ipynb", "problem2.ipynb")}
    before = len(_versions(site, "ben"))
    r = site.call("ben", "POST", f"api/course/{COURSE}/a/ps1/submissions", json={"files": b64(files)})
    assert r.status_code == 201, r.text
    reply = r.json()
    assert reply["number"] == before + 1 and reply["late"] is False and reply["message"]
    listing = "".join(f"{p}\0{hashlib.sha256(d).hexdigest()}\n" for p, d in sorted(files.items()))
    assert reply["sha256"] == hashlib.sha256(listing.encode()).hexdigest()
    again = site.call("ben", "POST", f"api/course/{COURSE}/a/ps1/submissions", json={"files": b64(files)})
    assert again.status_code == 200 and again.json()["duplicate"] and again.json()["number"] == reply["number"]
    assert [v["number"] for v in _versions(site, "ben")][-1] == reply["number"]


def _notebooks(ps1_release, **override) -> dict:
    files = {p: ps1_release.student[p] for p in ("problem1.ipynb", "problem2.ipynb")}
    files.update(override)
    return files


BAD = [
    ("ann", {"files": {"../problem1.ipynb": "e30="}}, 400, "leaves the assignment folder"),
    ("ann", {"files": {"problem1.ipynb": "not base64!"}}, 400, "not valid base64"),
    ("ann", "[1, 2]", 400, "JSON object"),
    ("otto", {"files": {"problem1.ipynb": "e30="}}, 403, "not in course"),
    ("tess", {"files": {"problem1.ipynb": "e30="}}, 403, "not in course"),
    (None, {"files": {"problem1.ipynb": "e30="}}, 403, "Sign in"),
]


@pytest.mark.parametrize("who,body,status,words", BAD)
def test_bad_submissions_are_refused_in_one_line_and_store_nothing(site, service_ps1, who, body, status, words):
    before = len(_versions(site))
    data = body if isinstance(body, str) else json.dumps(body)
    r = site.call(who, "POST", f"api/course/{COURSE}/a/ps1/submissions", data=data)
    assert r.status_code == status, r.text
    message = r.json()["message"]
    assert words in message and "\n" not in message and "Traceback" not in r.text
    assert len(_versions(site)) == before


def test_malformed_missing_and_oversized_notebooks(site, service_ps1, ps1_release):
    before = len(_versions(site))
    cases = [
        (_notebooks(ps1_release, **{"problem1.ipynb": b"{not json"}), 400, "not a valid notebook"),
        ({"problem1.ipynb": ps1_release.student["problem1.ipynb"]}, 400, "problem2.ipynb is missing"),
        (_notebooks(ps1_release, **{"problem1.ipynb": b"x" * (300 * 1024)}), 413, "larger than the limit"),
    ]
    for files, status, words in cases:
        r = site.call("ann", "POST", f"api/course/{COURSE}/a/ps1/submissions", json={"files": b64(files)})
        assert r.status_code == status and words in r.json()["message"], r.text
    # a body far over the whole upload cap: refused before it is read, in one line
    r = site.call("ann", "POST", f"api/course/{COURSE}/a/ps1/submissions", data=b"x" * (5 * 2**20),
                  headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "larger than the limit" in r.json()["message"], r.text
    assert len(_versions(site)) == before


def test_unknown_assignment_and_course(site, service_ps1):
    r = site.call("ann", "GET", f"api/course/{COURSE}/a/nope/student")
    assert r.status_code == 404 and "no assignment" in r.json()["message"]
    r = site.call("ann", "GET", "api/course/zz/a/ps1/student")
    assert r.status_code == 404 and "no course" in r.json()["message"]


def test_learners_cannot_create_and_bad_sources_are_refused(site, service_ps1, ps1_source):
    files = b64(ps1_source.notebooks)
    r = site.call("ann", "POST", f"api/course/{COURSE}/assignments", json={"name": "x", "files": files})
    assert r.status_code == 403 and "tutors" in r.json()["message"]
    r = site.call("tess", "POST", f"api/course/{COURSE}/assignments", json={"name": "ps1", "files": files})
    assert r.status_code == 400 and "already has" in r.json()["message"]
    r = site.call("tess", "POST", f"api/course/{COURSE}/assignments", json={"name": "x", "files": b64(
        {"data.csv": b"1,2"})})
    assert r.status_code == 400 and "source notebook" in r.json()["message"]
    r = site.call("tess", "POST", f"api/course/{COURSE}/assignments", json={"name": "y", "due": "tomorrow",
                                                                             "files": files})
    assert r.status_code == 400 and "is not a date" in r.json()["message"]
    assert site.call("tess", "GET", f"api/course/{COURSE}/a/x/student").status_code == 404


def test_late_work_is_accepted_and_flagged_and_unreleased_work_is_hidden(site, service_ps1, ps1_source, ps1_release):
    files = b64({**ps1_source.notebooks, **ps1_source.files})
    for name, due, release in (("late1", "2020-01-01T00:00:00Z", True), ("draft1", None, False)):
        r = site.call("tess", "POST", f"api/course/{COURSE}/assignments",
                      json={"name": name, "due": due, "release": release, "files": files})
        assert r.status_code == 201, r.text
    notebooks = b64(_notebooks(ps1_release))
    r = site.call("ann", "POST", f"api/course/{COURSE}/a/late1/submissions", json={"files": notebooks})
    assert r.status_code == 201 and r.json()["late"] is True, r.text  # assignments.late: accept (the default)
    for path in ("student", "versions"):
        r = site.call("ann", "GET", f"api/course/{COURSE}/a/draft1/{path}")
        assert r.status_code == 404 and "no assignment" in r.json()["message"]
    r = site.call("ann", "POST", f"api/course/{COURSE}/a/draft1/submissions", json={"files": notebooks})
    assert r.status_code == 404
    assert site.call("tess", "GET", f"api/course/{COURSE}/a/draft1/student").status_code == 200
    names = [a["name"] for a in site.call("ann", "GET", "api/assignments").json()["assignments"]]
    assert "late1" in names and "draft1" not in names
