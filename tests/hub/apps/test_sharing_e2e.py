"""Shared apps end to end on a real hub (proxy, unix accounts, the shared user
environment with Streamlit): an owner in a project starts a Streamlit app
from a file of theirs on the apps page and shares it with the project; a
member logs in as usual and loads it through the proxy, a non-member gets 403;
the member cannot reach the owner's files, terminals or default server
through it; after the share is revoked the member's next request is refused.
And the real culler: an app someone keeps viewing stays, an unviewed app of
the same person is stopped (its proxy reports only real traffic), and starts
again from the page with the options it last ran with."""

from __future__ import annotations

import grp
import html
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from campushub.config import validate
from campushub.config.culling import activity_interval
from campushub.deploy.local.projects import groups as unix_groups
from campushub.projects.model import properties_for

from ...conftest import make_user, spawn
from ...harness import TEST_PREFIX, Browserless, Hub, Repeating, running, wait_for

PREFIX = "cha" + TEST_PREFIX[3:]
PAGE = "/hub/campushub/apps"
PROJECT = f"t{os.getpid()}-apps"
APP_CODE = "import streamlit as st\n\nst.title('Churn demo')\n"
# shows the project's data file from its own folder (the app starts in its file's folder)
DATA_APP = ("import pathlib\n\nimport streamlit as st\n\n"
            "st.title('Churn data')\nst.code(pathlib.Path('data.csv').read_text())\n")
CULLING = {"timeout": 30, "interval": 10, "warning": 0, "groups": {"patient": {"timeout": 3600}}}
TIMEOUT, INTERVAL = CULLING["timeout"], CULLING["interval"]
REPORT = activity_interval(validate({"culling": CULLING}))
STOPPING = 30  # what a stop itself may take on a busy machine
STARTING = 180  # a Streamlit app's first start on a busy machine


@pytest.fixture(scope="module")
def apps_hub(tmp_path_factory):
    root = Path(f"/srv/chp-test-apps-{os.getpid()}")  # members must pass it: not under pytest's 0700 tmp
    hub = Hub.create(tmp_path_factory.mktemp("apps-hub"), {
        "spawner": {"user_prefix": PREFIX}, "culling": CULLING,
        # the projects page's service too: it lists the apps shared with a project
        "projects": {"root": str(root), "enabled": True},
        # sharing on the hub's own origin (no subdomains here): the owners are the test's own;
        # the default (owner only) is tests/hub/apps/test_sharing_refused.py's
        "apps": {"share_on_hub_origin": True}})
    try:
        with running(hub, PREFIX) as h:
            yield h
    finally:
        _purge_group(PROJECT, root)
        shutil.rmtree(root, ignore_errors=True)


def _purge_group(project: str, root: Path) -> None:
    """The project's unix group on this root (made at its members' starts), and no tombstone: outside tests
    a deleted project's gid is kept for ever (deploy/local/projects/groups.py), a test's is not."""
    here = unix_groups.site_root(root)
    for name in (unix_groups.group_name(project, here), *unix_groups.earlier_names(project, here)):
        try:
            gid = grp.getgrnam(name).gr_gid
        except KeyError:
            continue
        subprocess.run(["groupdel", name], capture_output=True)
        subprocess.run(["groupdel", f"{unix_groups.RETIRED}{gid}"], capture_output=True)


@pytest.fixture(scope="module")
def people(apps_hub):
    hub = apps_hub
    admin = Browserless(hub, "admin", hub.admin_password)
    assert admin.login().status_code == 302
    found = {name: make_user(hub, admin, name) for name in ("alice", "bob", "dave", "carol")}
    assert hub.api("POST", f"groups/{PROJECT}").status_code == 201
    assert hub.api("PUT", f"groups/{PROJECT}/properties",
                   json=properties_for(["alice"], "Churn")).status_code == 200
    assert hub.api("POST", f"groups/{PROJECT}/users", json={"users": ["alice", "bob"]}).status_code == 200
    assert hub.api("POST", "groups/patient").status_code == 201  # alice's servers: a long culling timeout
    assert hub.api("POST", "groups/patient/users", json={"users": ["alice"]}).status_code == 200
    return found


def post(hub: Hub, user: Browserless, **fields) -> requests.Response:
    xsrf = user._xsrf(PAGE)
    return user.session.post(hub.url + PAGE, data={"_xsrf": xsrf, **fields}, timeout=120, allow_redirects=False)


def write_file(hub: Hub, user: Browserless, path: str, text: str) -> None:
    """Through the person's own JupyterLab server (the contents API), as they would save it."""
    spawn(hub, user)
    r = requests.put(f"{hub.url}/user/{user.name}/api/contents/{path}", timeout=60,
                     headers={"Authorization": f"token {hub.user_token(user.name)}"},
                     json={"type": "file", "format": "text", "content": text})
    assert r.status_code in (200, 201), r.text


