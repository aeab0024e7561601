"""The tutor's submission page over HTTP (tutor_service.py): the notebooks
rendered without running learner script, grading, resubmission, feedback,
versions and their diff. Bad input answers one line and changes nothing."""

from __future__ import annotations

import re
from html import unescape

import pytest

from .tutor_data import MANUAL, TUTOR, Page, answer, autograde, one_line, tutor_world


@pytest.fixture
def world(tmp_path, ps1_source, ps1_release):
    with tutor_world(tmp_path, ps1_source, ps1_release) as found:
        yield found


def test_submission_page_never_runs_learner_script(world):
    service, store, a, source, release = world
    store.submit(a["id"], "ann", answer(release), late=False)
    autograde(store, source)
    r = service.session(TUTOR).get(service.url + "course/c1/a/ps1/learner/ann/v/1", timeout=60)
    assert r.status_code == 200, r.text[:300]
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    page = Page(r.text)
    assert all("PWNED_BY_LEARNER" not in s for s in page.scripts)
    assert [s for s in page.scripts if not s.startswith("/hub/static/")] == []  # no inline script at all
    assert [f["title"] for f in page.frames] == ["problem1.ipynb", "problem2.ipynb"]
    for frame in page.frames:
        assert frame["sandbox"] == ""  # every restriction: no scripts, an opaque origin
        inner = Page(frame["srcdoc"])
        assert all("PWNED_BY_LEARNER" not in s for s in inner.scripts)
    assert "<b>shown</b>" in page.frames[0]["srcdoc"]  # the learner's harmless markup is rendered
    manual = {i["value"] for i in page.inputs if i.get("name") == "grade_id"}
    assert manual == set(MANUAL)
    assert 'id="next-to-grade"' not in r.text  # ann is the only one to grade
    assert "HIDDEN-SQUARES-ZERO" in page.frames[0]["srcdoc"]  # tutors do see the hidden tests that ran


def grades(store, vid):
    return {g["grade_id"]: (g["manual_points"], g["comment"]) for g in store.cell_grades(vid)}


def grade_form(**points):
    ids = list(points)
    return {"notebook": ["problem2.ipynb"] * len(ids), "grade_id": ids, "points": [points[i] for i in ids],
            "comment": [f"about {i}" for i in ids]}


BAD_GRADES = [
    (grade_form(explain="2.5", fizz="1", plot_task="2"), 400, "explain: points must be a number from 0 to 2."),
    (grade_form(explain="2", fizz="-1", plot_task="2"), 400, "fizz: points must be a number from 0 to 1."),
    (grade_form(explain="two", fizz="1", plot_task="2"), 400, "explain: points must be a number from 0 to 2."),
    (grade_form(explain="NaN"), 400, "explain: points must be a number from 0 to 2."),
    (grade_form(explain="1", test_squares="2"), 400, "test_squares is not a manually graded cell"),
    (grade_form(explain="1", nope="1"), 400, "nope is not a manually graded cell"),
    ({"notebook": ["problem2.ipynb"], "grade_id": ["explain"], "points": ["1"]}, 400, "incomplete"),
    ({**grade_form(explain="1"), "_xsrf": None}, 403, "This form has expired"),
    ({**grade_form(explain="1"), "_xsrf": "forged"}, 403, "This form has expired"),
]


def test_bad_grades_change_nothing(world):
    service, store, a, source, release = world
    v = store.submit(a["id"], "ann", answer(release), late=False)
    autograde(store, source)
    store.set_manual(v["id"], "fizz", 0.5, "earlier", TUTOR, notebook="problem2.ipynb")
    before, version_before = grades(store, v["id"]), store.version(v["id"])
    tutor = service.session(TUTOR)
    xsrf = service.xsrf(tutor)
    for form, status, message in BAD_GRADES:
        data = {k: val for k, val in {"_xsrf": xsrf, **form}.items() if val is not None}
        r = tutor.post(service.url + "course/c1/a/ps1/learner/ann/v/1/grade", data=data, timeout=30,
                       allow_redirects=False)
        assert r.status_code == status, form
        assert message in one_line(r), form
        assert grades(store, v["id"]) == before and store.version(v["id"]) == version_before, form


