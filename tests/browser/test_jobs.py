"""The jobs page and JupyterLab's "Run as job…" in a real browser (Chromium), in
English and Japanese, on a real hub with the jobs service and its local backend
(tests/jobs/web/site.py): a person signs in through the hub and HubOAuth, sees
only their own jobs, and opens the executed notebook in their own JupyterLab;
another person's job is a 404 page; a cookie without the form's XSRF token
cancels nothing. From JupyterLab, the command's dialog submits a job with a
parameter, which runs and is on the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from campushub.i18n import translate

from ..harness import save_artifact, wait_for
from ..jobs.web.site import SERVICE
from .assignments_flow import LAB_TIMEOUT, notebook, sign_in, toast

pytestmark = pytest.mark.browser
CURRENT_TAB = "#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel"


@pytest.fixture(scope="module")
def ran(jobs_site):
    """One ended job each for eve and fay: {"eve": id, "fay": id}."""
    jobs_site.write_notebook("eve", "work/greet.ipynb", "greeting = 'x'", "print(greeting)")
    jobs_site.write_notebook("fay", "private/fay_plan.ipynb", "k = 1", "print(k)")
    ids = {}
    for who, body in (("eve", {"notebook": "work/greet.ipynb", "parameters": ["greeting=hello-from-the-job"]}),
                      ("fay", {"notebook": "private/fay_plan.ipynb"})):
        r = jobs_site.submit(who, body)
        assert r.status_code == 201, r.text
        ids[who] = r.json()["jobs"][0]["id"]
        assert jobs_site.ended(who, [ids[who]])[ids[who]]["state"] == "succeeded"
    return ids


def from_palette(page, label: str) -> None:
    """The command, from JupyterLab's (modal) palette: opened again when a dialog of JupyterLab's, or the
    notebook's first focus while Lab settles, has closed it before the click."""
    search, item = page.locator(".lm-CommandPalette-input"), page.locator(".lm-CommandPalette-item", has_text=label)

    def chosen():
        if not search.is_visible():
            page.keyboard.press("Control+Shift+C")
        try:
            search.fill(label, timeout=3000)
            item.click(timeout=3000)
        except PlaywrightTimeout:
            return False
        return True

    wait_for(chosen, 90, f"the command palette to run {label}")


def not_ours(page):
    """JupyterLab's own dialogs (e.g. 'Build Recommended') are closed whenever they show; ours stays."""
    dialog = page.locator(".jp-Dialog:not(:has(.campushub-job-form))")
    page.add_locator_handler(dialog, lambda d: d.locator("button.jp-mod-reject").click())


@pytest.mark.parametrize("lang,locale", [("en", "en-US"), ("ja", "ja-JP")])
def test_a_person_sees_only_their_jobs_and_opens_the_executed_notebook(jobs_site, ran, new_page, lang, locale):
    page = new_page(locale)
    sign_in(page, jobs_site.hub, jobs_site.people["eve"], SERVICE)
    expect(page).to_have_url(jobs_site.prefix, timeout=60_000)  # HubOAuth's round trip ends on the page
    expect(page.locator("h1")).to_have_text(translate(lang, "Your jobs"))
    expect(page.locator("tr.job-row")).to_have_count(len(jobs_site.jobs("eve")))
    assert ran["fay"] not in page.content() and "fay_plan" not in page.content()
    row = page.locator(f'tr.job-row[data-job="{ran["eve"]}"]')
    expect(row.locator(".job-state")).to_have_text(translate(lang, "succeeded"))
    expect(row).to_contain_text('greeting="hello-from-the-job"')
    expect(page.locator("#jobs th").nth(6)).to_have_text(translate(lang, "Duration"))
    save_artifact(f"jobs-list-{lang}.png", page.screenshot(full_page=True))

    with page.context.expect_page() as opened:
        row.locator(".output-link").click()
    lab = opened.value
    not_ours(lab)
    expect(lab.locator(CURRENT_TAB)).to_have_text("output.ipynb", timeout=LAB_TIMEOUT)
    assert lab.url.split("?")[0].endswith(f"/user/eve/lab/tree/jobs/{ran['eve']}/output.ipynb"), lab.url
    expect(notebook(lab).locator(".jp-OutputArea-output", has_text="hello-from-the-job")).to_be_visible()
    save_artifact(f"jobs-output-{lang}.png", lab.screenshot(full_page=True))
    lab.close()

    page.goto(jobs_site.prefix + f"j/{ran['fay']}")
    expect(page.locator("#error-message")).to_contain_text("404")
    assert "fay_plan" not in page.content()
    # the page's cookie alone, without the form's XSRF token (what another site's form would send)
    answer = page.request.post(jobs_site.prefix + f"j/{ran['eve']}/cancel", max_redirects=0,
                               headers={"Accept-Language": locale})
    assert answer.status == 403, answer.text()
    assert translate(lang, "This form has expired or did not come from this site: reload the page and try again.") \
        in answer.text()


def test_run_as_job_from_jupyterlab_in_japanese(jobs_site, new_page):
    jobs_site.write_notebook("yui", "work/from_lab.ipynb", "n = 1", "print(n * 7)")
    before = {j["id"] for j in jobs_site.jobs("yui")}
    page = new_page("ja-JP")
    not_ours(page)
    sign_in(page, jobs_site.hub, jobs_site.people["yui"], "/user/yui/lab/tree/work/from_lab.ipynb")
    expect(page.locator(CURRENT_TAB)).to_have_text("from_lab.ipynb", timeout=LAB_TIMEOUT)
    notebook(page)
    from_palette(page, translate("ja", "Run as job…"))
    form = page.locator(".campushub-job-form")
    expect(form).to_be_visible()
    expect(form).to_contain_text(translate("ja", "Parameters"))
    form.locator("#campushub-job-parameters").fill("n=6")
    # the profiles the person's policy allows ("big" is more than it does), their own default first
    options = form.locator("#campushub-job-profile option")
    expect(options).to_have_text([translate("ja", "Your default resources"), "Small (1 CPU, 512 MiB)"])
    form.locator("#campushub-job-profile").select_option("small")
    page.locator(".jp-Dialog button.jp-mod-accept", has_text=translate("ja", "Run")).click()
    submitted = re.escape(translate("ja", "Submitted: {id}", id="")) + r"j\d{14}-[0-9a-f]{6}"
    expect(toast(page, submitted)).to_be_visible(timeout=60_000)
    save_artifact("jobs-run-from-lab-ja.png", page.screenshot(full_page=True))
    (new,) = [j for j in jobs_site.jobs("yui") if j["id"] not in before]
    assert new["notebook"] == "work/from_lab.ipynb" and new["parameters"] == {"n": 6} and new["profile"] == "small"
    assert jobs_site.ended("yui", [new["id"]])[new["id"]]["state"] == "succeeded"
    r = jobs_site.server("yui", "GET", f"api/contents/jobs/{new['id']}/output.ipynb")
    assert "42" in [o.get("text", "").strip() for c in r.json()["content"]["cells"] for o in c.get("outputs", [])]
    # the toast's link opens the jobs page, where the new job is
    with page.context.expect_page() as opened:
        page.get_by_role("button", name=translate("ja", "Open the jobs page")).click()
    jobs = opened.value
    expect(jobs.locator("h1")).to_have_text(translate("ja", "Your jobs"), timeout=60_000)
    expect(jobs.locator(f'tr.job-row[data-job="{new["id"]}"]')).to_have_count(1)
