"""The projects page's service on a real hub (site.py): who sees which
project, who may change what, through the API with tokens and through the
pages with the service's cookie (XSRF), the archive before a deletion, the
size of a folder, and the scopes its hub role really grants."""

from __future__ import annotations

import grp
import json
import re
import tarfile
from pathlib import Path

import pytest
import requests

from campushub.deploy.local.projects import groups
from campushub.retention.verify import verify

from ...deploy.local.projects.conftest import purge, purge_gid
from ...harness import Browserless, wait_for
from .site import projects_site

# a real hub (site.py's Hub.create), which tests/tiers.py cannot see through the helper
pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with projects_site(tmp_path_factory.mktemp("projects-site")) as s:
        yield s


def test_each_person_sees_only_their_projects_and_admins_all(site):
    assert site.mine("ann") == ["p-one"]
    assert site.mine("ben") == ["p-one"]
    assert site.mine("cal") == ["p-two"]
    assert site.mine("dee") == []
    assert {"p-one", "p-two"} <= set(site.mine("admin"))
    one = site.call("ben", "GET", "api/projects/p-one").json()
    assert one["title"] == "Churn model" and one["owners"] == ["ann"] and one["members"] == ["ann", "ben"]
    assert one["manage"] is False and one["member"] is True and one["storage"] == "local"


@pytest.mark.parametrize("path", ["api/projects/p-two", "p/p-two", "api/projects/no-such", "api/projects/..%2Fx"])
def test_others_projects_do_not_exist_for_a_non_member(site, path):
    r = site.call("ben", "GET", path)
    assert r.status_code == 404, r.text
    assert "Traceback" not in r.text and "Fraud" not in r.text


def test_a_course_group_is_no_project_and_stays_hidden(site):
    assert site.hub.api("POST", "groups/plain-group", json={"users": ["dee"]}).status_code == 201
    assert site.call("dee", "GET", "api/projects/plain-group").status_code == 404
    # nor may an admin turn it into a project by creating one of that name
    r = site.call("admin", "POST", "api/projects", json={"name": "plain-group", "owners": ["dee"]})
    assert r.status_code == 409 and "exists already" in r.json()["message"]
    assert site.hub.api("GET", "groups/plain-group").json()["properties"] == {}


def test_a_member_who_is_no_owner_changes_nothing(site):
    r = site.call("ben", "POST", "api/projects/p-one/members/dee")
    assert r.status_code == 403, r.text
    assert "owners" in r.json()["message"]
    assert site.mine("dee") == []
    assert site.call("ben", "DELETE", "api/projects/p-one/members/ann").status_code == 403


def test_an_owner_adds_and_removes_a_member(site):
    r = site.call("ann", "POST", "api/projects/p-one/members/dee")
    assert r.status_code == 200, r.text
    assert "dee" in r.json()["members"]
    assert site.mine("dee") == ["p-one"]
    r = site.call("ann", "DELETE", "api/projects/p-one/members/dee")
    assert r.status_code == 200 and "dee" not in r.json()["members"]
    assert site.mine("dee") == []
    assert "dee" not in site.hub.api("GET", "groups/p-one").json()["users"]


def test_owners_and_the_last_owner(site):
    assert site.call("ann", "POST", "api/projects/p-one/owners/ben").json()["owners"] == ["ann", "ben"]
    assert site.call("ben", "GET", "api/projects/p-one").json()["manage"] is True
    r = site.call("ben", "DELETE", "api/projects/p-one/owners/ben")
    assert r.status_code == 200 and r.json()["owners"] == ["ann"] and "ben" in r.json()["members"]
    r = site.call("ann", "DELETE", "api/projects/p-one/owners/ann")
    assert r.status_code == 400 and "last owner" in r.json()["message"]
    assert site.call("ann", "GET", "api/projects/p-one").json()["owners"] == ["ann"]


@pytest.mark.parametrize("body,wanted", [
    ({"name": "Bad Name", "owners": ["ann"]}, "not a project name"),
    ({"name": "p-three", "owners": []}, "at least one owner"),
    ({"name": "p-three", "owners": ["nobody-here"]}, "no hub user"),
    ({"name": "p-three", "owners": ["Ann"]}, "lower case"),
    ({"name": "p-three", "owners": ["ann"], "title": "x" * 201}, "at most 200"),
])
def test_bad_creations_change_nothing(site, body, wanted):
    r = site.call("admin", "POST", "api/projects", json=body)
    assert r.status_code == 400 and wanted in r.json()["message"], r.text
    assert "\n" not in r.json()["message"]
    assert site.hub.api("GET", "groups/p-three").status_code == 404


def test_only_admins_create(site):
    r = site.call("ann", "POST", "api/projects", json={"name": "p-mine", "owners": ["ann"]})
    assert r.status_code == 403
    assert site.hub.api("GET", "groups/p-mine").status_code == 404


