"""Attacks on the projects page's service through a real hub (site.py, `campushub up`), each as the
attacker ran it (review of issue 15): an owner removed from the group keeps control, a deleted user
made again inherits ownership, a member's folder nested past Python's recursion limit breaks every list,
page edits that campushub.yaml undoes at the next start, and words of anyone's choosing in the banner."""

from __future__ import annotations

import re

import pytest

from campushub.retention.walk import MAX_DEPTH

from ...harness import Browserless, wait_for
from ...retention.test_deep_tree import DEPTH, nest
from .site import projects_site

# a real hub (site.py's Hub.create), which tests/tiers.py cannot see through the helper
pytestmark = pytest.mark.stack

DECLARED = {"p-dec": {"title": "Declared", "owners": ["ann"], "members": ["ben"]}}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with projects_site(tmp_path_factory.mktemp("projects-attack"), DECLARED) as s:
        yield s


def owners_in_property(site, name):
    return site.hub.api("GET", f"groups/{name}").json()["properties"]["campushub_project"]["owners"]


def test_an_owner_removed_from_the_group_by_an_admin_loses_the_project(site):
    # the admin removes ann through the hub's REST API (the admin page does the same): the property still names her
    assert site.hub.api("DELETE", "groups/p-one/users", json={"users": ["ann"]}).status_code == 200
    assert owners_in_property(site, "p-one") == ["ann"]
    assert "p-one" not in site.mine("ann")
    r = site.call("ann", "GET", "api/projects/p-one")
    assert r.status_code == 404 and r.json()["message"] == 'There is no project "p-one" that you can see.'
    for method, path in (("POST", "members/ann"), ("POST", "members/dee"), ("POST", "owners/ann")):
        assert site.call("ann", method, f"api/projects/p-one/{path}").status_code == 404
    assert sorted(site.hub.api("GET", "groups/p-one").json()["users"]) == ["ben"]
    # nor does the page show her as an owner; the next write of the owners drops her name
    shown = site.call("admin", "GET", "api/projects/p-one").json()
    assert shown["owners"] == [] and shown["members"] == ["ben"]
    assert site.call("admin", "POST", "api/projects/p-one/owners/ben").status_code == 200
    assert owners_in_property(site, "p-one") == ["ben"]
    # added back as a plain member, she owns nothing
    assert site.call("ben", "POST", "api/projects/p-one/members/ann").status_code == 200
    found = site.call("ann", "GET", "api/projects/p-one").json()
    assert found["member"] and not found["manage"] and found["owners"] == ["ben"]
    assert site.call("ann", "POST", "api/projects/p-one/members/dee").status_code == 403


def test_a_deleted_user_made_again_inherits_no_project(site):
    assert site.hub.api("DELETE", "users/cal").status_code == 204
    # JupyterHub takes a deleted user out of their groups (user_group_map rows go with the user)
    assert site.hub.api("GET", "groups/p-two").json()["users"] == []
    assert owners_in_property(site, "p-two") == ["cal"]
    assert site.hub.api("POST", "users/cal").status_code == 201
    site.tokens["cal"] = site.hub.user_token("cal")
    assert site.call("cal", "GET", "api/projects/p-two").status_code == 404
    assert site.call("cal", "POST", "api/projects/p-two/members/cal").status_code == 404
    assert "p-two" not in site.mine("cal") and site.hub.api("GET", "groups/p-two").json()["users"] == []


def test_a_folder_nested_past_the_recursion_limit_breaks_no_page(site):
    folder = site.folder("p-deep")
    (folder / "a.txt").write_bytes(b"x" * 1000)
    nest(folder, DEPTH)  # as a member does from a kernel; here before the project exists, so its first walk meets it
    r = site.call("admin", "POST", "api/projects", json={"name": "p-deep", "owners": ["dee"]})
    assert r.status_code == 201, r.text

    def measured():
        r = site.call("dee", "GET", "api/projects/p-deep")
        assert r.status_code == 200, r.text
        return r.json()["size"] if not r.json()["size"]["pending"] else None

    size = wait_for(measured, 60, "p-deep to be measured")
    assert size == {"known": True, "pending": False, "bytes": 1000, "complete": False}  # "at least"
    for who, path in (("dee", ""), ("dee", "api/projects"), ("dee", "p/p-deep"), ("admin", ""),
                      ("admin", "api/projects"), ("ben", "api/projects")):
        r = site.call(who, "GET", path)
        assert r.status_code == 200, (who, path, r.text[:300])
    assert "at least 1000 B" in site.call("dee", "GET", "p/p-deep").text
    # deleting it: the archive is refused with one line and nothing is deleted
    r = site.call("admin", "DELETE", "api/projects/p-deep", params={"confirm": "p-deep"})
    assert r.status_code == 409 and f"nested more than {MAX_DEPTH} deep" in r.json()["message"], r.text
    assert "\n" not in r.json()["message"]
    assert site.hub.api("GET", "groups/p-deep").status_code == 200 and (folder / "a.txt").exists()
    assert not list(site.hub.data_dir.rglob("project-p-deep-*"))  # no archive, not even a partial one


