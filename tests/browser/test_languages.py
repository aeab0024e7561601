"""In a real browser: JupyterLab opens in the person's language, and the
authorization page's buttons are forms that a cross-site link cannot fire.
Russian strings are those of the JupyterLab language pack and of
campushub/i18n/locale/ru.json, written out so a reader sees what is shown."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..conftest import make_user
from ..harness import Browserless, save_artifact
from .test_browser import LAB_TIMEOUT, open_login, submit_login

pytestmark = pytest.mark.browser


def test_jupyterlab_opens_in_the_browser_language(hub, admin, new_page):
    olga = make_user(hub, admin, "olga")
    page = new_page("ru-RU")
    open_login(page, hub)
    submit_login(page, olga)
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=LAB_TIMEOUT)
    menus = page.locator("#jp-menu-panel .lm-MenuBar-itemLabel")
    expect(menus.filter(has_text=re.compile("^Настройки$"))).to_be_visible(timeout=60_000)
    expect(menus.filter(has_text=re.compile("^Settings$"))).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "ru-RU")
    save_artifact("browser-lab-ru.png", page.screenshot(full_page=True))
    hub.api("DELETE", "users/olga/server")


def test_admin_approves_with_the_button_and_a_cross_site_link_does_nothing(hub, admin, new_page):
    for name in ("rita", "rosa"):
        assert Browserless(hub, name, f"{name}-Secret-pw-2026").signup().status_code == 200
    page = new_page("ru-RU")
    open_login(page, hub)
    submit_login(page, admin)
    page.goto(f"{hub.url}/hub/authorize")
    expect(page.get_by_role("heading", name="Одобрение пользователей")).to_be_visible()

    # A page elsewhere lures the admin into following links to the old GET actions.
    lure = page.context.new_page()
    for action in ("authorize", "discard"):
        lure.set_content(f'<a id="prize" href="{hub.url}/hub/{action}/rosa">You won!</a>')
        lure.click("#prize")
        lure.wait_for_url(re.compile(r"/hub/authorize$"))  # just the page
    page.reload()
    expect(page.locator("tr#rosa")).to_have_attribute("data-authorized", "no")

    page.locator("tr#rita").get_by_role("button", name="Одобрить").click()
    expect(page.locator("tr#rita")).to_have_attribute("data-authorized", "yes")
    assert Browserless(hub, "rita", "rita-Secret-pw-2026").login().status_code == 302
    page.on("dialog", lambda dialog: dialog.accept())  # "Удалить регистрацию пользователя rosa?"
    page.locator("tr#rosa").get_by_role("button", name="Удалить").click()
    expect(page.locator("tr#rosa")).to_have_count(0)
    save_artifact("browser-authorize-ru.png", page.screenshot(full_page=True))
