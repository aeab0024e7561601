"""The learners' and instructors' pages through the real hub and the real
assignments service that `campushub up` starts (stack tier): HubOAuth's
redirects, the hub's groups, XSRF on forms. The hub is the course hub the
service's tests use too (`site`, tests/assignments/conftest.py); the fast page
tests are test_learner_pages.py and test_instructor_pages.py."""

from __future__ import annotations

from .pages_service import form_xsrf, hub_browser, one_line, ps1_files, text_of

A = "course/c1/a/ps1/"


def test_real_hub_learner_signs_in_and_submits_from_the_page(site, service_ps1, ps1_release):
    s = hub_browser(site, "wanda", "c1-learners")
    r = s.get(site.prefix, timeout=60)  # HubOAuth: authorize at the hub, callback, back here
    assert r.status_code == 200 and r.url == site.prefix, (r.status_code, r.url)
    assert 'data-assignment="ps1"' in r.text and "Not submitted" in text_of(r)
    page = s.get(site.prefix + A, timeout=60)
    files = [("files", (p, ps1_release.student[p])) for p in ("problem1.ipynb", "problem2.ipynb")]
    refused = s.post(site.prefix + A + "submit", files=files, allow_redirects=False, timeout=60)
    assert refused.status_code == 403 and "reload the page" in one_line(refused)
    r = s.post(site.prefix + A + "submit", data={"_xsrf": form_xsrf(page.text)}, files=files, timeout=60)
    assert r.status_code == 200 and r.url.endswith("?received=1"), (r.status_code, r.url)
    [version] = s.get(site.prefix + "api/course/c1/a/ps1/versions", timeout=60).json()["versions"]
    assert f"Received: version 1, hash {version['sha256'][:8]}." in text_of(r)
    # Nobody else's feedback or confirmation: ann's version 1 is not wanda's.
    assert s.get(site.prefix + A + "feedback/1", timeout=60).status_code == 404


def test_real_hub_tutor_creates_and_releases_from_the_pages(site, service_ps1):
    tutor = hub_browser(site, "trudy", "c1-tutors")
    form = tutor.get(site.prefix + "course/c1/new", timeout=60)
    assert form.status_code == 200 and form.url == site.prefix + "course/c1/new", form.url
    upload = [("folder", f) for f in ps1_files("ps1/")]
    fields = {"_xsrf": form_xsrf(form.text), "name": "web1", "title": "Made on the web", "due": "2031-01-01T09:00"}
    r = tutor.post(site.prefix + "course/c1/new", data=fields, files=upload, timeout=120)
    assert r.status_code == 200 and r.url.endswith("?created=web1"), (r.status_code, r.url, r.text[-500:])
    assert "Draft" in text_of(r)
    learner = hub_browser(site, "walt", "c1-learners")
    assert "Made on the web" not in learner.get(site.prefix, timeout=60).text
    r = tutor.post(site.prefix + "course/c1/a/web1/release", data={"_xsrf": form_xsrf(r.text)}, timeout=60)
    assert r.status_code == 200 and r.url.endswith("?released=web1")
    mine = text_of(learner.get(site.prefix, timeout=60))
    assert "Made on the web" in mine and "2031-01-01 09:00 UTC" in mine
    student = learner.get(site.prefix + "api/course/c1/a/web1/student", timeout=60).json()["files"]
    assert sorted(student) == ["data/numbers.csv", "problem1.ipynb", "problem2.ipynb"]
