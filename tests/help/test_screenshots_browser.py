"""The screenshots the help portal's guides show (tests/help/screenshots.py), taken in a real browser in
English, Japanese and Russian on the session's shared sites and written into campushub/help/pages/img/, so
the guides show the pages as they are. Each test first checks its page is the one meant (a translated
heading, button or status), then writes the viewport (1280x800) and checks the file is a real screenshot.
Commit the files after a run: `git add campushub/help/pages/img/*.png`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from campushub.i18n import translate

from ..analytics.e2e_site import SERVICE as ANALYTICS
from ..browser.assignments_flow import sign_in
from ..browser.test_analytics import executions_of, wanted_executions
from ..harness import Browserless, wait_for
from ..jobs.web.site import SERVICE as JOBS
from .scenes import COURSE, SERVICE, Course, finished_job
from .screenshots import LOCALES, MIN_WIDTH, SCREENSHOTS, path, png_size

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("lang", list(LOCALES))]


@pytest.fixture(scope="module")
def course(course_hub):
    found = Course(course_hub)
    found.version = found.prepare()
    return found


@pytest.fixture(scope="module")
def job(jobs_site):
    return finished_job(jobs_site)


@pytest.fixture(scope="module")
def analytics(analytics_site):
    """Lesson 1's first cells run by a learner, unless the analytics tests ran them already."""
    if not any(r.course == "an1" for r in analytics_site.runs):
        analytics_site.run("ana", "an1", "01-basics", 0)
        analytics_site.run("ana", "an1", "01-basics", 1)
    wait_for(lambda: executions_of(analytics_site, "c0") == wanted_executions(analytics_site, "c0"), 60,
             "lesson 1's runs to be recorded")
    return analytics_site


def shoot(page, name: str, lang: str) -> None:
    assert name in SCREENSHOTS
    file = path(name, lang)
    page.evaluate("document.fonts.ready.then(() => true)")  # the icon font too (the logout button's icon)
    # CI keeps test-artifacts/: the shots of this run, to compare with the committed ones
    kept = Path(__file__).resolve().parents[2] / "test-artifacts" / "help-screenshots"
    kept.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=kept / file.name)
    width, height = png_size(kept / file.name)
    assert width >= MIN_WIDTH and height >= 600, f"{file.name} is {width}x{height}, not a page's screenshot"
    # into img/ whole (a rename on the checkout's file system): a help build or the check of the committed
    # shots (test_screenshot_names.py) running meanwhile, on another pytest-xdist worker, reads the old or the
    # new file, never one being written
    staged = kept / f".{file.name}.tmp"
    shutil.copyfile(kept / file.name, staged)
    os.replace(staged, file)


def test_hub_home(course, new_page, lang):
    page = new_page(LOCALES[lang])
    sign_in(page, course.hub, course.learner, "/hub/home")
    expect(page.locator("#start")).to_have_text(translate(lang, "Start My Server"))
    shoot(page, "hub-home", lang)


def test_spawn_form(course, new_page, lang):
    page = new_page(LOCALES[lang])
    sign_in(page, course.hub, course.learner, "/hub/home")
    expect(page.locator("#start")).to_be_visible()
    page.goto(f"{course.hub.url}/hub/spawn/hana")
    expect(page.locator("#cpu-help")).to_have_text(
        translate(lang, "Between {min} and {max} {unit}.", min="0.5", max="2", unit=translate(lang, "cores")))
    shoot(page, "spawn-form", lang)


def test_assignments(course, new_page, lang):
    page = new_page(LOCALES[lang])
    sign_in(page, course.hub, course.learner, f"{SERVICE}course/{COURSE}/a/ps1/")
    row = page.locator(f'#versions tr[data-version="{course.version}"]')
    expect(row).to_have_attribute("data-status", "autograded", timeout=60_000)  # after HubOAuth's round trip
    expect(page.locator("#submit-from-files")).to_be_visible()
    shoot(page, "assignments", lang)


def test_grading(course, new_page, lang):
    page = new_page(LOCALES[lang])
    sign_in(page, course.hub, course.tutor, f"{SERVICE}course/{COURSE}/a/ps1/learner/hana/v/{course.version}")
    expect(page.locator(".grade-cell[data-grade-id=test_clamp]")).to_contain_text("3 / 3", timeout=60_000)
    expect(page.locator("#grade-form button[type=submit]")).to_be_visible()
    # the learner's notebook in its frame (srcdoc, rendered after the page): the picture shows her answers
    expect(page.frame_locator("iframe.notebook-frame").first.locator(".jp-Cell").first).to_be_visible(timeout=60_000)
    shoot(page, "grading", lang)


def test_analytics(analytics, new_page, lang):
    page = new_page(LOCALES[lang])
    sign_in(page, analytics.hub, Browserless(analytics.hub, "admin", analytics.passwords["admin"]),
            f"{ANALYTICS}courses/an1")
    expect(page.locator("h2").filter(has_text=translate(lang, "Learners' progress"))).to_be_visible(timeout=60_000)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    shoot(page, "analytics", lang)


def test_jobs(jobs_site, job, new_page, lang):
    page = new_page(LOCALES[lang])
    sign_in(page, jobs_site.hub, jobs_site.people["eve"], JOBS)
    expect(page.locator("h1")).to_have_text(translate(lang, "Your jobs"), timeout=60_000)
    expect(page.locator(f'tr.job-row[data-job="{job}"] .job-state')).to_have_text(translate(lang, "succeeded"))
    shoot(page, "jobs", lang)
