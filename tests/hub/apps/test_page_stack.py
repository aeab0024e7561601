"""The apps page on a real hub (the session's): the form prefilled from a
file, every change a POST with the hub's XSRF check, bad input refused with
one translated line and no change, and sharing through JupyterHub's own
shares: with a person, with a project the owner is in, never with a group
the owner is not in (which the page does not even confirm exists), and
nobody acts on someone else's app. The app itself is the e2e test's
(test_sharing_e2e.py); here the app's server is made without starting it
(JupyterHub 6's PUT /users/{name}/servers/{server})."""

from __future__ import annotations

import pytest
import requests

from campushub.projects.model import properties_for

PAGE = "/hub/campushub/apps"
APP = "app-pagedemo"


def post(hub, user, **fields):
    xsrf = user._xsrf(PAGE)
    return user.session.post(hub.url + PAGE, data={"_xsrf": xsrf, **fields}, timeout=120, allow_redirects=False)


def shares(hub, owner: str, server=APP) -> set[tuple[str, str]]:
    """As JupyterHub lists them to the owner (read:shares!user of the default user role)."""
    r = requests.get(f"{hub.url}/hub/api/shares/{owner}/{server}", timeout=30,
                     headers={"Authorization": f"token {hub.user_token(owner)}"})
    assert r.status_code == 200, r.text
    return {(s["kind"], (s["user"] or s["group"])["name"]) for s in r.json()["items"]}


@pytest.fixture(scope="module")
def app_of_alice(hub, alice):
    options = {"campushub_app": {"kind": "streamlit", "path": "work/app.py", "title": "Page demo"}}
    # as alice: JupyterHub asks the named-server limit of the requester, a person
    r = requests.put(f"{hub.url}/hub/api/users/{alice.name}/servers/{APP}", json={"user_options": options},
                     headers={"Authorization": f"token {hub.user_token(alice.name)}"}, timeout=30)
    if r.status_code == 405:  # JupyterHub 5.5 makes servers only by starting them
        pytest.skip("JupyterHub 5.5: no server without a start; test_sharing_e2e.py runs the page on a real app")
    assert r.status_code == 201, r.text
    yield APP
    hub.api("DELETE", f"users/{alice.name}/servers/{APP}", json={"remove": True})


@pytest.fixture(scope="module")
def project(hub, alice, bob):
    name = "pagedemo-project"
    assert hub.api("POST", f"groups/{name}").status_code in (201, 409)
    assert hub.api("PUT", f"groups/{name}/properties",
                   json=properties_for([alice.name], "Page demo")).status_code == 200
    assert hub.api("POST", f"groups/{name}/users", json={"users": [alice.name, bob.name]}).status_code == 200
    yield name
    hub.api("DELETE", f"groups/{name}")


def test_the_page_prefills_the_form_from_a_file(hub, alice):
    r = alice.session.get(hub.url + PAGE + "?path=projects/churn/Churn%20App.py", timeout=30)
    assert r.status_code == 200
    assert 'value="projects/churn/Churn App.py"' in r.text and 'id="app-name" name="name" value="churn-app"' in r.text
    assert '<option value="streamlit" selected>' in r.text
    assert 'href="/hub/campushub/apps">' in r.text  # the nav bar's link


def test_a_post_without_the_xsrf_token_changes_nothing(hub, alice):
    r = alice.session.post(hub.url + PAGE, data={"action": "start", "kind": "streamlit", "path": "work/a.py",
                                                  "name": "forged"}, timeout=30, allow_redirects=False)
    assert r.status_code == 403
    assert "app-forged" not in hub.api("GET", f"users/{alice.name}?include_stopped_servers=1").json()["servers"]


@pytest.mark.parametrize("fields, english, japanese", [
    ({"name": "Bad Name"}, "An app&#39;s server name is app- followed by", "app- の後に"),
    ({"path": "../../etc/passwd"}, "The app file must be a path inside your home", None),
    ({"kind": "command", "command": "nc -l"}, "The app kind command is not available", None),
])
def test_a_bad_start_is_one_translated_line_and_starts_nothing(hub, alice, fields, english, japanese):
    form = {"action": "start", "kind": "streamlit", "path": "work/app.py", "name": "refused", **fields}
    r = post(hub, alice, **form)
    assert r.status_code == 400 and 'id="apps-problem"' in r.text and english in r.text, r.text[-3000:]
    assert f'id="app-path" name="path" value="{form["path"]}"' in r.text.replace("&#34;", '"')  # kept as typed
    assert not any(s.startswith("app-refused") or s == "app-bad name"
                   for s in hub.api("GET", f"users/{alice.name}").json()["servers"])
    if japanese:
        alice.session.headers["Accept-Language"] = "ja"
        try:
            r = post(hub, alice, **form)
        finally:
            del alice.session.headers["Accept-Language"]
        assert r.status_code == 400 and japanese in r.content.decode("utf-8")