def test_the_size_and_last_change_of_the_folder(site):
    folder = site.folder("p-size")  # there before the project: no earlier walk of an empty place is cached
    (folder / "sub").mkdir()
    (folder / "data.csv").write_bytes(b"x" * 12345)
    (folder / "sub" / "more.bin").write_bytes(b"y" * 1000)
    (folder / "link").symlink_to("/usr")  # never followed
    r = site.call("admin", "POST", "api/projects", json={"name": "p-size", "owners": ["ann"]})
    assert r.status_code == 201, r.text

    def measured():
        found = site.call("ann", "GET", "api/projects/p-size").json()
        return found if found["size"]["known"] else None

    found = wait_for(measured, 60, "the folder's size")
    assert found["size"]["bytes"] == 13345 and found["size"]["complete"]
    assert found["last_activity"] and found["last_activity_kind"] == "folder"
    page = site.call("ann", "GET", "p/p-size")
    assert "13.0 KiB" in page.text


def test_cookie_posts_need_the_xsrf_token(site):
    admin = Browserless(site.hub, "admin", site.hub.admin_password)
    assert admin.login().status_code == 302
    page = admin.session.get(site.prefix, timeout=60)  # HubOAuth's round trip gives the service's cookie
    assert page.status_code == 200 and 'id="projects"' in page.text
    r = admin.session.post(site.prefix + "p/p-one/add", data={"user": "dee"}, timeout=60, allow_redirects=False)
    assert r.status_code == 403
    assert "dee" not in site.hub.api("GET", "groups/p-one").json()["users"]
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    r = admin.session.post(site.prefix + "p/p-one/add", data={"user": "dee", "_xsrf": xsrf}, timeout=60)
    assert r.status_code == 200 and "dee is now a member" in r.text
    r = admin.session.post(site.prefix + "p/p-one/remove", data={"user": "dee", "_xsrf": xsrf}, timeout=60)
    assert "as each of their servers restarts" in r.text and "named servers and apps included" in r.text
    assert "dee" not in site.hub.api("GET", "groups/p-one").json()["users"]
    # the API from a page's script: the same cookie, the token in X-XSRFToken
    url = site.prefix + "api/projects/p-one/members/dee"
    assert admin.session.post(url, timeout=60).status_code == 403
    r = admin.session.post(url, headers={"X-XSRFToken": xsrf}, timeout=60)
    assert r.status_code == 200 and "dee" in r.json()["members"]
    assert admin.session.delete(url, headers={"X-XSRFToken": xsrf}, timeout=60).status_code == 200


def test_the_service_role_reads_shares_and_no_more(site):
    headers = {"Authorization": f"token {site.service_token()}"}
    api = f"{site.hub.url}/hub/api"
    r = requests.get(f"{api}/groups/p-one/shared", headers=headers, timeout=30)
    assert r.status_code == 200, r.text  # read:groups:shares (JupyterHub 5+ sharing)
    assert site.call("ann", "GET", "api/projects/p-one").json()["apps"] == []
    # it may not read tokens, start servers or make users
    assert requests.get(f"{api}/users/ann/tokens", headers=headers, timeout=30).status_code == 403
    assert requests.post(f"{api}/users/ann/server", headers=headers, timeout=30).status_code == 403
    assert requests.post(f"{api}/users/zed", headers=headers, timeout=30).status_code == 403


def test_delete_archives_first_then_removes_group_folder_and_unix_group(site):
    r = site.call("admin", "POST", "api/projects", json={"name": "p-gone", "owners": ["dee"], "title": "Old"})
    assert r.status_code == 201, r.text
    folder = site.folder("p-gone")
    (folder / "result.txt").write_text("kept in the archive\n")
    gid = groups.ensure_group("p-gone", groups.site_root(site.root)).gr_gid
    try:
        r = site.call("admin", "DELETE", "api/projects/p-gone", params={"confirm": "p-one"})
        assert r.status_code == 400 and folder.is_dir()
        assert site.call("dee", "DELETE", "api/projects/p-gone", params={"confirm": "p-gone"}).status_code == 403
        r = site.call("admin", "DELETE", "api/projects/p-gone", params={"confirm": "p-gone"})
        assert r.status_code == 200, r.text
        archive = r.json()["archive"]
        assert archive.startswith(str(site.hub.data_dir / "projects" / "archives"))
        assert verify(Path(archive)).ok
        with tarfile.open(archive) as tar:
            assert tar.extractfile("result.txt").read() == b"kept in the archive\n"
        assert not folder.exists()
        assert site.hub.api("GET", "groups/p-gone").status_code == 404
        assert groups.group_name("p-gone", groups.site_root(site.root)) not in {g.gr_name for g in grp.getgrall()}
        # its gid stays taken by a memberless tombstone: never handed to a later project (attack finding 1)
        assert grp.getgrgid(gid).gr_name == f"{groups.RETIRED}{gid}" and grp.getgrgid(gid).gr_mem == []
        assert site.mine("dee") == []
    finally:
        purge("p-gone", site.root)
        purge_gid(gid)


