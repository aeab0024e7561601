"""In a real browser, a person in remote_kernels.groups with a notebook open on
a remote kernel (a real hub, the front and a real Enterprise Gateway that
culls kernels idle for a minute, tests/remote_kernels/site.py): when the
gateway culls the kernel, JupyterLab says so in Japanese (the front's line,
labextension/src/culled.js) instead of failing at every cell, and 再起動
(Restart) gives the notebook a fresh kernel of the same profile that runs
the next cell; closed and opened again after another cull, the notebook
gets a fresh kernel and a notice saying why. Japanese strings are those of
campushub/i18n/locale/ja.json."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from ..conftest import make_user
from ..harness import Browserless, Hub, add_people, running, save_artifact, wait_for
from ..remote_kernels.site import CONFIG, Site, gateway
from .test_browser import LAB_TIMEOUT, open_login, submit_login

pytestmark = pytest.mark.browser

CULLED = "このカーネルは {minutes} 分間操作がなかったため停止されました。"


@pytest.fixture(scope="module")
def rk_hub(tmp_path_factory):
    config = {**CONFIG, "remote_kernels": {"enabled": True, "groups": ["rk"], "cull_idle_minutes": 1}}
    with running(Hub.create(tmp_path_factory.mktemp("remote-kernel-culled"), config)) as hub:
        admin = Browserless(hub, "admin", hub.admin_password)
        assert admin.login().status_code == 302
        with gateway(Site(hub)):
            yield hub, admin


def notebook_kernel(hub: Hub, token: str, name: str) -> str | None:
    r = requests.get(f"{hub.url}/user/{name}/api/sessions", headers={"Authorization": f"token {token}"}, timeout=30)
    found = [s["kernel"]["id"] for s in r.json() if s["path"].endswith(".ipynb")]
    return found[0] if found else None


def run_cell(page, code: str) -> None:
    cell = page.locator(".jp-NotebookPanel:visible .jp-Cell").last
    cell.locator(".cm-content").click()
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")


def test_a_culled_kernel_is_explained_and_restarted(rk_hub, new_page):
    hub, admin = rk_hub
    yuki = make_user(hub, admin, "yuki")
    add_people(hub, {"yuki": "rk"})
    # started in Japanese, as from a Japanese browser: the dialog's labels come at spawn
    r = requests.post(f"{hub.url}/hub/api/users/yuki/server", timeout=30,
                      headers={"Authorization": f"token {hub.api_token}", "Accept-Language": "ja"})
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: hub.server_ready("yuki"), 180, "yuki's server")
    token = hub.user_token("yuki")

    page = new_page("ja-JP")
    open_login(page, hub)
    submit_login(page, yuki)
    launcher = page.locator('.jp-LauncherCard[data-category="Notebook"]').first
    expect(launcher).to_be_visible(timeout=LAB_TIMEOUT)
    launcher.click()
    expect(page.locator(".jp-NotebookPanel:visible")).to_be_visible(timeout=120_000)
    first = wait_for(lambda: notebook_kernel(hub, token, "yuki"), 120, "the notebook's remote kernel")
    run_cell(page, "print(6 * 7)")
    expect(page.locator(".jp-OutputArea-output").filter(has_text="42")).to_be_visible(timeout=120_000)

    # EG culls a kernel idle for a minute (looking every 15 s), though the tab is connected
    dialog = page.locator(".jp-Dialog")
    expect(dialog.get_by_text(CULLED.format(minutes=1))).to_be_visible(timeout=240_000)
    expect(dialog.get_by_text("カーネルが停止しました")).to_be_visible()
    save_artifact("browser-remote-kernel-culled-ja.png", page.screenshot())
    dialog.get_by_role("button", name="再起動").click()

    second = wait_for(lambda: (k := notebook_kernel(hub, token, "yuki")) and k != first and k, 120,
                      "a fresh kernel for the notebook")
    assert second != first
    run_cell(page, "print(6 * 8)")
    expect(page.locator(".jp-OutputArea-output").filter(has_text="48")).to_be_visible(timeout=120_000)

    # Closed while its kernel is culled, then opened again: JupyterLab starts a fresh kernel and the
    # person is told once why the old one's variables are gone.
    page.keyboard.press("Control+s")
    page.locator(".jp-Dialog .jp-mod-accept").click()  # JupyterLab offers a name at an untitled file's first save
    tab = page.locator(".lm-TabBar-tab.jp-mod-current")
    expect(tab).not_to_have_class(re.compile("jp-mod-dirty"))
    tab.locator(".lm-TabBar-tabCloseIcon").click()
    expect(page.locator(".jp-NotebookPanel:visible")).to_have_count(0)
    wait_for(lambda: notebook_kernel(hub, token, "yuki") is None, 240, "the closed notebook's kernel to be culled")
    page.locator(".jp-DirListing-content").get_by_text("Untitled.ipynb", exact=True).dblclick()
    expect(page.locator(".jp-NotebookPanel:visible")).to_be_visible(timeout=120_000)
    expect(page.locator(".jp-toast-message").filter(
        has_text=CULLED.format(minutes=1))).to_be_visible(timeout=60_000)
    save_artifact("browser-remote-kernel-reopened-ja.png", page.screenshot())
    third = wait_for(lambda: notebook_kernel(hub, token, "yuki"), 120, "the reopened notebook's fresh kernel")
    assert third not in (first, second)
    run_cell(page, "print(6 * 9)")
    expect(page.locator(".jp-OutputArea-output").filter(has_text="54")).to_be_visible(timeout=120_000)
    hub.api("DELETE", "users/yuki/server")