def test_declared_members_and_owners_are_changed_in_campushub_yaml_only(site):
    wanted = "ben is declared in campushub.yaml for this project; change it there."
    r = site.call("ann", "DELETE", "api/projects/p-dec/members/ben")
    assert r.status_code == 400 and r.json()["message"] == wanted
    r = site.call("admin", "DELETE", "api/projects/p-dec/owners/ann")
    assert r.status_code == 400 and "ann is declared in campushub.yaml" in r.json()["message"]
    r = site.call("ann", "DELETE", "api/projects/p-dec/members/ben", headers={"Accept-Language": "ja"})
    assert r.status_code == 400 and "campushub.yaml で宣言されています" in r.json()["message"]
    group = site.hub.api("GET", "groups/p-dec").json()
    assert sorted(group["users"]) == ["ann", "ben"] and owners_in_property(site, "p-dec") == ["ann"]
    # the page's form says the same line; people the file does not name stay the page's to change
    admin = Browserless(site.hub, "admin", site.hub.admin_password)
    assert admin.login().status_code == 302
    page = admin.session.get(site.prefix + "p/p-dec", timeout=60)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    r = admin.session.post(site.prefix + "p/p-dec/remove", data={"_xsrf": xsrf, "user": "ben"}, timeout=60)
    assert r.status_code == 400 and wanted in r.text
    assert site.call("ann", "POST", "api/projects/p-dec/members/dee").status_code == 200
    assert site.call("ann", "DELETE", "api/projects/p-dec/members/dee").status_code == 200


def test_ATTACK_owners_of_a_declared_project_are_changed_in_campushub_yaml_only(site):
    # attack round 2, finding 4: making an undeclared member an owner was accepted, then dropped at a restart
    wanted = "This project's owners are declared in campushub.yaml; change them there."
    for person in ("ben", "dee"):  # a declared member; someone not yet a member (not added either)
        r = site.call("ann", "POST", f"api/projects/p-dec/owners/{person}")
        assert r.status_code == 400 and r.json()["message"] == wanted, r.text
    r = site.call("admin", "POST", "api/projects/p-dec/owners/ben", headers={"Accept-Language": "ru"})
    assert r.status_code == 400 and "Владельцы этого проекта указаны в campushub.yaml" in r.json()["message"]
    group = site.hub.api("GET", "groups/p-dec").json()
    assert sorted(group["users"]) == ["ann", "ben"] and owners_in_property(site, "p-dec") == ["ann"]


def test_a_title_that_is_no_text_is_refused(site):
    r = site.call("admin", "POST", "api/projects", json={"name": "p-x3", "owners": ["dee"], "title": 5})
    assert r.status_code == 400 and r.json()["message"] == "The title must be at most 200 characters, on one line."
    assert site.hub.api("GET", "groups/p-x3").status_code == 404


def test_the_banner_says_only_what_the_service_did(site):
    lure = "Your session expired, log in at evil.example:"
    for query in ({"done": "removed", "user": lure}, {"done": "created", "name": lure}, {"done": "x" * 200}):
        page = site.call("ben", "GET", "p/p-one", params=query)
        assert page.status_code == 200 and lure not in page.text and 'id="done-message"' not in page.text
    # a real change's banner, then the same link on another project: not shown there
    admin = Browserless(site.hub, "admin", site.hub.admin_password)
    assert admin.login().status_code == 302
    page = admin.session.get(site.prefix + "p/p-one", timeout=60)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    r = admin.session.post(site.prefix + "p/p-one/add", data={"_xsrf": xsrf, "user": "dee"}, timeout=60)
    assert r.status_code == 200 and "dee is now a member" in r.text
    signed = r.url.split("done=", 1)[1]
    elsewhere = admin.session.get(site.prefix + "p/p-dec", params={"done": signed}, timeout=60)
    assert elsewhere.status_code == 200 and 'id="done-message"' not in elsewhere.text
    r = admin.session.post(site.prefix + "p/p-one/remove", data={"_xsrf": xsrf, "user": "dee"}, timeout=60)
    assert "dee was removed. It takes effect as each of their servers restarts" in r.text
