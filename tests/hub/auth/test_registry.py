"""The auth registry: a type is its module plus its schema section. A stand-in
type registered here is known to the configuration check (its keys, its
required settings, with key and line) and to configure_identity; the
built-in types' checks keep their messages."""

from __future__ import annotations

import pytest
from traitlets.config import Config

from campushub.config import ConfigError, defaults, loads, schema
from campushub.hub.auth import configure_identity, register, unregister
from campushub.hub.auth.registry import get

SECTION = {
    "type": "object", "additionalProperties": False, "default": {},
    "description": "A stand-in directory.",
    "x-required": ["realm"],
    "x-rules": [{"when": ["groups"], "all": ["group_base"], "key": "groups", "message": "groups need a group_base"}],
    "properties": {
        "realm": {"type": ["string", "null"], "default": None, "description": "The realm."},
        "groups": {"type": "array", "items": {"type": "string"}, "default": [], "description": "Groups."},
        "group_base": {"type": ["string", "null"], "default": None, "description": "Where groups are."},
    },
}


def configure_standin(c, config, deployment):
    c.JupyterHub.authenticator_class = "jupyterhub.auth.DummyAuthenticator"
    c.DummyAuthenticator.password = config["auth"]["standin"]["realm"]


@pytest.fixture
def standin():
    register("standin", configure_standin, schema=SECTION, admin_groups_trait=False)
    yield
    unregister("standin")


def test_a_registered_type_is_checked_and_configured(standin):
    assert "standin" in schema()["properties"]["auth"]["properties"]["type"]["enum"]
    assert defaults()["auth"]["standin"] == {"realm": None, "groups": [], "group_base": None}
    config = loads("auth:\n  type: standin\n  standin:\n    realm: EXAMPLE\n")
    c = Config()
    configure_identity(c, config)
    assert c.JupyterHub.authenticator_class == "jupyterhub.auth.DummyAuthenticator"
    assert c.DummyAuthenticator.password == "EXAMPLE"
    assert c.JupyterHub.template_vars == {"native_accounts": False}


@pytest.mark.parametrize("text, message", [
    ("auth:\n  type: standin\n", "auth.standin.realm: auth.type is standin, which needs auth.standin.realm"),
    ("auth:\n  type: standin\n  standin:\n    realm: X\n    groups: [a]\n",
     "f.yaml:5: auth.standin.groups: groups need a group_base"),
    ("auth:\n  type: standin\n  standin:\n    realm: X\n    relam: Y\n", "f.yaml:5: auth.standin: unknown key 'relam'"),
])
def test_a_registered_types_checks_name_key_and_line(standin, text, message):
    with pytest.raises(ConfigError) as e:
        loads(text, "f.yaml")
    assert message in str(e.value)


def test_an_unregistered_type_is_refused_with_the_allowed_values():
    with pytest.raises(ConfigError, match=r"f.yaml:2: auth.type: got 'standin'; allowed values: native, site_token"):
        loads("auth:\n  type: standin\n", "f.yaml")
    with pytest.raises(LookupError, match="no module campushub.hub.auth.standin"):
        get("standin")


def test_every_built_in_type_is_found_by_its_module():
    for kind in schema()["properties"]["auth"]["properties"]["type"]["enum"]:
        assert get(kind).name == kind


@pytest.mark.parametrize("text, message", [
    ("auth:\n  type: site_token\n", "auth.site_token: set exactly one of database.url and http.url"),
    ("auth:\n  type: site_token\n  site_token:\n    database: {url: 'sqlite:////x'}\n    http: {url: 'https://x'}\n",
     "f.yaml:3: auth.site_token: set exactly one of"),
    ("auth:\n  type: oidc\n  oidc:\n    authorize_url: https://x/a\n",
     "f.yaml:3: auth.oidc.token_url: auth.type is oidc, which needs auth.oidc.token_url"),
    ("auth:\n  type: google\n  google:\n    client_id: a\n    client_secret: b\n    workspace_admin: x@y\n",
     "f.yaml:3: auth.google: reading Workspace groups needs hosted_domains"),
    ("auth:\n  type: ldap\n  ldap:\n    server_address: l\n    user_search_base: dc=x\n    search_user: cn=s\n",
     "f.yaml:6: auth.ldap.search_user: set search_user and search_password together"),
    ("auth:\n  type: ldap\n  ldap:\n    server_address: l\n",
     "f.yaml:3: auth.ldap: set bind_dn_template or user_search_base"),
])
def test_built_in_checks_keep_their_messages(text, message):
    with pytest.raises(ConfigError) as e:
        loads(text, "f.yaml")
    assert message in str(e.value)


def test_a_file_for_kubernetes_may_leave_its_secrets_out():
    text = "auth:\n  type: ldap\n  ldap:\n    server_address: l\n    user_search_base: dc=x\n    search_user: cn=s\n"
    assert loads("kubernetes: {}\n" + text)["auth"]["ldap"]["search_password"] is None
    site = "auth:\n  type: site_token\n  site_token:\n    site_url: https://lms.example.org\n"
    assert loads("kubernetes: {}\n" + site)["auth"]["type"] == "site_token"  # database.url from the Secret
    with pytest.raises(ConfigError, match="set exactly one of"):  # but never both
        loads("kubernetes: {}\n" + site + "    database: {url: 'sqlite:////x'}\n    http: {url: 'https://x'}\n")
