"""With hub.subdomain_host, in Chromium and in Russian: a person's JupyterLab
runs at <name>.hub.localhost, where the hub's login cookie is never sent, and
still shows the "Share an app" Launcher card and "Run as app…" for a .py file;
each opens the apps page at the hub's own origin (hub.localhost, where the
person is logged in), the second with the file prefilled. The labels reach the
page at spawn (hub/apps/texts.py -> singleuser/apps_texts.py -> page config),
the hub's address through JupyterHub's hubHost (labextension/src/apps.js)."""

from __future__ import annotations

import json

import pytest
import requests
from playwright.sync_api import expect

from campushub.i18n import translate

from ..conftest import make_user
from ..harness import Browserless, running
from .test_apps_subdomains import PREFIX, SubdomainHub, localhost_names  # noqa: F401 -- a fixture
from .test_browser import LAB_TIMEOUT, open_login, submit_login

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hub(tmp_path_factory, localhost_names):  # noqa: F811 -- the fixture imported above
    h = SubdomainHub.create(tmp_path_factory.mktemp("apps-lab-subdomains"), {"spawner": {"user_prefix": PREFIX}})
    # subdomains of the proxy's own port: the address is known only once Hub.create chose it
    config = json.loads(h.config_file.read_text())
    config["hub"]["subdomain_host"] = f"http://hub.localhost:{h.port}"
    h.config_file.write_text(json.dumps(config, indent=1))
    with running(h, PREFIX) as h:
        yield h


def test_the_card_and_the_command_open_the_apps_page_at_the_hubs_origin(hub, new_page):
    admin = Browserless(hub, "admin", hub.admin_password)
    assert admin.login().status_code == 302
    person = make_user(hub, admin, "labsub")
    own = f"http://{person.name}.hub.localhost:{hub.port}"
    card_text, menu_text, heading = (translate("ru", t) for t in ("Share an app", "Run as app…", "Apps"))
    assert card_text != "Share an app"
    page = new_page("ru-RU")
    open_login(page, hub)
    submit_login(page, person)
    dialog = page.locator(".jp-Dialog")  # dash's "Build Recommended", as in test_apps_lab.py
    page.add_locator_handler(dialog, lambda d: d.locator("button.jp-mod-reject").click())
    card = page.locator(".jp-LauncherCard", has_text=card_text)
    expect(card).to_be_visible(timeout=LAB_TIMEOUT)
    assert page.url.startswith(own + f"/user/{person.name}/lab"), page.url  # JupyterLab on the person's origin
    with page.context.expect_page() as opened:
        card.click()
    apps = opened.value
    apps.wait_for_load_state()
    assert apps.url.startswith(f"{hub.url}/hub/campushub/apps"), apps.url
    expect(apps.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    apps.close()

    # the file through the person's own origin (a token is not sent along a redirect to another host)
    r = requests.put(f"{own}/user/{person.name}/api/contents/churn_app.py", timeout=60,
                     headers={"Authorization": f"token {hub.user_token(person.name)}"},
                     json={"type": "file", "format": "text", "content": "import streamlit as st\n"})
    assert r.status_code in (200, 201), r.text
    item = page.locator(".jp-DirListing-item", has_text="churn_app.py")
    expect(item).to_be_visible(timeout=60_000)  # the file browser polls its folder
    item.click(button="right")
    with page.context.expect_page() as opened:
        page.locator(".lm-Menu-item", has_text=menu_text).click()
    apps = opened.value
    apps.wait_for_load_state()
    assert apps.url.startswith(f"{hub.url}/hub/campushub/apps?path=churn_app.py"), apps.url
    expect(apps.locator("#app-path")).to_have_value("churn_app.py")
    expect(apps.locator("#app-name")).to_have_value("churn-app")
