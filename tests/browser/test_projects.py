"""The projects page in a real browser (Chromium), in English and in
Japanese, on a real hub with the service (tests/projects/web/site.py): a
person signs in through the hub's login form and HubOAuth and sees only their
own projects; an owner adds a member through the page's form and is told
when it takes effect; another's project is a 404 page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from campushub.i18n import translate

from ..conftest import make_user
from ..harness import Browserless, save_artifact
from ..projects.web.site import SERVICE, projects_site
from .assignments_flow import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with projects_site(tmp_path_factory.mktemp("projects-browser")) as s:
        admin = Browserless(s.hub, "admin", s.hub.admin_password)
        assert admin.login().status_code == 302
        # people who sign in with a password (the site's people came from the API and have none)
        s.people = {name: make_user(s.hub, admin, name) for name in ("eve", "fay")}
        for name, owner in (("p-eve", "eve"), ("p-fay", "fay")):
            r = s.call("admin", "POST", "api/projects", json={"name": name, "title": f"Project of {owner}",
                                                              "owners": [owner]})
            assert r.status_code == 201, r.text
        yield s


@pytest.mark.parametrize("lang,locale", [("en", "en-US"), ("ja", "ja-JP")])
def test_a_person_sees_only_their_projects(site, new_page, lang, locale):
    page = new_page(locale)
    sign_in(page, site.hub, site.people["eve"], SERVICE)
    expect(page).to_have_url(site.prefix, timeout=60_000)  # HubOAuth's round trip ends on the service's page
    expect(page.locator("h1")).to_have_text(translate(lang, "Projects"))
    rows = page.locator("tr.project-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-project", "p-eve")
    assert "p-fay" not in page.content() and "Project of fay" not in page.content()
    expect(page.locator("th").nth(3)).to_have_text(translate(lang, "Data"))
    save_artifact(f"projects-list-{lang}.png", page.screenshot(full_page=True))

    page.goto(site.prefix + "p/p-fay")
    expect(page.locator("#error-message")).to_contain_text("404")
    assert "Project of fay" not in page.content()


def test_an_owner_adds_a_member_through_the_form(site, new_page):
    page = new_page("ja-JP")
    sign_in(page, site.hub, site.people["eve"], SERVICE + "p/p-eve")
    expect(page.locator("#project-title")).to_contain_text("Project of eve", timeout=60_000)
    page.fill("#user", "fay")
    page.click("#add-member button[type=submit]")
    expect(page.locator("#done-message")).to_have_text(
        translate("ja", "{user} is now a member. They get the project's folder as each of their servers restarts.",
                  user="fay"))
    expect(page.locator('tr.member-row[data-user="fay"]')).to_have_count(1)
    assert "fay" in site.hub.api("GET", "groups/p-eve").json()["users"]
    save_artifact("projects-page-ja.png", page.screenshot(full_page=True))
