"""JupyterLab in the person's language, on a real hub: the language of the
browser that starts the server (or ui.language) becomes the default of
JupyterLab's "locale" setting, which is what its frontend loads; a language
the person chose in JupyterLab themselves is kept."""

from __future__ import annotations

import json
import re

import requests

from ..conftest import make_user, spawn
from ..harness import wait_for

PLUGIN = "@jupyterlab/translation-extension:plugin"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def start_with(hub, person, accept_language: str) -> None:
    person.session.headers["Accept-Language"] = accept_language
    spawn(hub, person)


def stop(hub, name: str) -> None:
    r = hub.api("DELETE", f"users/{name}/server")
    assert r.status_code in (202, 204), r.text
    wait_for(lambda: not hub.api("GET", f"users/{name}").json().get("servers"), 120, f"{name}'s server to stop")


def lab(hub, name: str, token: str, path: str, method: str = "GET", **kwargs) -> requests.Response:
    return requests.request(method, f"{hub.url}/user/{name}/lab/api/{path}",
                            headers={"Authorization": f"token {token}"}, timeout=60, **kwargs)


def locale_setting(hub, name: str, token: str) -> tuple[str, str | None]:
    """(JupyterLab's default locale, the person's own choice or None)."""
    r = lab(hub, name, token, f"settings/{PLUGIN}")
    assert r.status_code == 200, r.text[:300]
    model = r.json()
    return model["schema"]["properties"]["locale"]["default"], model["settings"].get("locale")


def translated(r: requests.Response, language: str, script: re.Pattern) -> bool:
    """The language pack JupyterLab's frontend loads for that locale is installed and translated."""
    pack = r.json()["data"].get("jupyterlab")
    assert pack, r.json().get("message")
    assert pack[""]["language"] == language
    texts = [v[0] for k, v in pack.items() if k and isinstance(v, list) and v]
    return sum(bool(script.search(t)) for t in texts) > len(texts) / 2


def test_jupyterlab_follows_the_browser_and_keeps_the_persons_choice(hub, admin):
    nadia = make_user(hub, admin, "nadia")
    try:
        start_with(hub, nadia, "ja-JP,ja;q=0.9,en;q=0.8")
        token = hub.user_token("nadia")
        assert locale_setting(hub, "nadia", token) == ("ja_JP", None)
        assert translated(lab(hub, "nadia", token, "translations/ja_JP"), "ja-JP", JAPANESE)
        stop(hub, "nadia")

        start_with(hub, nadia, "ru-RU,ru;q=0.9")
        token = hub.user_token("nadia")
        assert locale_setting(hub, "nadia", token) == ("ru_RU", None)
        assert translated(lab(hub, "nadia", token, "translations/ru_RU"), "ru-RU", CYRILLIC)
        # The person picks Japanese in JupyterLab's own menu.
        r = lab(hub, "nadia", token, f"settings/{PLUGIN}", "PUT", data=json.dumps({"raw": '{"locale": "ja_JP"}'}))
        assert r.status_code == 204, r.text
        stop(hub, "nadia")

        start_with(hub, nadia, "en-US,en;q=0.9")
        token = hub.user_token("nadia")
        # English is JupyterLab's own default; the person's choice is untouched.
        assert locale_setting(hub, "nadia", token) == ("default", "ja_JP")
    finally:
        hub.api("DELETE", "users/nadia/server")
