"""Every hub page rendered in English, Japanese and Russian."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re

import pytest

from campushub.i18n import translate
from campushub.i18n.jinja import I18nExtension

from .common import CYRILLIC, JA, JAPANESE, RU
from .rendering import CASES, FakeHandler, environment, render, user, visible


@pytest.mark.parametrize("name, ns", CASES, ids=[c[0] for c in CASES])
def test_templates_render_japanese(name, ns):
    page = render(name, ns, "ja-JP,ja;q=0.9,en;q=0.8")
    assert '<html lang="ja">' in page
    text = visible(page)
    leaks = [s for s, t in JA.items() if s != t and s in text]
    assert not leaks, f"English left on the Japanese {name}: {leaks}"
    assert JAPANESE.search(text)


@pytest.mark.parametrize("name, ns", CASES, ids=[c[0] for c in CASES])
def test_templates_render_russian(name, ns):
    page = render(name, ns, "ru-RU,ru;q=0.9,en-US;q=0.8")
    assert '<html lang="ru">' in page
    text = visible(page)
    leaks = [s for s, t in RU.items() if s != t and re.search(rf"\b{re.escape(s)}\b", text)]
    assert not leaks, f"English left on the Russian {name}: {leaks}"
    assert CYRILLIC.search(text) and not JAPANESE.search(page)


@pytest.mark.parametrize("name, ns", CASES, ids=[c[0] for c in CASES])
def test_templates_render_english(name, ns):
    page = render(name, ns, "en-US,en;q=0.9")
    assert '<html lang="en">' in page
    assert not JAPANESE.search(page) and not CYRILLIC.search(page)


def test_login_page_keeps_form_hooks_and_translates_messages():
    ns = dict(login_error="User alice has not been authorized by an administrator yet.",
              username="alice", enable_signup=True)
    ja = render("native-login.html", ns, "ja")
    assert JA["Sign in"] in ja
    assert translate("ja", "User {username} has not been authorized by an administrator yet.",
                     username="alice") in ja
    for hook in ('name="username"', 'name="password"', 'type="submit"', 'id="login_submit"',
                 'name="_xsrf"', 'action="/hub/login?next="', 'href="/hub/signup"'):
        assert hook in ja
    en = render("native-login.html", ns, "en")
    assert 'value="Sign in"' in en and ns["login_error"] in en


def test_signup_result_and_js_strings():
    page = render("signup.html", CASES[4][1], "ja")
    assert "8 文字以上" in page
    for field in ('name="signup_password"', 'name="signup_password_confirmation"', 'id="signup_submit"'):
        assert field in page
    pending = render("spawn_pending.html", CASES[8][1], "ja")
    # |tojson escapes non-ASCII, so look for the escaped form
    assert json.dumps(JA["Stopping server..."])[1:-1] in pending
    assert "EventSource" in pending  # JupyterHub's progress stream is still wired up


def test_language_from_fixed_setting_and_environment(monkeypatch):
    monkeypatch.delenv("CAMPUSHUB_LANGUAGE", raising=False)
    assert '<html lang="en">' in render("page.html", {}, None)  # no header at all
    monkeypatch.setattr(I18nExtension, "fixed_language", "ja")
    assert '<html lang="ja">' in render("page.html", {}, "en")
    monkeypatch.setattr(I18nExtension, "fixed_language", "auto")
    monkeypatch.setenv("CAMPUSHUB_LANGUAGE", "ja")
    assert '<html lang="ja">' in render("page.html", {}, "en")
    monkeypatch.setattr(I18nExtension, "fixed_language", "en")  # hub config wins
    assert '<html lang="en">' in render("page.html", {}, "ja")


def test_no_handler_in_context_means_english():
    env = environment()
    assert env.from_string("{{ current_language() }} {{ _('Sign in') }}").render() == "en Sign in"
    assert env.from_string("{{ _('Sign in') }}").render(static_url=lambda p: p) == "Sign in"


def test_async_environment_like_jupyterhub():
    env = environment(enable_async=True)
    ns = dict(static_url=FakeHandler("ja").static_url, base_url="/hub/", user=user(),
              parsed_scopes=set(), services=[], progress_url="/p")
    coro = env.get_template("spawn_pending.html").render_async(**ns)
    # a thread of its own: Playwright's sync API may hold this thread's loop
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        page = pool.submit(asyncio.run, coro).result()
    assert '<html lang="ja">' in page and JA["Your server is starting up."] in page