def test_the_owner_shares_with_a_person_and_a_project_and_revokes(hub, alice, bob, app_of_alice, project):
    r = post(hub, alice, action="share", app="pagedemo", share_kind="user", share_name=bob.name)
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=shared")
    r = post(hub, alice, action="share", app="pagedemo", share_kind="group", share_name=project)
    assert r.status_code == 303
    assert shares(hub, alice.name) == {("user", bob.name), ("group", project)}
    page = alice.session.get(hub.url + PAGE, timeout=30).text
    assert f'data-share-kind="group" data-share-name="{project}"' in page
    assert f'data-share-kind="user" data-share-name="{bob.name}"' in page
    assert f'<option value="{project}" label="Page demo">' in page  # her projects offered by title
    # bob finds it on his page, once though shared with him twice
    listed = bob.session.get(hub.url + PAGE, timeout=30).text
    assert listed.count(f'data-shared-app="{alice.name}/{APP}"') == 1
    assert f'href="/user/{alice.name}/{APP}/" target="_blank" rel="noopener">Page demo</a>' in listed
    r = post(hub, alice, action="revoke", app="pagedemo", share_kind="user", share_name=bob.name)
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=revoked")
    assert shares(hub, alice.name) == {("group", project)}
    assert f'data-shared-app="{alice.name}/{APP}"' in bob.session.get(hub.url + PAGE, timeout=30).text  # project


def test_no_share_with_a_group_the_owner_is_not_in_nor_with_nobody(hub, alice, app_of_alice):
    assert hub.api("POST", "groups/pagedemo-other").status_code in (201, 409)
    try:
        before = shares(hub, alice.name)
        r1 = post(hub, alice, action="share", app="pagedemo", share_kind="group", share_name="pagedemo-other")
        r2 = post(hub, alice, action="share", app="pagedemo", share_kind="group", share_name="no-such-group")
        # the same words whether the group exists or not
        assert r1.status_code == r2.status_code == 400
        assert "You can share only with groups and projects you belong to" in r1.text
        assert "pagedemo-other" in r1.text and "no-such-group" in r2.text
        r = post(hub, alice, action="share", app="pagedemo", share_kind="user", share_name="nobody-here")
        assert r.status_code == 400 and "There is no person &#34;nobody-here&#34; on this hub" in r.text
        r = post(hub, alice, action="share", app="pagedemo", share_kind="user", share_name=alice.name)
        assert r.status_code == 400 and "The app is yours already" in r.text
        assert shares(hub, alice.name) == before
    finally:
        hub.api("DELETE", "groups/pagedemo-other")


def test_people_cannot_share_their_jupyterlab_or_apps_through_the_rest_api(hub, alice, bob, app_of_alice):
    """Only apps are shared, on the page: JupyterHub's REST API refuses a person (no `shares` scope),
    who would otherwise hand someone their JupyterLab: a terminal as them, their files and token."""
    headers = {"Authorization": f"token {hub.user_token(alice.name)}"}
    for server in ("", APP):
        r = requests.post(f"{hub.url}/hub/api/shares/{alice.name}/{server}", json={"user": bob.name},
                          headers=headers, timeout=30)
        assert r.status_code == 403, (server, r.text)
    r = requests.get(f"{hub.url}/hub/api/shares/{alice.name}/{APP}", headers=headers, timeout=30)
    assert r.status_code == 200  # listing her own shares stays (the default user role's read:shares!user)


def test_nobody_acts_on_someone_elses_app(hub, alice, bob, app_of_alice, project):
    before = shares(hub, alice.name)
    # bob names alice's app: the page only ever acts on bob's own apps
    for action, extra in (("share", {"share_kind": "user", "share_name": bob.name}),
                          ("revoke", {"share_kind": "group", "share_name": project}),
                          ("stop", {}), ("delete", {})):
        r = post(hub, bob, action=action, app="pagedemo", **extra)
        assert r.status_code == 400 and "You have no app &#34;pagedemo&#34;." in r.text, action
    assert shares(hub, alice.name) == before
    assert APP in hub.api("GET", f"users/{alice.name}?include_stopped_servers=1").json()["servers"]
    # nor through JupyterHub's REST API with bob's own token
    token = hub.user_token(bob.name)
    r = requests.post(f"{hub.url}/hub/api/shares/{alice.name}/{APP}", json={"user": bob.name},
                      headers={"Authorization": f"token {token}"}, timeout=30)
    assert r.status_code in (403, 404)
    assert shares(hub, alice.name) == before
