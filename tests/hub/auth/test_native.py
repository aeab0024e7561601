"""Password accounts (nativeauthenticator) on the real hub: approving,
refusing and discarding a sign-up are POSTs with the XSRF check. Upstream did
them on GET, so a cross-site link or <img> that an admin's browser followed
approved or deleted accounts (the CSRF probe finding); these tests replay
that attack and show it changes nothing now."""

from __future__ import annotations

import re

import pytest

from ...conftest import approve
from ...harness import Browserless

# What a browser sends when a page on another site makes it follow a link.
CROSS_SITE = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document",
              "Referer": "https://attacker.example/lure.html"}


def row(hub, admin, name: str) -> str | None:
    """The person's row on the admin's authorization page (None: no such sign-up)."""
    r = admin.session.get(f"{hub.url}/hub/authorize", timeout=30)
    assert r.status_code == 200, r.status_code
    match = re.search(rf'<tr id="{re.escape(name)}" data-authorized="(yes|no)"', r.text)
    return match.group(1) if match else None


def utf8(r) -> str:
    # nativeauthenticator's pages say "text/html" without a charset (the
    # page's <meta charset="utf-8"> tells browsers); requests would guess Latin-1.
    return r.content.decode("utf-8")


@pytest.fixture
def pending(hub):
    def sign_up(name: str) -> Browserless:
        person = Browserless(hub, name, f"{name}-Secret-pw-2026")
        assert person.signup().status_code == 200
        return person
    return sign_up


def test_cross_site_get_approves_nobody(hub, admin, pending):
    mallory = pending("mallory")
    r = admin.session.get(f"{hub.url}/hub/authorize/mallory", headers=CROSS_SITE, timeout=30)
    assert r.status_code == 200 and r.url.endswith("/hub/authorize")  # just the page
    assert row(hub, admin, "mallory") == "no"
    assert mallory.login().status_code == 200  # still refused: the form again


def test_cross_site_get_discards_nobody(hub, admin, pending):
    pending("darla")
    r = admin.session.get(f"{hub.url}/hub/discard/darla", headers=CROSS_SITE, timeout=30)
    assert r.status_code == 200 and r.url.endswith("/hub/authorize")
    assert row(hub, admin, "darla") == "no"


def test_post_without_xsrf_is_refused(hub, admin, pending):
    pending("trudy")
    for path, data in (("authorize/trudy", {"action": "authorize"}), ("discard/trudy", {})):
        r = admin.session.post(f"{hub.url}/hub/{path}", data=data, headers=CROSS_SITE, timeout=30)
        assert r.status_code == 403, (path, r.status_code)
        r = admin.session.post(f"{hub.url}/hub/{path}", data={**data, "_xsrf": "forged"}, timeout=30)
        assert r.status_code == 403, (path, r.status_code)
    assert row(hub, admin, "trudy") == "no"


def test_forms_approve_revoke_and_discard(hub, admin, pending):
    page = admin.session.get(f"{hub.url}/hub/authorize", timeout=30).text
    assert not re.search(r'href="[^"]*/(authorize|discard)/', page), "state-changing links left on the page"
    peggy = pending("peggy")
    assert 'action="/hub/authorize/peggy"' in admin.session.get(f"{hub.url}/hub/authorize", timeout=30).text
    r = approve(hub, admin, "peggy")
    assert r.status_code == 200 and row(hub, admin, "peggy") == "yes"
    assert approve(hub, admin, "peggy").status_code == 200  # the same form again: still approved
    assert row(hub, admin, "peggy") == "yes"
    assert peggy.login().status_code == 302
    assert approve(hub, admin, "peggy", "unauthorize").status_code == 200
    assert row(hub, admin, "peggy") == "no"
    assert Browserless(hub, "peggy", peggy.password).login().status_code == 200  # refused again
    # Discarding deletes the pending sign-up; the name is free again.
    xsrf = admin._xsrf("/hub/authorize")
    r = admin.session.post(f"{hub.url}/hub/discard/peggy", data={"_xsrf": xsrf}, timeout=30)
    assert r.status_code == 200 and row(hub, admin, "peggy") is None
    assert pending("peggy")  # signs up again


def test_approved_people_are_not_discarded(hub, admin, alice):
    xsrf = admin._xsrf("/hub/authorize")
    r = admin.session.post(f"{hub.url}/hub/discard/alice", data={"_xsrf": xsrf}, timeout=30)
    assert r.status_code == 200 and row(hub, admin, "alice") == "yes"


def test_bad_requests_change_nothing(hub, admin, pending):
    pending("oscar")
    xsrf = admin._xsrf("/hub/authorize")
    r = admin.session.post(f"{hub.url}/hub/authorize/oscar", data={"action": "toggle", "_xsrf": xsrf}, timeout=30)
    assert r.status_code == 400 and "Traceback" not in r.text and "Revoke approval" in r.text
    r = admin.session.post(f"{hub.url}/hub/authorize/oscar", data={"action": "", "_xsrf": xsrf}, timeout=30,
                           headers={"Accept-Language": "ru"})
    assert r.status_code == 400 and "Отозвать одобрение" in utf8(r)
    r = admin.session.post(f"{hub.url}/hub/authorize/nobody-here", data={"action": "authorize", "_xsrf": xsrf},
                           timeout=30)
    assert r.status_code == 404
    assert row(hub, admin, "oscar") == "no"


def test_only_admins_approve(hub, admin, alice, pending):
    pending("victor")
    xsrf = alice._xsrf("/hub/home")
    r = alice.session.post(f"{hub.url}/hub/authorize/victor", data={"action": "authorize", "_xsrf": xsrf},
                           timeout=30)
    assert r.status_code == 403
    assert row(hub, admin, "victor") == "no"


@pytest.mark.parametrize("lang, heading", [("ja", "ユーザーの承認"), ("ru", "Одобрение пользователей")])
def test_pages_in_the_browser_language(hub, admin, alice, lang, heading):
    headers = {"Accept-Language": lang}
    page = utf8(admin.session.get(f"{hub.url}/hub/authorize", headers=headers, timeout=30))
    assert f'<html lang="{lang}">' in page and heading in page
    page = utf8(alice.session.get(f"{hub.url}/hub/change-password", headers=headers, timeout=30))
    assert f'<html lang="{lang}">' in page and 'name="old_password"' in page and "Change password" not in page
    page = utf8(admin.session.get(f"{hub.url}/hub/change-password/alice", headers=headers, timeout=30))
    assert f'<html lang="{lang}">' in page and 'name="new_password"' in page
    # A failed change answers in the same language.
    xsrf = alice._xsrf("/hub/change-password")
    r = alice.session.post(f"{hub.url}/hub/change-password", headers=headers, timeout=30, data={
        "_xsrf": xsrf, "old_password": "wrong", "new_password": "x", "new_password_confirmation": "x"})
    assert r.status_code == 200 and "Your current password was incorrect" not in r.text
    assert {"ja": "現在のパスワードが正しくありません", "ru": "Текущий пароль указан неверно"}[lang] in utf8(r)
