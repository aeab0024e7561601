"""LDAP login with group sync, against a real OpenLDAP slapd (tests/ldap_server.py).

First the authenticator alone, configured by `configure()` from a validated
site config, as the hub would; then a real hub whose login form checks
passwords against the directory and mirrors its groups.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from tornado import web
from traitlets.config import Config

from campushub.config import ConfigError, validate
from campushub.hub.auth import ldap
from tests.harness import TEST_PREFIX, Browserless, Hub
from tests.ldap_server import SLAPD, LDAPServer

pytestmark = pytest.mark.skipif(
    not os.path.exists(SLAPD), reason="needs OpenLDAP's slapd: apt-get install slapd ldap-utils (scripts/test.sh does)"
)

PREFIX = TEST_PREFIX + "l"  # this module's unix accounts, removed by this module only
SEARCH_PW = "search-Secret-2026"
INJECTIONS = ["*)(uid=*", "ann)(|(uid=*", "*", "ann*", "ann)(objectClass=*"]


def pw(uid: str) -> str:
    return f"{uid}-Secret-pw-2026"


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    d = LDAPServer.start(tmp_path_factory.mktemp("ldap"))
    try:
        d.add_service_account("hub-search", SEARCH_PW)
        for uid in ("ann", "ben", "cho", "dan", "hana", "ken", "oxneil", "o*neil"):
            d.add_user(uid, pw(uid))
        d.add_group("ml101", ["ann", "ben", "hana"])
        d.add_group("staff", ["ann"])
        d.add_group("tutors", ["hana"])
        d.add_group("alumni", ["cho", "ken"])
        d.add_group("moving", ["dan"])
        d.add_posix_group("lab", 5000, ["ben"])
        d.add_posix_group("decoy", 5001, ["oxneil"])
        yield d
    finally:
        d.stop()


def section(d: LDAPServer, **extra) -> dict:
    return {"server_address": "127.0.0.1", "server_port": d.port, "tls": "insecure",
            "bind_dn_template": [f"uid={{username}},{d.people}"], "group_search_base": d.groups, **extra}


def lookup_section(d: LDAPServer, **extra) -> dict:
    return section(d, bind_dn_template=[], user_search_base=d.people,
                   search_user=f"cn=hub-search,{d.suffix}", search_password=SEARCH_PW, **extra)


def authenticator(ldap_section: dict) -> ldap.CampusHubLDAPAuthenticator:
    c = Config()
    ldap.configure(c, validate({"auth": {"type": "ldap", "ldap": ldap_section}}))
    assert c.JupyterHub.authenticator_class == "campushub.hub.auth.ldap.CampusHubLDAPAuthenticator"
    return ldap.CampusHubLDAPAuthenticator(config=c)


def login(a, username: str, password: str) -> dict | None:
    return asyncio.run(a.get_authenticated_user(None, {"username": username, "password": password}))


# -- configuration -------------------------------------------------------------

def test_config_maps_the_site_section(directory):
    a = authenticator(section(directory))
    assert (a.server_address, a.server_port, a.tls_strategy.name) == ("127.0.0.1", directory.port, "insecure")
    assert a.bind_dn_template == [f"uid={{username}},{directory.people}"] and not a.lookup_dn
    assert a.group_search_base == directory.groups and a.group_name_attribute == "cn"
    assert a.manage_groups and a.allow_all and not a.allowed_group_names

    a = authenticator(lookup_section(directory, allowed_groups=["staff"]))
    assert a.lookup_dn and a.lookup_dn_user_dn_attribute == "uid" and a.user_search_base == directory.people
    assert (a.lookup_dn_search_user, a.lookup_dn_search_password) == (f"cn=hub-search,{directory.suffix}", SEARCH_PW)
    assert a.manage_groups and not a.allow_all and a.allowed_group_names == {"staff"}
    assert not a.use_lookup_dn_username  # the hub name is what people type

    with pytest.raises(ConfigError, match="bind_dn_template or user_search_base"):
        validate({"auth": {"type": "ldap", "ldap": {"server_address": "127.0.0.1"}}})
    base = {"server_address": "127.0.0.1", "bind_dn_template": ["uid={username},ou=people,dc=x"]}
    with pytest.raises(ConfigError, match="auth.ldap.allowed_groups.*group_search_base"):
        validate({"auth": {"type": "ldap", "ldap": {**base, "allowed_groups": ["staff"]}}})
    with pytest.raises(ConfigError, match="auth.ldap.search_user.*together"):
        validate({"auth": {"type": "ldap", "ldap": {**base, "search_user": "cn=search,dc=x"}}})


# -- the authenticator against slapd -------------------------------------------

@pytest.mark.parametrize("mode", ["own bind", "search user"])
def test_login_returns_name_and_directory_groups(directory, mode):
    a = authenticator(section(directory) if mode == "own bind" else lookup_section(directory))
    model = login(a, "ann", pw("ann"))
    assert model["name"] == "ann" and model["groups"] == ["ml101", "staff"]
    # Directories match uid case-insensitively; people type their name as they like.
    assert login(a, " Ann", pw("ann"))["name"] == "ann"
    # posixGroup membership is by memberUid, not by DN
    assert login(a, "ben", pw("ben"))["groups"] == ["lab", "ml101"]
    assert login(a, "oxneil", pw("oxneil"))["groups"] == ["decoy"]


@pytest.mark.parametrize("mode", ["own bind", "search user"])
def test_wrong_or_missing_credentials_are_refused(directory, mode):
    a = authenticator(section(directory) if mode == "own bind" else lookup_section(directory))
    assert login(a, "ann", "not-her-password") is None
    assert login(a, "ann", "") is None
    assert login(a, "nobody", pw("nobody")) is None


@pytest.mark.parametrize("mode", ["own bind", "search user"])
def test_injection_shaped_usernames_are_refused(directory, mode):
    a = authenticator(section(directory) if mode == "own bind" else lookup_section(directory))
    # Refused by the name check before any LDAP operation...
    for name in INJECTIONS:
        assert login(a, name, pw("ann")) is None, name
    # ...and by escaping when that check is relaxed.
    a.valid_username_regex = r"^.+$"
    for name in INJECTIONS:
        assert login(a, name, pw("ann")) is None, name


def test_group_filter_escapes_the_username(directory):
    a = authenticator(section(directory))
    a.valid_username_regex = r"^.+$"
    # Unescaped, (memberUid=o*neil) would be a wildcard matching oxneil's group.
    model = login(a, "o*neil", pw("o*neil"))
    assert model["name"] == "o*neil" and model["groups"] == []


def test_only_members_of_allowed_groups_get_in(directory):
    a = authenticator(section(directory, allowed_groups=["staff", "lab"]))
    assert login(a, "ann", pw("ann"))["groups"] == ["ml101", "staff"]
    assert login(a, "ben", pw("ben"))["groups"] == ["lab", "ml101"]
    # Right password, but in none of the groups: said so, not "wrong password".
    for uid in ("cho", "dan"):
        with pytest.raises(web.HTTPError) as e:
            login(a, uid, pw(uid))
        assert e.value.status_code == 403 and "not allowed to use this hub" in e.value.log_message
    assert login(a, "cho", "not-the-password") is None  # a wrong password stays a wrong password


def test_membership_changes_show_on_the_next_login(directory):
    a = authenticator(section(directory))
    assert login(a, "dan", pw("dan"))["groups"] == ["moving"]
    directory.set_group_members("moving", [])
    directory.set_group_members("alumni", ["cho", "ken", "dan"])
    assert login(a, "dan", pw("dan"))["groups"] == ["alumni"]


def test_without_group_search_base_groups_are_left_alone(directory):
    a = authenticator(section(directory, group_search_base=None))
    model = login(a, "ann", pw("ann"))
    assert model["name"] == "ann" and model["groups"] is None


def test_unreadable_groups_refuse_the_login(directory):
    # The password is right but the groups cannot be read (search user's
    # password wrong, base mistyped): letting her in would sync an empty
    # group list and drop her course roles.
    a = authenticator(section(directory, search_user=f"cn=hub-search,{directory.suffix}", search_password="wrong"))
    assert login(a, "ann", pw("ann")) is None
    a = authenticator(section(directory, group_search_base=f"ou=grups,{directory.suffix}"))  # a typo
    assert login(a, "ann", pw("ann")) is None


# -- end to end: the hub's login form ------------------------------------------

@pytest.fixture(scope="module")
def hub(tmp_path_factory, directory):
    auth = {"type": "ldap", "ldap": section(directory, allowed_groups=["ml101", "staff"])}
    # A fresh data dir with roles.admin_groups: JupyterHub used to crash at
    # this first start ("'NoneType' object has no attribute 'admin'").
    h = Hub.create(tmp_path_factory.mktemp("ldap-hub"), {"spawner": {"user_prefix": PREFIX}, "auth": auth,
                                                          "roles": {"admin_groups": ["staff"]}}, servers=False)
    try:
        h.up(admin=None)
        yield h
    finally:
        if h.proc and h.proc.poll() is None:
            h.down("--stop-servers")
        h.cleanup_accounts(PREFIX)


def hub_groups(hub: Hub, name: str) -> list[str]:
    r = hub.api("GET", f"users/{name}")
    assert r.status_code == 200, r.text
    return sorted(r.json()["groups"])


def test_form_login_mirrors_directory_groups(hub, directory):
    r = Browserless(hub, "hana", pw("hana")).login()
    assert r.status_code == 302, r.text[:300]
    assert hub_groups(hub, "hana") == ["ml101", "tutors"]

    directory.set_group_members("tutors", [])
    r = Browserless(hub, "hana", pw("hana")).login()
    assert r.status_code == 302, r.text[:300]
    assert hub_groups(hub, "hana") == ["ml101"]


def test_form_login_refusals_create_no_user(hub):
    r = Browserless(hub, "ann", "not-her-password").login()
    assert r.status_code == 403 and not r.cookies.get("jupyterhub-hub-login"), r.status_code
    assert hub.api("GET", "users/ann").status_code == 404

    r = Browserless(hub, "ken", pw("ken")).login()  # right password, alumni only
    assert r.status_code == 403 and not r.cookies.get("jupyterhub-hub-login"), r.status_code
    assert "not allowed to use this hub" in r.text and "Invalid username or password" not in r.text
    assert hub.api("GET", "users/ken").status_code == 404
    b = Browserless(hub, "ken", pw("ken"))
    b.session.headers["Accept-Language"] = "ja"
    assert "このハブを利用する権限がありません" in b.login().content.decode()

    log = (hub.data_dir / "logs" / "hub.log").read_text()
    assert "not-her-password" not in log and pw("ken") not in log


def test_admin_groups_members_are_admins_in_the_api_too(hub, directory):
    r = Browserless(hub, "ann", pw("ann")).login()  # ann is in staff, the admin group
    assert r.status_code == 302, r.text[:300]
    model = hub.api("GET", "users/ann").json()
    assert model["admin"] is True and "staff" in model["groups"]
    directory.set_group_members("staff", [])
    try:
        assert Browserless(hub, "ann", pw("ann")).login().status_code == 302
        assert hub.api("GET", "users/ann").json()["admin"] is False
    finally:
        directory.set_group_members("staff", ["ann"])


def test_groups_the_hub_owns_survive_a_login_synced_ones_do_not(hub, directory):
    for uid in ("ann", "ben"):  # ann's login reports staff: the directory's group
        assert Browserless(hub, uid, pw(uid)).login().status_code == 302
    # an admin puts ben into a hub-owned group and into a synced one
    assert hub.api("POST", "groups/project-x").status_code == 201
    assert hub.api("POST", "groups/project-x/users", json={"users": ["ben"]}).status_code == 200
    assert hub.api("POST", "groups/staff/users", json={"users": ["ben"]}).status_code == 200
    assert Browserless(hub, "ben", pw("ben")).login().status_code == 302
    # the directory owns staff (ben is not in it there); the hub owns project-x
    assert hub_groups(hub, "ben") == ["lab", "ml101", "project-x"]
    assert hub.api("GET", "users/ben").json()["admin"] is False
    assert hub.api("GET", "groups/staff").json()["properties"].get("campushub_synced") is True
    assert not hub.api("GET", "groups/project-x").json()["properties"].get("campushub_synced")
