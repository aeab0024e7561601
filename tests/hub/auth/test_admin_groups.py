"""roles.admin_groups on a stand-alone (native) hub, as the docs set it up:
the first start on a new data dir works (JupyterHub used to exit with
"'NoneType' object has no attribute 'admin'"), and members of the admin
group are admins in the REST API too, not only in what they may do."""

from __future__ import annotations

import pytest

from tests.harness import TEST_PREFIX, Browserless, Hub, running

PREFIX = TEST_PREFIX + "g"  # this module's unix accounts, removed by this module only


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    h = Hub.create(tmp_path_factory.mktemp("admin-groups"), {
        "spawner": {"user_prefix": PREFIX},
        "auth": {"type": "native", "native": {"open_signup": True}},
        "roles": {"admin_groups": ["staff"]},
    }, servers=False)
    with running(h, PREFIX, admin=None):  # only roles.admin_groups, a fresh data dir: the first start
        yield h


def test_the_first_start_creates_the_admin_group(hub):
    r = hub.api("GET", "groups/staff")
    assert r.status_code == 200 and r.json()["users"] == []


def test_members_of_the_admin_group_are_admins_in_the_api(hub):
    person = Browserless(hub, "keiko", "keiko-Secret-pw-2026")
    assert person.signup().status_code == 200
    assert person.login().status_code == 302
    assert hub.api("GET", "users/keiko").json()["admin"] is False
    # an admin puts her into staff (the hub owns groups on a native site)
    assert hub.api("POST", "groups/staff/users", json={"users": ["keiko"]}).status_code == 200
    assert person.login().status_code == 302
    assert hub.api("GET", "users/keiko").json()["admin"] is True
    # and she can administer: list every user
    r = person.session.get(f"{hub.url}/hub/api/users", timeout=30)
    assert r.status_code == 200 and "keiko" in {u["name"] for u in r.json()}
