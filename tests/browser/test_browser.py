"""What a learner sees, in a real browser: the login form, the spawn page,
JupyterLab running a cell, and the hub's pages in Japanese.

Synchronisation is Playwright's own waiting with deadlines (expect,
wait_for_*), never fixed sleeps. Japanese strings are those of
campushub/i18n/locale/ja.json, written out so a reader sees what is shown.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..conftest import make_user
from ..harness import save_artifact
from ..processes import HeldForkServers

pytestmark = pytest.mark.browser

LAB_TIMEOUT = 180_000  # ms: a first spawn creates the unix account, then starts Lab


def open_login(page, hub):
    page.goto(f"{hub.url}/hub/login")
    expect(page.locator("#login_submit")).to_be_visible()


def submit_login(page, user):
    page.fill("#username_input", user.name)
    page.fill("#password_input", user.password)
    page.click("#login_submit")


def shot(page, name: str) -> None:
    save_artifact(name, page.screenshot(full_page=True))


def test_login_spawn_and_run_a_cell_in_jupyterlab(hub, admin, new_page):
    carol = make_user(hub, admin, "carol")  # signed up and approved, as in the other suites
    page = new_page("en-US")

    open_login(page, hub)
    shot(page, "browser-login.png")
    submit_login(page, carol)

    # With a warm fork server the start usually ends within the hub's slow_spawn_timeout (10 s), so
    # the browser may go straight to Lab; the progress page is held open and tested in Japanese below.
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=LAB_TIMEOUT)
    assert re.search(r"/user/carol/lab", page.url), page.url
    launcher = page.locator('.jp-LauncherCard[data-category="Notebook"]').first
    expect(launcher).to_be_visible(timeout=LAB_TIMEOUT)
    shot(page, "browser-lab-loaded.png")

    launcher.click()
    notebook = page.locator(".jp-NotebookPanel:visible")
    # Lab drops a run (with only a toast) while the kernel is initializing.
    # The status bar says "Python 3 (ipykernel) | Idle" only once the kernel
    # is connected; the toolbar's execution indicator starts out "idle".
    kernel_status = page.locator('.jp-StatusBar-TextItem[title^="Change kernel"]')
    expect(kernel_status).to_have_text(re.compile(r"\| Idle$"), timeout=120_000)
    cell = notebook.locator(".jp-CodeCell").first
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.type("print(6*7)")
    expect(editor).to_have_text("print(6*7)")
    page.keyboard.press("Shift+Enter")
    expect(cell.locator(".jp-OutputArea-output")).to_have_text("42", timeout=120_000)
    shot(page, "browser-notebook-output.png")


def test_login_page_speaks_the_browser_language(hub, new_page):
    ja = new_page("ja-JP")  # Chromium then sends Accept-Language: ja-JP
    open_login(ja, hub)
    expect(ja.locator("html")).to_have_attribute("lang", "ja")
    expect(ja.locator("#login_submit")).to_have_value("ログイン")
    expect(ja.locator("label[for=username_input]")).to_have_text("ユーザー名")
    expect(ja.locator("label[for=password_input]")).to_have_text("パスワード")
    expect(ja.get_by_role("link", name="新規登録")).to_be_visible()
    expect(ja.locator("body")).not_to_contain_text("Sign in")
    shot(ja, "browser-login-ja.png")

    en = new_page("en-US")
    open_login(en, hub)
    expect(en.locator("html")).to_have_attribute("lang", "en")
    expect(en.locator("#login_submit")).to_have_value("Sign in")
    expect(en.locator("label[for=username_input]")).to_have_text("Username:")
    expect(en.locator("body")).not_to_contain_text("ログイン")
    shot(en, "browser-login-en.png")


def test_spawn_pending_page_in_japanese(hub, admin, new_page):
    dave = make_user(hub, admin, "dave")
    page = new_page("ja-JP")
    open_login(page, hub)
    # a start that ends within the hub's slow_spawn_timeout (10 s) never shows
    # the pending page: held fork servers make this one wait 10 s, then exec
    with HeldForkServers(hub.data_dir), page.expect_response(re.compile(r"/hub/spawn-pending/dave"),
                                                      timeout=LAB_TIMEOUT) as pending:
        submit_login(page, dave)
    html = pending.value.text()
    assert '<html lang="ja">' in html and "サーバーを起動しています。" in html, html[:2000]
    expect(page.get_by_text("サーバーを起動しています。")).to_be_visible()
    expect(page.get_by_text("準備ができると、自動的に画面が切り替わります。")).to_be_visible()
    expect(page.locator("#stop-server-btn")).to_have_text("サーバーを停止")
    shot(page, "browser-spawn-pending-ja.png")

    # The page follows the progress stream to Lab once the server is ready.
    # (The translated progress messages themselves: tests/deploy/local/spawner/test_progress.py.)
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=LAB_TIMEOUT)