def start_app(hub: Hub, owner: Browserless, name: str, path: str) -> None:
    r = post(hub, owner, action="start", kind="streamlit", path=path, name=name, title=name.title())
    assert r.status_code == 303, r.text[-2000:]
    wait_for(lambda: hub.server_ready(owner.name, f"app-{name}"), STARTING, f"{owner.name}'s app {name} to run")


def open_app(viewer: Browserless, url: str) -> requests.Response:
    """As a browser does: the app's proxy sends the viewer through the hub's OAuth, and JupyterHub
    asks someone opening another person's server, once, to authorize it to know who they are
    (its "Authorize access" page, a form with _xsrf); the viewer does."""
    r = viewer.session.get(url, timeout=60)
    if r.status_code == 200 and "/hub/api/oauth2/authorize" in r.url and 'name="scopes"' in r.text:
        fields = [("_xsrf", re.search(r'name="_xsrf" value="([^"]*)"', r.text).group(1))]
        fields += [("scopes", html.unescape(v)) for v in re.findall(r'name="scopes" value="([^"]*)"', r.text)]
        r = viewer.session.post(r.url, data=fields, timeout=60)
    return r


def health(hub: Hub, viewer: Browserless, owner: str, app: str) -> requests.Response:
    """Streamlit's own health check, through the hub's proxy and the app's proxy."""
    return open_app(viewer, f"{hub.url}/user/{owner}/app-{app}/_stcore/health")


def test_a_project_member_sees_the_shared_app_and_nothing_else_of_the_owner(apps_hub, people):
    hub, alice, bob, dave = apps_hub, people["alice"], people["bob"], people["dave"]
    write_file(hub, alice, "churn_app.py", APP_CODE)
    start_app(hub, alice, "churn", "churn_app.py")
    page = alice.session.get(hub.url + PAGE, timeout=30).text
    assert 'data-app="churn" data-status="running"' in page and f'href="/user/{alice.name}/app-churn/"' in page

    # the owner sees the app itself: Streamlit's page
    r = alice.session.get(f"{hub.url}/user/{alice.name}/app-churn/", timeout=60)
    assert r.status_code == 200 and "<title>Streamlit</title>" in r.text, r.text[:500]
    # before any share: the member is refused
    assert health(hub, bob, alice.name, "churn").status_code == 403

    r = post(hub, alice, action="share", app="churn", share_kind="group", share_name=PROJECT)
    assert r.status_code == 303, r.text[-2000:]
    r = health(hub, bob, alice.name, "churn")
    assert r.status_code == 200 and r.text == "ok"
    page = open_app(bob, f"{hub.url}/user/{alice.name}/app-churn/")
    assert page.status_code == 200 and "<title>Streamlit</title>" in page.text
    assert health(hub, dave, alice.name, "churn").status_code == 403  # not in the project

    # through the shared server the member reaches the app and nothing else: no files, no terminals
    for path in ("api/contents", "api/contents/churn_app.py", "api/terminals", "api/kernels", "lab"):
        r = bob.session.get(f"{hub.url}/user/{alice.name}/app-churn/{path}", timeout=60)
        assert "application/json" not in r.headers.get("Content-Type", ""), (path, r.text[:300])
        assert "st.title" not in r.text and "churn_app.py" not in r.text, path
    r = bob.session.post(f"{hub.url}/user/{alice.name}/app-churn/api/terminals", timeout=60)
    assert "application/json" not in r.headers.get("Content-Type", ""), r.text[:300]  # no terminal made
    # nor the owner's own JupyterLab server
    for path in ("api/contents", "lab"):
        r = bob.session.get(f"{hub.url}/user/{alice.name}/{path}", timeout=60)
        assert r.status_code == 403, (path, r.status_code)

    # revoked: the member's very next request is refused
    r = post(hub, alice, action="revoke", app="churn", share_kind="group", share_name=PROJECT)
    assert r.status_code == 303
    assert health(hub, bob, alice.name, "churn").status_code == 403
    assert alice.session.get(f"{hub.url}/user/{alice.name}/app-churn/_stcore/health", timeout=60).text == "ok"

    # stopped and deleted from the page
    assert post(hub, alice, action="stop", app="churn").status_code == 303
    wait_for(lambda: not hub.server_ready(alice.name, "app-churn"), 60, "the app to stop")
    assert post(hub, alice, action="delete", app="churn").status_code == 303
    servers = hub.api("GET", f"users/{alice.name}?include_stopped_servers=1").json()["servers"]
    assert "app-churn" not in servers


