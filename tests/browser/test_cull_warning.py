"""In a real browser, against a hub whose culler would stop idle servers
after 4 minutes and warns 230 s before: a learner with a notebook open sees
the warning in JupyterLab while the server still runs (JupyterLab's own
polls and the warning's questions are not activity), in English and in
Japanese; "Keep working" makes the hub hear of activity at once, not at
the next regular report (every 60 s with this timeout). Japanese strings
are those of campushub/i18n/locale/ja.json, written out so a reader sees
what is shown. The same hub (not a browser) shows an idle kernel stopped
while its server stays, though a websocket is still connected to it.
"""

from __future__ import annotations

import re

import pytest
import requests
import websocket
from playwright.sync_api import expect

from ..conftest import make_user
from ..harness import Browserless, Hub, execute, running, save_artifact, wait_for
from .test_browser import LAB_TIMEOUT, open_login, submit_login

pytestmark = pytest.mark.browser

CULLING = {"timeout": 240, "interval": 60, "warning": 230, "kernels": {"timeout": 10, "interval": 2}}
WARNED = 60_000  # ms: ten idle seconds, then the page's next question (at most MOST = 60 s apart)


@pytest.fixture(scope="module")
def culling_hub(tmp_path_factory):
    with running(Hub.create(tmp_path_factory.mktemp("cull-warning-hub"), {"culling": CULLING})) as hub:
        admin = Browserless(hub, "admin", hub.admin_password)
        assert admin.login().status_code == 302
        yield hub, admin


def open_notebook(new_page, hub, user, locale):
    page = new_page(locale)
    open_login(page, hub)
    submit_login(page, user)
    launcher = page.locator('.jp-LauncherCard[data-category="Notebook"]').first
    expect(launcher).to_be_visible(timeout=LAB_TIMEOUT)
    launcher.click()
    expect(page.locator(".jp-NotebookPanel:visible")).to_be_visible(timeout=120_000)
    return page


def last_activity(hub: Hub, name: str) -> str:
    return hub.api("GET", f"users/{name}").json()["servers"][""]["last_activity"]


def test_a_learner_is_warned_before_the_cull_and_keep_working_tells_the_hub(culling_hub, new_page):
    hub, admin = culling_hub
    wren, yuki = make_user(hub, admin, "wren"), make_user(hub, admin, "yuki")
    pages = {"wren": open_notebook(new_page, hub, wren, "en-US"), "yuki": open_notebook(new_page, hub, yuki, "ja-JP")}

    english = pages["wren"].get_by_text(re.compile(r"This server will stop in \d+ min because it has been idle"))
    expect(english).to_be_visible(timeout=WARNED)
    japanese = pages["yuki"].get_by_text(re.compile(r"あと \d+ 分で停止します"))
    expect(japanese).to_be_visible(timeout=WARNED)
    expect(pages["yuki"].get_by_role("button", name="作業を続ける")).to_be_visible()
    assert hub.server_ready("wren") and hub.server_ready("yuki")  # warned before, not after, the cull
    for shown in (english, japanese):  # wholly on screen: the toast has finished sliding in
        expect(shown).to_be_in_viewport(ratio=1)
    save_artifact("browser-cull-warning-en.png", pages["wren"].screenshot())
    save_artifact("browser-cull-warning-ja.png", pages["yuki"].screenshot())

    before = last_activity(hub, "wren")
    pages["wren"].get_by_role("button", name="Keep working").click()
    expect(pages["wren"].get_by_text("Your server keeps running.")).to_be_visible()
    expect(english).to_have_count(0)
    # well before the next regular report (60 s less a 10 % jitter)
    wait_for(lambda: last_activity(hub, "wren") > before, 30, "the hub to hear of wren's Keep working")
    for name in ("wren", "yuki"):
        hub.api("DELETE", f"users/{name}/server")


def test_an_idle_kernel_is_culled_and_the_server_stays(culling_hub):
    hub, admin = culling_hub
    make_user(hub, admin, "kai")
    assert hub.api("POST", "users/kai/server").status_code in (201, 202)
    wait_for(lambda: hub.server_ready("kai"), 180, "kai's server")
    token, base = hub.user_token("kai"), f"{hub.url}/user/kai/api"
    headers = {"Authorization": f"token {token}"}
    r = requests.post(f"{base}/kernels", headers=headers, json={"name": "python3"}, timeout=60)
    assert r.status_code == 201, r.text
    kernel = r.json()["id"]
    assert execute(hub, "kai", token, kernel, "x = 6 * 7")["error"] is None
    # an open tab's connection does not keep the kernel (culling.kernels.cull_connected)
    tab = websocket.create_connection(f"ws://127.0.0.1:{hub.port}/user/kai/api/kernels/{kernel}/channels",
                                      header=[f"Authorization: token {token}"], timeout=30)
    try:
        wait_for(lambda: kernel not in [k["id"] for k in requests.get(f"{base}/kernels", headers=headers,
                                                                      timeout=10).json()],
                 90, "the idle kernel to be culled")
    finally:
        tab.close()
    assert hub.server_ready("kai")
    assert requests.get(f"{base}/status", headers=headers, timeout=10).ok
    hub.api("DELETE", "users/kai/server")
