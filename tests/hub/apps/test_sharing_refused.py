"""A hub as installed (no hub.subdomain_host, no apps.share_on_hub_origin):
apps are on its origin, where an app's JavaScript could act as its viewer
(attack finding 1), so an app opens for its owner only. The apps page
refuses Share with one translated line saying what to configure and creates
no share; a share made anyway (an admin through JupyterHub's REST API, or
kept from before) does not let its viewer in, nor an admin; the owner uses
the app as before. The subdomain mode: tests/browser/test_apps_subdomains.py."""

from __future__ import annotations

import html
import os
import pwd

import pytest
import requests

from campushub.deploy.local.spawner.unix_users import unix_name
from campushub.hub.apps.sharing import SHARING_OFF
from campushub.i18n import translate

from ...conftest import make_user
from ...harness import TEST_PREFIX, Browserless, Hub, running, wait_for
from .test_sharing_e2e import STARTING, open_app, post

PREFIX = "chr" + TEST_PREFIX[3:]
APP = "app-mine"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with running(Hub.create(tmp_path_factory.mktemp("apps-refused"), {"spawner": {"user_prefix": PREFIX}}),
                 PREFIX) as h:
        yield h


@pytest.fixture(scope="module")
def people(hub):
    admin = Browserless(hub, "admin", hub.admin_password)
    assert admin.login().status_code == 302
    return admin, make_user(hub, admin, "alice"), make_user(hub, admin, "bob")


def _start(hub, alice) -> None:
    token = hub.user_token(alice.name)

    def start():
        return requests.post(f"{hub.url}/hub/api/users/{alice.name}/servers/{APP}", timeout=180,
                             headers={"Authorization": f"token {token}"},
                             json={"campushub_app": {"kind": "streamlit", "path": "mine.py", "title": "Mine"}})

    if start().status_code < 400:  # her first server makes her account (the file is not there yet)
        wait_for(lambda: hub.api("DELETE", f"users/{alice.name}/servers/{APP}",
                                 json={"remove": True}).status_code in (204, 404), 60, "the first start undone")
    account = pwd.getpwnam(unix_name(alice.name, PREFIX))
    path = os.path.join(account.pw_dir, "mine.py")
    with open(path, "w") as f:
        f.write("import streamlit as st\nst.title('OWNERS-APP')\n")
    os.chown(path, account.pw_uid, account.pw_gid)
    assert start().status_code in (201, 202)
    wait_for(lambda: hub.server_ready(alice.name, APP), STARTING, "alice's app")


def test_the_page_refuses_sharing_and_a_share_made_anyway_lets_nobody_else_in(hub, people):
    admin, alice, bob = people
    _start(hub, alice)
    page = alice.session.get(hub.url + "/hub/campushub/apps", timeout=30).text
    assert 'id="apps-sharing-off"' in page and 'data-action="share"' not in page
    for lang in ("en", "ja", "ru"):
        alice.session.headers["Accept-Language"] = lang
        r = post(hub, alice, action="share", app="mine", share_kind="user", share_name=bob.name)
        assert r.status_code == 400
        line = translate(lang, SHARING_OFF)
        assert line in html.unescape(r.content.decode()) and "hub.subdomain_host" in line, lang
    alice.session.headers.pop("Accept-Language")
    r = requests.get(f"{hub.url}/hub/api/shares/{alice.name}/{APP}", timeout=30,
                     headers={"Authorization": f"token {hub.user_token(alice.name)}"})
    assert r.status_code == 200 and r.json()["items"] == [], r.text

    # the owner's app works for her
    r = open_app(alice, f"{hub.url}/user/{alice.name}/{APP}/_stcore/health")
    assert r.status_code == 200 and r.text == "ok", (r.status_code, r.text[:200])
    # a share through JupyterHub's API (the admin holds `shares`): still nobody else in
    r = requests.post(f"{hub.url}/hub/api/shares/{alice.name}/{APP}", json={"user": bob.name}, timeout=30,
                      headers={"Authorization": f"token {hub.user_token(admin.name)}"})
    assert r.status_code == 200, r.text
    for viewer in (bob, admin):
        r = open_app(viewer, f"{hub.url}/user/{alice.name}/{APP}/_stcore/health")
        assert r.status_code == 403, (viewer.name, r.status_code, r.url, r.text[:200])
    # nor through bob's own API token
    r = requests.get(f"{hub.url}/user/{alice.name}/{APP}/_stcore/health", timeout=60, allow_redirects=False,
                     headers={"Authorization": f"token {hub.user_token(bob.name)}"})
    assert r.status_code == 403, r.status_code
    # and the owner still
    assert open_app(alice, f"{hub.url}/user/{alice.name}/{APP}/_stcore/health").status_code == 200
