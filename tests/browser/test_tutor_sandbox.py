"""A learner's notebook output holding script never runs in the tutor's
browser: the submission page (tests/assignments/web/tutor_service.py, the
real web app) in Chromium, with nbconvert's sanitizer on (as shipped) and
switched off, so the iframe sandbox and the page's CSP are shown to hold on
their own. A control page proves the same payload does run when nothing
stops it, so the test can fail."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from campushub.assignments.format.release import make_release
from campushub.assignments.format.source import load_source
from campushub.assignments.web import notebook_html

from ..assignments.web.tutor_data import TUTOR, answer, tutor_world

FIXTURE = Path(__file__).resolve().parents[1] / "assignments" / "fixtures" / "ps1"
PAYLOAD = ("<script>window.top.PWNED_BY_LEARNER = 'yes'; "
           "try { window.parent.document.title = 'PWNED' } catch (e) {}</script>"
           "<img src=x onerror=\"window.top.PWNED_BY_LEARNER = 'img'\">")


def autograde_with(store, payload: str) -> None:
    """The grader's stand-in: the submission as executed, every answer cell
    showing ``payload`` as HTML output (grading/ is tested on its own)."""
    while (job := store.claim_job("test")) is not None:
        executed = {}
        for path, raw in store.version_files(job["version_id"]).items():
            nb = nbformat.reads(raw.decode(), as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
                    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": payload})]
            executed[path] = nbformat.writes(nb).encode()
        store.finish_job(job["id"], scores=[], executed=executed, error=None)


@pytest.fixture
def page_url(tmp_path):
    source = load_source(FIXTURE)
    release = make_release(source)
    with tutor_world(tmp_path, source, release) as (service, store, a, _source, _release):
        store.submit(a["id"], "ann", answer(release), late=False)
        autograde_with(store, PAYLOAD)
        yield service.url + "course/c1/a/ps1/learner/ann/v/1"


def open_as_tutor(new_page, url: str):
    page = new_page()
    page.context.add_cookies([{"name": "test-user", "value": TUTOR, "url": url}])
    response = page.goto(url)
    assert response.status == 200
    page.wait_for_load_state("load")
    return page


def frames_loaded(page) -> None:
    frames = page.locator("iframe.notebook-frame")
    assert frames.count() == 2
    for i in range(2):  # the rendered notebooks really are inside, learner output included
        assert "jp-Notebook" in frames.nth(i).get_attribute("srcdoc")
    for frame in page.frames:
        frame.wait_for_load_state("load")


def test_control_payload_runs_without_defences(new_page):
    page = new_page()
    page.set_content(f"<iframe srcdoc=\"{PAYLOAD.replace('&', '&amp;').replace(chr(34), '&quot;')}\"></iframe>")
    page.wait_for_function("window.PWNED_BY_LEARNER !== undefined")


@pytest.mark.parametrize("sanitized", [True, False])
def test_learner_script_never_runs_on_the_submission_page(new_page, page_url, monkeypatch, sanitized):
    if not sanitized:
        from nbconvert import HTMLExporter

        monkeypatch.setattr(notebook_html, "_exporter", lambda: HTMLExporter(template_name="lab"))
        monkeypatch.setattr(notebook_html, "_cache", type(notebook_html._cache)())  # not the sanitized renderings
    page = open_as_tutor(new_page, page_url)
    frames_loaded(page)
    srcdoc = page.locator("iframe.notebook-frame").first.get_attribute("srcdoc")
    assert ("<script>window.top.PWNED_BY_LEARNER" in srcdoc) is not sanitized
    assert page.evaluate("window.PWNED_BY_LEARNER") is None
    assert page.title() != "PWNED"
