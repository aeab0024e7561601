"""The hub's REST API as a logged-in person's browser uses it: their login
cookie, and the XSRF token JupyterHub asks of cookie-authenticated requests."""

from __future__ import annotations

import requests

from ..harness import Browserless


def api(person: Browserless, method: str, path: str, **kwargs) -> requests.Response:
    xsrf = person.session.cookies.get("_xsrf", path="/hub/") or person.session.cookies.get("_xsrf")
    return person.session.request(method, f"{person.hub.url}/hub/api/{path}", timeout=60,
                                  headers={"X-XSRFToken": xsrf or ""}, **kwargs)


def server_ready(person: Browserless, server: str = "") -> bool:
    model = api(person, "GET", f"users/{person.name}").json()
    spawner = model.get("servers", {}).get(server)
    return bool(spawner and spawner.get("ready"))


def token(person: Browserless, note: str = "live test") -> str:
    r = api(person, "POST", f"users/{person.name}/tokens", json={"note": note, "expires_in": 3600})
    assert r.status_code == 201, f"token request answered {r.status_code}: {r.text[:300]}"
    return r.json()["token"]