def test_grading_then_feedback(world):
    service, store, a, source, release = world
    v = store.submit(a["id"], "ann", answer(release), late=False)
    store.submit(a["id"], "bob", answer(release), late=False)
    tutor = service.session(TUTOR)
    page = "course/c1/a/ps1/learner/ann/v/1"
    xsrf = service.xsrf(tutor)
    early = tutor.post(service.url + page + "/feedback", data={"_xsrf": xsrf}, timeout=30, allow_redirects=False)
    assert early.status_code == 400 and "still being autograded" in one_line(early)
    autograde(store, source)
    forged = tutor.post(service.url + page + "/feedback", timeout=60, allow_redirects=False)
    assert forged.status_code == 403 and "This form has expired" in one_line(forged)
    missing = tutor.post(service.url + page + "/feedback", data={"_xsrf": xsrf}, timeout=60, allow_redirects=False)
    assert missing.status_code == 400 and "before releasing feedback" in one_line(missing)
    assert store.feedback(v["id"]) is None and store.version(v["id"])["status"] == "autograded"

    r = tutor.post(service.url + page + "/grade", data={"_xsrf": xsrf, **grade_form(explain="1,5", fizz="1",
                                                                                      plot_task="2")},
                   timeout=30, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith(page + "?saved=grades")
    assert grades(store, v["id"])["explain"] == (1.5, "about explain")
    after = store.version(v["id"])
    assert after["status"] == "graded" and after["total"] == 8 + 4.5
    shown = tutor.get(service.url + page + "?saved=grades", timeout=60)
    assert "Grades saved." in shown.text and 'value="1.5"' in shown.text and "about explain</textarea>" in shown.text
    nxt = re.search(r'id="next-to-grade" href="([^"]+)">Next to grade: bob', shown.text)
    assert nxt and nxt.group(1) == "/services/assignments/course/c1/a/ps1/learner/bob/v/1"

    r = tutor.post(service.url + page + "/feedback", data={"_xsrf": xsrf}, timeout=60, allow_redirects=False)
    assert r.status_code == 303
    assert store.version(v["id"])["status"] == "feedback_returned"
    html = store.feedback(v["id"])
    assert "about explain" in html and "HIDDEN-SQUARES-ZERO" not in html
    assert all("PWNED_BY_LEARNER" not in s for s in Page(html).scripts)
    assert html.count("<body") == 1  # both notebooks in one document


def test_resubmission_needs_a_reason_and_the_latest_version(world):
    service, store, a, source, release = world
    store.submit(a["id"], "ann", answer(release), late=False)
    v2 = store.submit(a["id"], "ann", answer(release, "def squares(n):\n    return []"), late=False)
    tutor = service.session(TUTOR)
    xsrf = service.xsrf(tutor)
    url = service.url + "course/c1/a/ps1/learner/ann/v/{}/resubmission"
    r = tutor.post(url.format(2), data={"_xsrf": xsrf, "reason": "  \n "}, timeout=30, allow_redirects=False)
    assert r.status_code == 400 and one_line(r) == "400 Give a reason for the resubmission request."
    r = tutor.post(url.format(2), data={"_xsrf": xsrf}, timeout=30, allow_redirects=False)
    assert r.status_code == 400
    r = tutor.post(url.format(2), data={"reason": "a forged form"}, timeout=30, allow_redirects=False)
    assert r.status_code == 403 and "This form has expired" in one_line(r)
    r = tutor.post(url.format(1), data={"_xsrf": xsrf, "reason": "why"}, timeout=30, allow_redirects=False)
    assert r.status_code == 400 and "open version 2" in one_line(r)
    assert [v["status"] for v in store.versions(a["id"], "ann")] == ["submitted", "submitted"]

    r = tutor.post(url.format(2), data={"_xsrf": xsrf, "reason": "Explain\nyour loop"}, timeout=30,
                   allow_redirects=False)
    assert r.status_code == 303
    after = store.version(v2["id"])
    assert (after["status"], after["reason"]) == ("resubmission_requested", "Explain your loop")
    shown = tutor.get(service.url + "course/c1/a/ps1/learner/ann/v/2", timeout=60).text
    assert "Explain your loop" in shown and "Resubmission requested" in shown


def test_versions_and_diff(world):
    service, store, a, source, release = world
    store.submit(a["id"], "ann", answer(release), late=False)
    store.submit(a["id"], "ann", answer(release, "def squares(n):\n    return [i * i for i in range(1, n + 1)]"),
                 late=False)
    tutor = service.session(TUTOR)
    page = service.url + "course/c1/a/ps1/learner/ann/v/2"
    r = tutor.get(page + "?diff=1", timeout=60)
    assert r.status_code == 200
    section = r.text.split('id="diff"', 1)[1].split("</section>", 1)[0]
    assert "<code>squares</code>" in section and "changed" in section
    assert "+    return [i * i for i in range(1, n + 1)]" in unescape(re.sub(r"<[^>]+>", "", section))
    assert "/learner/ann/v/1" in r.text and 'aria-current="page">2</a>' in r.text
    for bad in ("2", "9", "x"):
        r = tutor.get(page + "?diff=" + bad, timeout=30)
        assert r.status_code == 400 and "pick one of the learner's versions" in one_line(r)
    r = tutor.get(service.url + "course/c1/a/ps1/learner/ann/v/3", timeout=30)
    assert r.status_code == 404 and one_line(r) == "404 ann has no version 3 of this assignment."




def test_a_failed_autograde_is_shown_to_the_tutor(world):
    """A job that ended in an error leaves the version "autograded" with no scores: the tutor must see why."""
    service, store, a, source, release = world
    store.submit(a["id"], "ann", answer(release), late=False)
    job = store.claim_job("test")
    store.finish_job(job["id"], scores=[], executed={}, error="autograding failed: the kernel did not start")
    r = service.session(TUTOR).get(service.url + "course/c1/a/ps1/learner/ann/v/1", timeout=60)
    assert r.status_code == 200, r.text[:300]
    alert = re.search(r'id="grading-error">([^<]*)<', r.text)
    assert alert and "the kernel did not start" in unescape(alert.group(1)), r.text[:2000]
