"""The learners' pages over HTTP (pages_service.py: the real web app, Store on
SQLite; only the hub's identity and group API are stand-ins): my assignments,
the assignment page with its history, submitting from the page, and reading
one's own feedback. Bad input answers one line and stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import nbformat
import pytest

from campushub.assignments.store import Store

from .pages_service import OUTSIDER, TUTOR, PagesService, one_line, text_of
from .tutor_data import answer

A = "course/c1/a/ps1/"


class World:
    def __init__(self, tmp_path, source, release, **assignments):
        self.store = Store(f"sqlite:///{tmp_path / 'assignments.sqlite'}")
        self.source, self.release = source, release
        self.service = PagesService(self.store, assignments=assignments)

    def create(self, name="ps1", *, due=None, released=True, title="Problem set 1"):
        return self.store.create_assignment("c1", name, title=title, due=due, source=self.source,
                                            release=self.release, by=TUTOR, released=released)

    def token(self, s) -> str:
        """The _xsrf value for a form POST: any page visit sets the cookie holding it."""
        assert s.get(self.service.url, timeout=30).status_code == 200
        return s.cookies["_xsrf"]

    def post_files(self, user, files: list[tuple[str, bytes]], page=A, xsrf=True):
        s = self.service.session(user)
        data = {"_xsrf": self.token(s)} if xsrf else {}
        return s.post(self.service.url + page + "submit", data=data, files=[("files", f) for f in files],
                      allow_redirects=False, timeout=60)

    def versions(self, learner="ann", name="ps1"):
        return self.store.versions(self.store.assignment("c1", name)["id"], learner)


@pytest.fixture
def world(tmp_path, ps1_source, ps1_release):
    w = World(tmp_path, ps1_source, ps1_release)
    with w.service:
        yield w
    w.store.close()


def test_my_assignments_lists_released_ones_with_due_status_and_score(world):
    due = datetime.now(UTC) + timedelta(days=3, hours=1)
    a = world.create(due=due)
    world.create("draft1", released=False, title="Not yet")
    r = world.service.session("ann").get(world.service.url, timeout=30)
    assert r.status_code == 200
    page = text_of(r)
    assert "Problem set 1" in page and "Not yet" not in page
    assert due.strftime("%Y-%m-%d %H:%M UTC") in page and "due in 3 days" in page
    assert "Not submitted" in page

    version = world.store.submit(a["id"], "ann", answer(world.release), late=False)
    assert "Submitted version 1" in text_of(world.service.session("ann").get(world.service.url, timeout=30))
    job = world.store.claim_job("test")
    world.store.finish_job(job["id"], scores=[], executed={}, error=None)
    for cell in world.store.cell_grades(version["id"]):
        world.store.set_manual(version["id"], cell["grade_id"], cell["max_points"], "", TUTOR,
                               notebook=cell["notebook"])
    graded = world.store.version(version["id"])
    assert graded["total"] is not None
    score = f"{graded['total']:g} / {graded['max_points']:g}"
    # Points are not shown before feedback is returned: they may still change.
    assert score not in text_of(world.service.session("ann").get(world.service.url, timeout=30))
    world.store.release_feedback(version["id"], "<p>Well done</p>", TUTOR)
    page = text_of(world.service.session("ann").get(world.service.url, timeout=30))
    assert "Feedback returned" in page and score in page


def test_tutor_gets_course_links_and_outsider_a_hint(world):
    world.create()
    tutor = world.service.session(TUTOR).get(world.service.url, timeout=30)
    assert 'href="/services/assignments/course/c1/"' in tutor.text and "Open the course page" in tutor.text
    outsider = world.service.session(OUTSIDER).get(world.service.url, timeout=30)
    assert 'id="no-courses"' in outsider.text and "ps1" not in outsider.text


def test_page_needs_sign_in(world):
    r = world.service.session(None).get(world.service.url, allow_redirects=False, timeout=30)
    assert r.status_code in (302, 403)  # HubOAuth sends browsers to the hub's login
    assert "Problem set" not in r.text


def test_assignment_page_links_fetch_and_submit_through_the_learners_server(world):
    world.create(due=datetime.now(UTC) - timedelta(hours=2))
    r = world.service.session("ann").get(world.service.url + A, timeout=30)
    assert r.status_code == 200
    assert 'href="/hub/user-redirect/campushub/assignments/fetch?course=c1&amp;assignment=ps1"' in r.text
    assert 'href="/hub/user-redirect/campushub/assignments/submit?course=c1&amp;assignment=ps1"' in r.text
    assert 'name="_xsrf"' in r.text and 'enctype="multipart/form-data"' in r.text
    page = text_of(r)
    assert "2 hours past due" in page and "problem1.ipynb" in page
    assert "You have not submitted this assignment yet." in page


def test_submit_from_the_page_confirms_what_the_store_committed(world):
    world.create()
    files = answer(world.release, "squares = [1]")
    r = world.post_files("ann", list(files.items()))
    assert r.status_code == 303, r.text[:300]
    [v1] = world.versions()
    assert world.store.version_files(v1["id"]) == files
    assert r.headers["Location"] == f"/services/assignments/{A}?received=1"
    page = world.service.session("ann").get(world.service.url + A + "?received=1", timeout=30)
    assert f"Received: version 1, hash {v1['sha256'][:8]}." in text_of(page)

    again = world.post_files("ann", list(files.items()))
    assert again.status_code == 303 and "unchanged=1" in again.headers["Location"]
    assert len(world.versions()) == 1
    page = world.service.session("ann").get(world.service.url + A + "?unchanged=1", timeout=30)
    assert "Unchanged" in text_of(page) and "stays version 1" in text_of(page)

    world.post_files("ann", list(answer(world.release, "squares = [1, 4]").items()))
    v1, v2 = world.versions()
    rows = world.service.session("ann").get(world.service.url + A, timeout=30).text
    assert rows.index('data-version="2"') < rows.index('data-version="1"')  # newest first
    assert v2["sha256"][:8] in rows and v1["sha256"][:8] in rows
    # Someone else's confirmation cannot be shown: only the reader's own versions count.
    assert "Received" not in text_of(world.service.session("bob").get(world.service.url + A + "?received=2",
                                                                       timeout=30))


def test_history_shows_late_flag_reason_score_and_feedback_link(world):
    a = world.create(due=datetime.now(UTC) - timedelta(days=1))
    late = world.post_files("ann", list(answer(world.release).items()))
    assert late.status_code == 303  # accepted (late: accept is the default) and flagged
    [v] = world.versions()
    assert v["late"]
    world.store.request_resubmission(v["id"], "Please explain your plot", TUTOR)
    page = text_of(world.service.session("ann").get(world.service.url + A, timeout=30))
    assert "Late" in page and "Resubmission requested" in page and "Reason: Please explain your plot" in page

    v2 = world.store.submit(a["id"], "ann", answer(world.release, "squares = []"), late=True)
    world.store.release_feedback(v2["id"], "<p>Feedback for ann</p>", TUTOR)
    r = world.service.session("ann").get(world.service.url + A, timeout=30)
    assert f'href="/services/assignments/{A}feedback/2"' in r.text and "Feedback returned" in text_of(r)
    assert f'href="/services/assignments/{A}feedback/1"' not in r.text


def test_feedback_is_the_learners_own_only(world):
    a = world.create()
    v = world.store.submit(a["id"], "ann", answer(world.release), late=False)
    world.store.release_feedback(v["id"], "<p>Feedback for ann</p>", TUTOR)
    r = world.service.session("ann").get(world.service.url + A + "feedback/1", timeout=30)
    assert r.status_code == 200 and "Feedback for ann" in r.text
    assert r.headers["Content-Security-Policy"].startswith("sandbox")
    # Bob has no version 1, the tutor and an outsider none at all; a version
    # without feedback and a number that never existed read the same.
    world.store.submit(a["id"], "bob", answer(world.release, "x = 1"), late=False)
    misses = [("bob", "feedback/1"), (OUTSIDER, "feedback/1"), (TUTOR, "feedback/1"), ("ann", "feedback/7")]
    answers = []
    for user, page in misses:
        r = world.service.session(user).get(world.service.url + A + page, timeout=30)
        assert r.status_code == 404 and "Feedback for ann" not in r.text
        answers.append(one_line(r))
    r = world.service.session("ann").get(world.service.url + "course/c1/a/nope/feedback/1", timeout=30)
    answers.append(one_line(r))
    assert len(set(answers)) == 1, answers


def test_tutor_gets_the_gradebook_at_the_assignment_address(world):
    world.create()
    r = world.service.session(TUTOR).get(world.service.url + A, timeout=30)
    assert r.status_code == 200 and 'id="gradebook"' in r.text and 'id="upload-form"' not in r.text


def test_japanese_and_russian(world):
    world.create(due=datetime.now(UTC) + timedelta(days=2, hours=1))
    s = world.service.session("ann")
    ja = s.get(world.service.url + A, headers={"Accept-Language": "ja"}, timeout=30)
    assert "自分のファイルに取得" in ja.text and "締切まであと2日" in ja.text and 'lang="ja"' in ja.text
    ru = s.get(world.service.url, headers={"Accept-Language": "ru"}, timeout=30)
    assert "Мои задания" in ru.text and "до срока осталось дней: 2" in ru.text


def test_bad_submissions_store_nothing(world, ps1_release):
    world.create()
    good = answer(world.release)
    nb1, nb2 = good["problem1.ipynb"], good["problem2.ipynb"]
    huge = nbformat.reads(nb1.decode(), as_version=4)
    huge.cells.append(nbformat.v4.new_markdown_cell("x" * (6 * 2**20)))
    huge = nbformat.writes(huge).encode()
    cases = [
        ([("problem1.ipynb", nb1)], "problem2.ipynb is missing"),
        ([("problem1.ipynb", nb1), ("problem2.ipynb", nb2), ("other.ipynb", nb2)], "other.ipynb: not a notebook"),
        ([("../problem1.ipynb", nb1), ("problem2.ipynb", nb2)], "leaves the assignment folder"),
        ([("/etc/problem1.ipynb", nb1), ("problem2.ipynb", nb2)], "leaves the assignment folder"),
        ([("problem1.ipynb", b"{not json"), ("problem2.ipynb", nb2)], "problem1.ipynb: not a valid notebook"),
        ([("problem1.ipynb", huge), ("problem2.ipynb", nb2)], "larger than the limit of 5 MiB"),
        ([("problem1.ipynb", nb1), ("problem1.ipynb", nb1), ("problem2.ipynb", nb2)], "uploaded twice"),
        ([], "Choose the assignment's notebooks"),
    ]
    for files, expected in cases:
        r = world.post_files("ann", files)
        assert r.status_code == 400, (expected, r.status_code)
        assert expected in one_line(r), (expected, one_line(r))
    assert world.versions() == []


def test_who_may_submit(world):
    world.create()
    world.create("draft1", released=False)
    files = list(answer(world.release).items())
    r = world.post_files(OUTSIDER, files, page=A)
    assert r.status_code == 403 and one_line(r) == "You are not in course c1."
    for page in ("course/c1/a/nope/", "course/c1/a/draft1/"):  # unknown and unreleased read alike
        s = world.service.session("ann")
        xsrf = world.token(s)
        r = s.post(world.service.url + page + "submit", data={"_xsrf": xsrf},
                   files=[("files", f) for f in files], timeout=30)
        assert r.status_code == 404 and "has no assignment" in one_line(r)
        assert world.service.session("ann").get(world.service.url + page, timeout=30).status_code == 404
    r = world.post_files("ann", files, xsrf=False)
    assert r.status_code == 403 and "reload the page" in one_line(r)
    assert world.versions() == [] and world.versions(name="draft1") == []


def test_late_submissions_refused_when_the_site_says_so(tmp_path, ps1_source, ps1_release):
    w = World(tmp_path, ps1_source, ps1_release, late="refuse")
    with w.service:
        w.create(due=datetime(2020, 1, 2, 3, 4, tzinfo=UTC))
        r = w.post_files("ann", list(answer(ps1_release).items()))
        assert r.status_code == 400
        assert one_line(r) == ("The due date (2020-01-02 03:04 UTC) has passed and this course takes no late "
                               "submissions.")
        assert w.versions() == []
    w.store.close()


@pytest.mark.parametrize("delta, english, russian", [
    (timedelta(days=1, hours=5), "due in 1 day", "до срока осталось дней: 1"),
    (timedelta(hours=23, minutes=59), "due in 23 hours", "до срока осталось часов: 23"),
    (timedelta(minutes=1, seconds=30), "due in 1 minute", "до срока осталось минут: 1"),
    (timedelta(seconds=20), "due in 0 minutes", "до срока осталось минут: 0"),
    (-timedelta(hours=1, minutes=1), "1 hour past due", "просрочено, часов: 1"),
    (-timedelta(days=10), "10 days past due", "просрочено, дней: 10"),
])
def test_relative_due_dates(delta, english, russian):
    from campushub.assignments.web.due import relative
    from campushub.i18n import translate

    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert relative(now + delta, lambda t, **kw: translate("en", t, **kw), now) == english
    assert relative(now + delta, lambda t, **kw: translate("ru", t, **kw), now) == russian
    assert relative(None, lambda t, **kw: translate("en", t, **kw), now) == "no due date"