def test_an_unwritable_archive_folder_deletes_nothing(site):
    r = site.call("admin", "POST", "api/projects", json={"name": "p-keep", "owners": ["dee"]})
    assert r.status_code == 201, r.text
    folder = site.folder("p-keep")
    (folder / "a.txt").write_text("a")
    archives = site.hub.data_dir / "projects" / "archives"
    archives.mkdir(parents=True, exist_ok=True)
    archives.chmod(0o777)  # not root's alone: archives there could be swapped, so none is written
    try:
        r = site.call("admin", "DELETE", "api/projects/p-keep", params={"confirm": "p-keep"})
        assert r.status_code == 409 and "nothing was deleted" in r.json()["message"], r.text
        assert folder.is_dir() and (folder / "a.txt").read_text() == "a"
        assert site.hub.api("GET", "groups/p-keep").status_code == 200
    finally:
        archives.chmod(0o700)
    assert json.loads(site.call("dee", "GET", "api/projects/p-keep").text)["name"] == "p-keep"


def test_servers_shared_with_the_project_are_listed_with_links(site):
    # JupyterHub's own sharing (by an admin here), as H6's apps page shares an app-* server; ann's default server
    # (a server need not run to be shared, and starting one is not what this tests)
    r = requests.post(f"{site.hub.url}/hub/api/shares/ann/", json={"group": "p-one"},
                      headers={"Authorization": f"token {site.tokens['admin']}"}, timeout=30)
    assert r.status_code == 200, r.text
    apps = site.call("ben", "GET", "api/projects/p-one").json()["apps"]
    assert apps == [{"owner": "ann", "server": "", "url": "/user/ann/", "ready": False, "app": False}]
    assert site.call("cal", "GET", "api/projects/p-two").json()["apps"] == []
    assert 'href="/user/ann/"' in site.call("ben", "GET", "p/p-one").text


def test_hostile_input_gets_one_line_and_changes_nothing(site):
    r = site.call("admin", "POST", "api/projects", data=b"[1, 2]")
    assert r.status_code == 400 and r.json()["message"] == "The request body must be a JSON object."
    big = site.call("admin", "POST", "api/projects", data=b"{" + b" " * 100_000 + b"}")
    assert big.status_code == 413 and "\n" not in big.json()["message"]
    assert site.call("ann", "GET", "api/nothing-here").status_code == 404
    title = '<script>alert("x")</script>'
    r = site.call("admin", "POST", "api/projects", json={"name": "p-html", "owners": ["ann"], "title": title})
    assert r.status_code == 201 and r.json()["title"] == title
    for path in ("", "p/p-html"):
        page = site.call("ann", "GET", path).text
        assert title not in page and "&lt;script&gt;" in page


def test_admin_creates_and_deletes_through_the_forms(site):
    admin = Browserless(site.hub, "admin", site.hub.admin_password)
    assert admin.login().status_code == 302
    page = admin.session.get(site.prefix, headers={"Accept-Language": "ru"}, timeout=60)
    assert 'id="new-project"' in page.text and "Новый проект" in page.text
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    r = admin.session.post(site.prefix, data={"_xsrf": xsrf, "name": "p-form", "title": "Form made",
                                              "owners": "cal", "members": "dee, ben"}, timeout=60)
    assert r.status_code == 200 and "Project p-form was created." in r.text
    assert sorted(site.hub.api("GET", "groups/p-form").json()["users"]) == ["ben", "cal", "dee"]
    r = admin.session.post(site.prefix + "p/p-form/delete", data={"_xsrf": xsrf, "confirm": "p-for"}, timeout=60)
    assert r.status_code == 400 and 'id="error-message"' in r.text
    r = admin.session.post(site.prefix + "p/p-form/delete", data={"_xsrf": xsrf, "confirm": "p-form"}, timeout=60)
    assert r.status_code == 200 and "Project p-form was deleted." in r.text
    assert site.hub.api("GET", "groups/p-form").status_code == 404


@pytest.mark.parametrize("action,fields,members,owners", [
    ("add", {"owner": "1"}, True, True), ("unown", {}, True, False), ("owner", {}, True, True),
    ("remove", {}, False, False)])
def test_each_member_form(site, action, fields, members, owners):
    admin = Browserless(site.hub, "admin", site.hub.admin_password)
    assert admin.login().status_code == 302
    page = admin.session.get(site.prefix + "p/p-one", timeout=60)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    r = admin.session.post(f"{site.prefix}p/p-one/{action}", data={"_xsrf": xsrf, "user": "dee", **fields},
                           timeout=60)
    assert r.status_code == 200 and 'id="done-message"' in r.text, r.text[-500:]
    group = site.hub.api("GET", "groups/p-one").json()
    assert ("dee" in group["users"]) is members
    assert ("dee" in group["properties"]["campushub_project"]["owners"]) is owners
