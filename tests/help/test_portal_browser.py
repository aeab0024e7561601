"""The issue's "Done when": the help portal opened in Chromium shows the learners' guide in Japanese for a
Japanese browser. On the session's course hub, whose `campushub up` builds the portal and runs the help
service: a person signs in with a ja-JP browser, clicks the nav bar's Help link (ヘルプ) on the hub's home,
lands on the Japanese portal after the service's HubOAuth round trip, opens the learners' guide, and finds
the guide with the portal's own search box (Material's, searching its index in the browser)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from campushub.i18n import translate

from ..browser.assignments_flow import sign_in
from ..conftest import make_user
from ..harness import Browserless, save_artifact
from .screenshots import PAGES

pytestmark = pytest.mark.browser
PORTAL = "/services/help/"
KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc]{3,}")
GUIDE = PAGES / "learners" / "index.ja.md"


def word(page: Path) -> str:
    """A Japanese word of `page` that the fewest other Japanese pages have: a katakana one, which the
    search index keeps whole (Material's search looks words up as typed: it does not segment a phrase)."""
    others = [p.read_text(encoding="utf-8") for p in PAGES.rglob("*.ja.md") if p != page]
    words = dict.fromkeys(KATAKANA.findall(page.read_text(encoding="utf-8")))
    assert words, f"{page} has no katakana word to search for"
    return min(words, key=lambda w: (sum(w in text for text in others), -len(w)))


def heading(page: Path) -> str:
    """A page's title: its first `# ` heading, as the portal shows it (its permalink anchor aside)."""
    return next(line[2:].strip() for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("# "))


@pytest.fixture(scope="module")
def reader(course_hub):
    admin = Browserless(course_hub, "admin", course_hub.admin_password)
    assert admin.login().status_code == 302
    return make_user(course_hub, admin, "sakura")


def test_a_japanese_browser_gets_the_learners_guide_in_japanese(course_hub, reader, new_page):
    title = heading(GUIDE)
    assert title != heading(PAGES / "learners" / "index.md"), "the learners' guide has no Japanese title"
    page = new_page("ja-JP")
    sign_in(page, course_hub, reader, "/hub/home")
    help_link = page.locator(".navbar").get_by_role("link", name=translate("ja", "Help"), exact=True)
    help_link.click()
    # the service's HubOAuth round trip, then its redirect to the reader's language's root
    expect(page).to_have_url(f"{course_hub.url}{PORTAL}ja/", timeout=60_000)
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    page.locator(".md-sidebar--primary").get_by_role("link", name=translate("ja", "Learners' guide")).first.click()
    expect(page).to_have_url(f"{course_hub.url}{PORTAL}ja/learners/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("article h1")).to_have_text(re.compile(rf"^{re.escape(title)}"))
    save_artifact("help-portal-learners-ja.png", page.screenshot())

    box = page.locator("input.md-search__input")  # the header's search box (Material's, in the browser)
    box.fill(word(GUIDE))
    box.press("End")  # a key's keyup, as when an input method's word is confirmed: Material searches then
    found = page.locator(".md-search-result__item a.md-search-result__link")
    expect(found.first).to_be_visible(timeout=30_000)
    hrefs = found.evaluate_all("links => links.map(a => a.href)")
    assert any(re.search(r"/ja/learners/(#.*)?$", href) for href in hrefs), hrefs
    save_artifact("help-portal-search-ja.png", page.screenshot())
