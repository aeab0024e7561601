"""The instructors' pages over HTTP (pages_service.py: the real web app, Store
on SQLite, the format package; only the hub's identity and groups are
stand-ins): the course page, New assignment from uploaded files or a whole
folder, releasing drafts. A refused form answers one line, keeps what was
typed, and creates nothing."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest

from campushub.assignments.store import Store

from .pages_service import OUTSIDER, PS1, TUTOR, PagesService, one_line, ps1_files, text_of

COURSE = "course/c1/"


class World:
    def __init__(self, tmp_path):
        self.store = Store(f"sqlite:///{tmp_path / 'assignments.sqlite'}")
        self.service = PagesService(self.store)

    def session(self, user):
        s = self.service.session(user)
        s.get(self.service.url, timeout=30)  # sets the _xsrf cookie as a browser's first visit does
        return s

    def create(self, user=TUTOR, *, files=(), folder=(), xsrf=True, headers=None, **fields):
        s = self.session(user)
        data = {"name": "ps1", "title": "Problem set 1", "due": "", **fields}
        if xsrf:
            data["_xsrf"] = s.cookies["_xsrf"]
        upload = [("files", f) for f in files] + [("folder", f) for f in folder]
        return s.post(self.service.url + COURSE + "new", data=data, files=upload or None,
                      allow_redirects=False, headers=headers, timeout=60)


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    with w.service:
        yield w
    w.store.close()


def test_new_assignment_form(world):
    r = world.session(TUTOR).get(world.service.url + COURSE + "new", timeout=30)
    assert r.status_code == 200
    for field in ('name="name"', 'name="title"', 'name="due"', 'type="datetime-local"', 'name="files"',
                  "webkitdirectory", 'name="release"', 'name="_xsrf"', 'enctype="multipart/form-data"'):
        assert field in r.text, field


def test_create_from_a_folder_upload_keeps_folder_relative_names(world, ps1_release):
    # A browser's folder upload names files "ps1/data/numbers.csv"; editor leftovers come along.
    leftovers = [("ps1/.ipynb_checkpoints/problem1-checkpoint.ipynb", b"{}"), ("ps1/.DS_Store", b"\0")]
    r = world.create(folder=ps1_files("ps1/") + leftovers, due="2026-12-24T18:00", release="on")
    assert r.status_code == 303, one_line(r)
    assert r.headers["Location"] == "/services/assignments/course/c1/?created_released=ps1"
    a = world.store.assignment("c1", "ps1")
    assert a["title"] == "Problem set 1" and a["due"] == datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
    assert a["released_at"] is not None and a["notebooks"] == ["problem1.ipynb", "problem2.ipynb"]
    source = world.store.source_files(a["id"])
    assert sorted(source) == ["data/numbers.csv", "problem1.ipynb", "problem2.ipynb"]
    assert source["problem1.ipynb"] == (PS1 / "problem1.ipynb").read_bytes()
    student = world.store.student_files(a["id"])
    assert student == ps1_release.student  # the format package's release, as the CLI makes it
    assert "BEGIN SOLUTION" not in student["problem1.ipynb"].decode()
    page = text_of(world.session(TUTOR).get(world.service.url + COURSE + "?created_released=ps1", timeout=30))
    assert "Assignment ps1 was created and released to the learners." in page
    assert "2026-12-24 18:00 UTC" in page and "Released" in page and "0 / 2" in page


def test_draft_then_release(world):
    r = world.create(files=ps1_files(), name="ps2", title="Second")
    assert r.status_code == 303, one_line(r)
    assert world.store.assignment("c1", "ps2")["released_at"] is None
    # Learners do not see a draft anywhere.
    assert "Second" not in world.session("ann").get(world.service.url, timeout=30).text
    assert world.session("ann").get(world.service.url + COURSE + "a/ps2/", timeout=30).status_code == 404
    s = world.session(TUTOR)
    course = s.get(world.service.url + COURSE, timeout=30)
    assert "Draft" in text_of(course) and 'action="/services/assignments/course/c1/a/ps2/release"' in course.text
    r = s.post(world.service.url + COURSE + "a/ps2/release", data={"_xsrf": s.cookies["_xsrf"]},
               allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["Location"].endswith("?released=ps2")
    assert world.store.assignment("c1", "ps2")["released_at"] is not None
    assert "Second" in world.session("ann").get(world.service.url, timeout=30).text


def test_release_refused_without_xsrf_or_for_learners(world):
    world.create(files=ps1_files())
    for user, xsrf, status in ((TUTOR, False, 403), ("ann", True, 403), (OUTSIDER, True, 403)):
        s = world.session(user)
        r = s.post(world.service.url + COURSE + "a/ps1/release", data={"_xsrf": s.cookies["_xsrf"]} if xsrf else {},
                   allow_redirects=False, timeout=30)
        assert r.status_code == status and one_line(r)
    assert world.store.assignment("c1", "ps1")["released_at"] is None
    s = world.session(TUTOR)
    r = s.post(world.service.url + COURSE + "a/nope/release", data={"_xsrf": s.cookies["_xsrf"]}, timeout=30)
    assert r.status_code == 404 and 'has no assignment "nope"' in one_line(r)


def test_course_page_counts_learners_who_submitted(world, ps1_release):
    world.create(files=ps1_files(), release="on")
    a = world.store.assignment("c1", "ps1")
    files = {p: ps1_release.student[p] for p in a["notebooks"]}
    world.store.submit(a["id"], "ann", files, late=False)
    world.store.submit(a["id"], "ann", {**files, "problem2.ipynb": files["problem2.ipynb"] + b" "}, late=False)
    r = world.session(TUTOR).get(world.service.url + COURSE, timeout=30)
    row = re.search(r'<tr data-assignment="ps1">(.*?)</tr>', r.text, re.S).group(1)
    cells = [" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split())
             for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[3:5] == ["1 / 2", "2"], cells  # one of two learners, two versions
    assert "Learners in the course: 2" in text_of(r) and 'href="/services/assignments/course/c1/new"' in r.text


def test_course_page_for_learners_and_outsiders(world):
    world.create(files=ps1_files(), release="on")
    learner = world.session("ann").get(world.service.url + COURSE, timeout=30)
    assert learner.status_code == 200 and "Problem set 1" in learner.text and "New assignment" not in learner.text
    outsider = world.session(OUTSIDER).get(world.service.url + COURSE, timeout=30)
    assert outsider.status_code == 403 and one_line(outsider) == "You are not in course c1."
    assert world.session(TUTOR).get(world.service.url + "course/c9/", timeout=30).status_code == 404
    r = world.session("ann").get(world.service.url + COURSE + "new", timeout=30)
    assert r.status_code == 403 and one_line(r) == "Only the tutors of course c1 may do this."


def duplicate_grade_ids() -> list[tuple[str, bytes]]:
    nb = json.loads((PS1 / "problem1.ipynb").read_text())
    graded = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")]
    graded[1]["metadata"]["nbgrader"]["grade_id"] = graded[0]["metadata"]["nbgrader"]["grade_id"]
    return [("problem1.ipynb", json.dumps(nb).encode())]


@pytest.mark.parametrize("fields, files, expected", [
    ({"name": "../x"}, None, "cannot name an assignment"),
    ({"name": ""}, None, "cannot name an assignment"),
    ({"due": "next friday"}, None, "\"next friday\" is not a date and time"),
    ({"title": "a\nb"}, None, "one line"),
    ({}, [], "Choose the source notebooks"),
    ({}, [("data/numbers.csv", b"1,2")], "holds no notebooks"),
    ({}, [("../evil.ipynb", b"{}")], "leaves the assignment folder"),
    ({}, [("problem1.ipynb", b"not json")], "problem1.ipynb: not a valid notebook"),
    ({}, "dup", "is used twice"),
])
def test_bad_forms_create_nothing_and_keep_the_values(world, fields, files, expected):
    files = duplicate_grade_ids() if files == "dup" else (ps1_files() if files is None else files)
    values = {"name": "ps1", "title": "Typed <title>", "due": "2026-12-24T18:00", "release": "on", **fields}
    r = world.create(files=files, **values)
    assert r.status_code == 400
    line = one_line(r)
    assert expected in line, line
    assert world.store.assignments("c1") == []
    form = r.text.split('id="new-assignment-form"', 1)[1]
    if "title" not in fields:
        assert 'value="Typed &lt;title&gt;"' in form  # kept, and escaped
    if "due" not in fields:
        assert 'value="2026-12-24T18:00"' in form
    assert 'id="release" name="release" checked' in form


def test_existing_name_and_who_may_create(world):
    assert world.create(files=ps1_files()).status_code == 303
    before = world.store.assignment("c1", "ps1")
    r = world.create(files=ps1_files(), title="Again")
    assert r.status_code == 400 and one_line(r) == 'Course c1 already has an assignment "ps1".'
    for user, xsrf, line in (("ann", True, "Only the tutors of course c1 may do this."),
                             (OUTSIDER, True, "Only the tutors of course c1 may do this."),
                             (TUTOR, False, "reload the page")):
        r = world.create(user, files=ps1_files(), name="ps9", xsrf=xsrf)
        assert r.status_code == 403 and line in one_line(r)
    assert world.store.assignments("c1") == [before]


def test_japanese(world):
    r = world.session(TUTOR).get(world.service.url + COURSE + "new", headers={"Accept-Language": "ja"}, timeout=30)
    assert "新しい課題" in r.text and "締切（UTC）" in r.text
    r = world.create(files=[], headers={"Accept-Language": "ja"})
    assert r.status_code == 400
    assert one_line(r) == "アップロードするソースのノートブック（とデータファイル）を選んでください。"


@pytest.mark.parametrize("typed, expected", [
    ("2026-12-24T18:00", datetime(2026, 12, 24, 18, 0, tzinfo=UTC)),  # a datetime-local value: UTC, as labelled
    ("2026-12-24 18:00:30", datetime(2026, 12, 24, 18, 0, 30, tzinfo=UTC)),
    ("2026-12-24T18:00+09:00", datetime(2026, 12, 24, 9, 0, tzinfo=UTC)),
    ("2026-12-24T18:00Z", datetime(2026, 12, 24, 18, 0, tzinfo=UTC)),
    ("", None),
])
def test_due_dates_as_typed(typed, expected):
    from campushub.assignments.web.source_upload import parse_due

    assert parse_due(typed) == expected


def test_a_whole_home_folder_is_refused(world):
    # A home folder chosen by mistake: every learner and the database would get a copy.
    clutter = [(f"ps1/data/f{i}.txt", b"x") for i in range(2500)]  # past tornado's default of 100 parts too
    r = world.create(folder=ps1_files("ps1/") + clutter)
    assert r.status_code == 400 and "more files than 1000" in one_line(r)
    assert world.store.assignments("c1") == []
