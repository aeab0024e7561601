"""In Chromium, in English and Japanese: JupyterLab's Launcher has the "Share
an app" card and the file browser's context menu of a .py file has "Run as
app…"; each opens the hub's apps page, the second with the file prefilled
(labextension/src/apps.js, labels from the hub at spawn, hub/apps/texts.py).
The command palette has both under CampusHub, and does the same."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from ..conftest import make_user
from .test_browser import LAB_TIMEOUT, open_login, submit_login

pytestmark = pytest.mark.browser
TEXTS = {"en-US": ("Share an app", "Run as app…", "Apps"), "ja-JP": ("アプリを共有", "アプリとして実行…", "アプリ")}


@pytest.mark.parametrize("locale, name", [("en-US", "labappen"), ("ja-JP", "labappja")])
def test_the_launcher_card_the_context_menu_and_the_palette_open_the_apps_page(hub, admin, new_page, locale, name):
    card_text, menu_text, heading = TEXTS[locale]
    person = make_user(hub, admin, name)
    page = new_page(locale)
    open_login(page, hub)
    submit_login(page, person)
    # Not ours: JupyterLab's "Build Recommended" dialog for the source extension dash's wheel puts in
    # share/jupyter/lab/extensions (dash-jupyterlab.tgz) of the user environment; closed whenever it shows
    dialog = page.locator(".jp-Dialog")
    page.add_locator_handler(dialog, lambda d: d.locator("button.jp-mod-reject").click())
    card = page.locator(".jp-LauncherCard", has_text=card_text)
    expect(card).to_be_visible(timeout=LAB_TIMEOUT)
    with page.context.expect_page() as opened:
        card.click()
    apps = opened.value
    apps.wait_for_load_state()
    assert apps.url.startswith(f"{hub.url}/hub/campushub/apps")
    expect(apps.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    apps.close()

    # a file of theirs, saved as JupyterLab saves it, then its context menu in the file browser
    r = requests.put(f"{hub.url}/user/{name}/api/contents/churn_app.py", timeout=60,
                     headers={"Authorization": f"token {hub.user_token(name)}"},
                     json={"type": "file", "format": "text", "content": "import streamlit as st\n"})
    assert r.status_code in (200, 201), r.text
    item = page.locator(".jp-DirListing-item", has_text="churn_app.py")
    expect(item).to_be_visible(timeout=60_000)  # the file browser polls its folder
    item.click(button="right")
    with page.context.expect_page() as opened:
        page.locator(".lm-Menu-item", has_text=menu_text).click()
    apps = opened.value
    apps.wait_for_load_state()
    assert "/hub/campushub/apps?path=churn_app.py" in apps.url
    expect(apps.locator("#app-path")).to_have_value("churn_app.py")
    expect(apps.locator("#app-name")).to_have_value("churn-app")
    apps.close()

    # the command palette: both commands under CampusHub, "Run as app…" with the file selected in the browser
    apps = from_palette(page, card_text)
    assert apps.url.startswith(f"{hub.url}/hub/campushub/apps") and "path=" not in apps.url
    apps.close()
    apps = from_palette(page, menu_text)
    assert "/hub/campushub/apps?path=churn_app.py" in apps.url
    expect(apps.locator("#app-path")).to_have_value("churn_app.py")


def from_palette(page, label: str):
    page.keyboard.press("Control+Shift+C")  # JupyterLab's own shortcut for its (modal) command palette
    search = page.locator(".lm-CommandPalette-input")
    expect(search).to_be_visible()
    search.fill("CampusHub")  # the palette searches categories too; its modal form hides their headers
    expect(page.locator(".lm-CommandPalette-header", has_text="CampusHub")).to_be_attached()
    with page.context.expect_page() as opened:
        page.locator(".lm-CommandPalette-item", has_text=label).click()
    opened.value.wait_for_load_state()
    return opened.value
