"""In Chromium: an admin imports a class list with the page's file upload, in
English and in Japanese, and sees the result table with the bad line's fix."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..harness import Browserless, save_artifact
from .test_browser import submit_login

pytestmark = pytest.mark.browser

CSV = "username,display_name,groups,admin\n{p}1,Hanako {p},{p}-class,\n{p}2,Taro {p},{p}-class,maybe\n"
TEXTS = {
    "en-US": {"heading": "Import users and groups", "button": "Import", "dry_run": "Dry run: show what would change",
              "summary": "Created: 1, updated: 0, unchanged: 0, lines with errors: 1.",
              "fix": 'Admin must be true, false, yes, no, 1, 0 or empty, not "maybe".', "created": "created",
              "changes": "+{p}-class, display name: Hanako {p}"},
    "ja-JP": {"heading": "ユーザーとグループのインポート", "button": "インポート", "dry_run": "試行のみ",
              "summary": "作成: 1、更新: 0、変更なし: 0、エラーのある行: 1。",
              "fix": "admin は true、false、yes、no、1、0 または空欄にしてください（「maybe」は使えません）。",
              "created": "作成", "changes": "+{p}-class, 表示名: Hanako {p}"},
}


@pytest.mark.parametrize("locale, prefix", [("en-US", "bren"), ("ja-JP", "brja")])
def test_an_admin_imports_a_file_on_the_page(people_hub, new_page, locale, prefix):
    texts = TEXTS[locale]
    page = new_page(locale)
    # straight to the page after logging in (not to the admin's server, which would start)
    page.goto(f"{people_hub.url}/hub/login?next=%2Fhub%2Fcampushub%2Fusers")
    submit_login(page, Browserless(people_hub, "admin", people_hub.admin_password))
    page.wait_for_url("**/hub/campushub/users")
    expect(page.get_by_role("heading", name=texts["heading"])).to_be_visible()
    page.set_input_files("#import-file", files=[{"name": "class.csv", "mimeType": "text/csv",
                                                 "buffer": CSV.format(p=prefix).encode()}])
    page.get_by_label(texts["dry_run"]).uncheck()
    page.get_by_role("button", name=texts["button"], exact=True).click()
    expect(page.locator("#import-summary")).to_have_text(texts["summary"])
    expect(page.locator('#import-errors tr[data-line="3"] td').nth(1)).to_have_text(texts["fix"])
    expect(page.locator('#import-lines tr[data-line="2"] td').nth(2)).to_have_text(texts["created"])
    expect(page.locator('#import-lines tr[data-line="2"] td').nth(3)).to_have_text(texts["changes"].format(p=prefix))
    save_artifact(f"browser-people-import-{locale}.png", page.screenshot(full_page=True))
    assert people_hub.api("GET", f"users/{prefix}1").json()["groups"] == [f"{prefix}-class"]
    assert people_hub.api("GET", f"users/{prefix}2").status_code == 404
