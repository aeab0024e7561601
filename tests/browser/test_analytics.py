"""The analytics service's main pages in a real browser, in English and in
Japanese, on the analytics end-to-end site (tests/analytics/e2e_site.py:
`campushub up` with the service, courses an1 and an2, learners' servers with
the recording extension): the admin signs in through the hub's login form
and HubOAuth, and each page shows its translated headings and its SVG charts
(screenshots in test-artifacts/). And one cell run in real JupyterLab is
counted: the cell id comes from JupyterLab's own execute_request, not from a
test's hand-made message.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from campushub.i18n import translate

from ..analytics.e2e_site import SERVICE, Run, notebook_url
from ..harness import Browserless, save_artifact, wait_for
from . import assignments_flow as flow
from .assignments_flow import LAB_TIMEOUT, open_in_lab

pytestmark = pytest.mark.browser
NOTEBOOK = "lessons/01-basics.ipynb"


def executions_of(site, cell: str) -> int:
    r = site.get("tom", notebook_url("an1", NOTEBOOK), params={"csv": "cells"})
    if r.status_code != 200:
        return -1  # nothing recorded yet: the page is a 404
    return next(int(row["executions"]) for row in csv.DictReader(io.StringIO(r.text)) if row["cell"] == cell)


def wanted_executions(site, cell: str) -> int:
    return sum((r.course, r.notebook, r.cell) == ("an1", NOTEBOOK, cell) for r in site.runs)


@pytest.fixture(scope="module")
def site(analytics_site):
    """Something to show: when the end-to-end tests did not run first, two cells of lesson 1."""
    if not any(r.course == "an1" and r.notebook == NOTEBOOK for r in analytics_site.runs):
        analytics_site.run("ana", "an1", "01-basics", 0)
        analytics_site.run("ana", "an1", "01-basics", 1)
    wait_for(lambda: executions_of(analytics_site, "c0") == wanted_executions(analytics_site, "c0"), 60,
             "lesson 1's executions to be recorded")
    return analytics_site


def sign_in(page, site, name: str, next_path: str) -> None:
    flow.sign_in(page, site.hub, Browserless(site.hub, name, site.passwords[name]), next_path)


PAGES = {  # name: (path under the service, headings on it, how many charts at least)
    "notebook": (notebook_url("an1", NOTEBOOK), ["Cells"], 3),
    "course": ("courses/an1", ["Notebooks", "Learners' progress"], 0),
    "learner": ("learners/ana", ["Notebooks run"], 0),
    "platform": ("platform", ["Platform", "Daily active users", "Servers"], 4),
}
CHART_TITLES = {"notebook": ["Executions per cell", "Learners who reached each cell", "Error rate per cell"],
                "platform": ["Servers over time"]}


def charts_after_reload(page) -> int:
    page.reload()
    return page.locator("svg.campushub-chart").count()


@pytest.mark.parametrize("lang,locale", [("en", "en-US"), ("ja", "ja-JP")])
def test_main_pages_render_translated_with_charts(site, new_page, lang, locale):
    page = new_page(locale)
    sign_in(page, site, "admin", SERVICE)
    expect(page).to_have_url(site.prefix, timeout=60_000)  # HubOAuth's round trip ends on the service's home
    for name, (path, headings, charts) in PAGES.items():
        page.goto(site.prefix + path)
        if name == "platform":  # the first hub poll comes within analytics.poll_interval (10 s)
            wait_for(lambda n=charts: charts_after_reload(page) >= n, 60, "the platform's charts", interval=2)
        for heading in headings:
            expect(page.locator("h1, h2").filter(has_text=translate(lang, heading)).first).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert page.locator("svg.campushub-chart").count() >= charts, name
        for title in CHART_TITLES.get(name, []):
            chart = page.locator(f'svg.campushub-chart[aria-label="{translate(lang, title)}"]')
            expect(chart).to_have_count(1)
            expect(chart.locator("rect, polyline, circle").first).to_be_attached()
        if lang == "ja":  # the English headings are gone, not shown beside the translation
            expect(page.locator("h2").filter(has_text=headings[-1])).to_have_count(0)
        save_artifact(f"analytics-{name}-{lang}.png", page.screenshot(full_page=True))


def test_a_cell_run_in_jupyterlab_is_counted(site, new_page):
    before = executions_of(site, "c0")
    assert before == wanted_executions(site, "c0")
    page = new_page()
    sign_in(page, site, "ana", f"/user/ana/lab/tree/an1/{NOTEBOOK}")
    panel = open_in_lab(page, site.hub, "ana", f"an1/{NOTEBOOK}")
    first = panel.locator(".jp-Notebook .jp-Cell").first
    expect(first).to_contain_text("x = 6 * 7", timeout=LAB_TIMEOUT)
    first.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    # the prompt gets a number once the kernel replied (a number, not "[*]": the cell has finished)
    expect(first.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=60_000)
    site.runs.append(Run("ana", "an1", NOTEBOOK, "c0", "ok"))
    wait_for(lambda: executions_of(site, "c0") == before + 1, 60, "JupyterLab's run of c0 to be counted")
    save_artifact("analytics-lab-run.png", page.screenshot(full_page=True))
