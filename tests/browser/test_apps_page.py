"""In Chromium, in English and Japanese: the apps page opened as the
JupyterLab card does (a file prefilled), a refused start shown as one line
in the page's language, and an app shared with a person and revoked with
the page's buttons, through JupyterHub's shares."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from campushub.apps import model
from campushub.i18n import translate

from ..harness import save_artifact
from .test_browser import submit_login

pytestmark = pytest.mark.browser
APP = "app-browserdemo"


@pytest.fixture(scope="module")
def alices_app(hub, alice):
    """An app of alice's that never runs: JupyterHub 6 makes a server without starting it."""
    options = {"campushub_app": {"kind": "streamlit", "path": "work/app.py", "title": "Browser demo"}}
    r = requests.put(f"{hub.url}/hub/api/users/{alice.name}/servers/{APP}", json={"user_options": options},
                     headers={"Authorization": f"token {hub.user_token(alice.name)}"}, timeout=30)
    assert r.status_code == 201, r.text
    yield APP
    hub.api("DELETE", f"users/{alice.name}/servers/{APP}", json={"remove": True})


def shared_with(hub, owner: str) -> list[str]:
    r = requests.get(f"{hub.url}/hub/api/shares/{owner}/{APP}", timeout=30,
                     headers={"Authorization": f"token {hub.user_token(owner)}"})
    return sorted((s["user"] or s["group"])["name"] for s in r.json()["items"])


@pytest.mark.parametrize("locale, lang", [("en-US", "en"), ("ja-JP", "ja")])
def test_the_apps_page_starts_shares_and_revokes(hub, alice, bob, alices_app, new_page, locale, lang):
    _ = lambda text, **kw: translate(lang, text, **kw)  # noqa: E731
    page = new_page(locale)
    page.goto(f"{hub.url}/hub/login?next=%2Fhub%2Fcampushub%2Fapps%3Fpath%3Dwork%252Fchurn.py")
    submit_login(page, alice)
    page.wait_for_url("**/hub/campushub/apps?path=*")
    expect(page.get_by_role("heading", name=_("Apps"), exact=True)).to_be_visible()
    expect(page.locator("#app-path")).to_have_value("work/churn.py")
    expect(page.locator("#app-name")).to_have_value("churn")
    expect(page.locator("#app-kind")).to_have_value("streamlit")

    # a file outside the home: refused, in the page's language, the form kept
    page.fill("#app-path", "../other/app.py")
    page.locator("#app-start").click()
    expect(page.locator("#apps-problem")).to_have_text(_(model.BAD_PATH))
    expect(page.locator("#app-path")).to_have_value("../other/app.py")
    if lang != "en":
        assert _(model.BAD_PATH) != model.BAD_PATH

    card = page.locator('[data-app="browserdemo"]')
    expect(card.get_by_text(_("Only you can open this app."))).to_be_visible()
    card.locator("select[name=share_kind]").select_option("user")
    card.locator("input[name=share_name]").fill(bob.name)
    card.get_by_role("button", name=_("Share"), exact=True).click()
    expect(page.locator("#apps-done")).to_have_text(_("Shared: they can open the app's link now, after logging in."))
    expect(page.locator(f'[data-app="browserdemo"] tr[data-share-name="{bob.name}"]')).to_be_visible()
    assert shared_with(hub, alice.name) == [bob.name]
    save_artifact(f"browser-apps-page-{lang}.png", page.screenshot(full_page=True))

    page.locator(f'[data-app="browserdemo"] tr[data-share-name="{bob.name}"]').get_by_role(
        "button", name=_("Revoke")).click()
    expect(page.locator("#apps-done")).to_have_text(_("Share revoked: their next request to the app is refused."))
    assert shared_with(hub, alice.name) == []