def test_an_app_in_a_project_folder_shows_the_projects_data_to_members_only(apps_hub, people):
    """The app runs from ~/projects/<name> (the project's folder, members only) and reads a data file
    there: under bubblewrap's user namespace it must still hold the project's gid."""
    hub, alice, bob, dave = apps_hub, people["alice"], people["bob"], people["dave"]
    folder, marker = f"projects/{PROJECT}", f"north-{os.getpid()}"
    write_file(hub, alice, f"{folder}/data.csv", f"region,churn\n{marker},0.42\n")  # her start made the link
    write_file(hub, alice, f"{folder}/app.py", DATA_APP)
    start_app(hub, alice, "data", f"{folder}/app.py")
    r = post(hub, alice, action="share", app="data", share_kind="group", share_name=PROJECT)
    assert r.status_code == 303, r.text[-2000:]

    assert health(hub, dave, alice.name, "data").status_code == 403  # not in the project
    url = f"{hub.url}/user/{alice.name}/app-data/"
    assert open_app(bob, url).status_code == 200  # through the hub's OAuth, as bob's browser would
    text = _rendered(bob, url, marker)
    assert marker in text and "Traceback" not in text and "Permission" not in text, text[:2000]

    # the projects page's service lists the app for the member, and its list links to it
    token = {"Authorization": f"token {hub.user_token(bob.name)}"}
    r = requests.get(f"{hub.url}/services/projects/api/projects/{PROJECT}", headers=token, timeout=60)
    assert r.status_code == 200, r.text
    apps = [{k: a[k] for k in ("owner", "server", "app")} for a in r.json()["apps"]]
    assert {"owner": alice.name, "server": "app-data", "app": True} in apps, apps
    page = requests.get(f"{hub.url}/services/projects/", headers=token, timeout=60)
    assert page.status_code == 200 and f'href="/user/{alice.name}/app-data/"' in page.text

    assert post(hub, alice, action="stop", app="data").status_code == 303
    wait_for(lambda: not hub.server_ready(alice.name, "app-data"), 60, "the app to stop")
    assert post(hub, alice, action="delete", app="data").status_code == 303


def _rendered(viewer: Browserless, url: str, marker: str) -> str:
    """Streamlit draws its page in the browser from its websocket: Chromium (Debian's), signed in
    with the viewer's own cookies, reads what the app shows."""
    from playwright.sync_api import sync_playwright

    from ...browser.conftest import ARGS, CHROMIUM

    cookies = [{"name": c.name, "value": c.value, "domain": c.domain or "127.0.0.1", "path": c.path}
               for c in viewer.session.cookies]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            context = browser.new_context()
            context.add_cookies(cookies)
            page = context.new_page()
            page.goto(url, timeout=60_000)
            try:
                page.get_by_text(marker).first.wait_for(timeout=STARTING * 1000)
            except Exception:  # noqa: BLE001  the assertion shows what the page says instead
                pass
            return page.inner_text("body")
        finally:
            browser.close()


class Viewer(Repeating):
    """Someone with an app open, their browser asking it every few seconds."""

    def __init__(self, hub: Hub, viewer: Browserless, owner: str, app: str):
        self.args = hub, viewer, owner, app
        self.loads, self.failures = 0, []
        super().__init__()

    def step(self):
        try:
            r = health(*self.args)
            if r.status_code == 200:
                self.loads += 1
            else:
                self.failures.append(r.status_code)
        except requests.RequestException as e:
            self.failures.append(repr(e))


def test_the_culler_keeps_an_app_with_a_viewer_and_stops_an_unviewed_one(apps_hub, people):
    hub, carol, bob = apps_hub, people["carol"], people["bob"]
    write_file(hub, carol, "dash_app.py", APP_CODE)
    assert hub.api("DELETE", f"users/{carol.name}/server").status_code in (202, 204)  # only her apps run
    ready = {}
    for name in ("watched", "unwatched"):
        start_app(hub, carol, name, "dash_app.py")
        ready[name] = time.monotonic()
    assert post(hub, carol, action="share", app="watched", share_kind="user", share_name=bob.name).status_code == 303
    with Viewer(hub, bob, carol.name, "watched") as viewer:
        wait_for(lambda: not hub.server_ready(carol.name, "app-unwatched"),
                 ready["unwatched"] - time.monotonic() + TIMEOUT + INTERVAL + REPORT + STOPPING,
                 "the unviewed app to be culled")
        # two more rounds after the viewed one would have met the timeout too: it still runs
        until = ready["watched"] + TIMEOUT + REPORT + 2 * INTERVAL

        def kept_until_then():
            assert hub.server_ready(carol.name, "app-watched"), "the viewed app was culled"
            return time.monotonic() >= until

        wait_for(kept_until_then, until - time.monotonic() + 60, "the viewed app to outlast two rounds", interval=1)
    assert viewer.loads >= 5 and not viewer.failures, (viewer.loads, viewer.failures)
    # culled means stopped, not deleted: the app stays on carol's page, to start again
    page = carol.session.get(hub.url + PAGE, timeout=30).text
    cards = re.findall(r'<div class="card mb-3" data-app="[^"]*" data-status="[^"]*">', page)
    assert 'data-app="unwatched" data-status="stopped"' in page and 'data-action="restart"' in page, cards
    # and its Start button runs it again with the options it last ran with
    assert post(hub, carol, action="restart", app="unwatched").status_code == 303
    wait_for(lambda: hub.server_ready(carol.name, "app-unwatched"), STARTING, "the culled app to run again")
    assert open_app(carol, f"{hub.url}/user/{carol.name}/app-unwatched/_stcore/health").text == "ok"
