"""The hub configuration of `campushub up` applied to a bare traitlets
Config(): the shared part for every auth type, plus the data dir's files, the
system-user spawner and the proxy `up` runs. No hub runs here; the hub tests
(tests/hub, tests/cli) start real ones from the same module."""

from __future__ import annotations

import json

import pytest
from jupyterhub.app import JupyterHub
from traitlets.config import Config

from campushub.deploy.local import hub_config
from campushub.deploy.local.layout import Layout
from campushub.hub.settings import I18N_EXTENSION, TEMPLATES

from ..hub_sites import AUTH, CLASSES, ORIGIN, SETTING, authenticator, named_server_limit, site


@pytest.fixture
def layout(tmp_path):
    layout = Layout(tmp_path / "data")
    layout.ensure()
    layout.add_admin("admin-from-up")
    return layout


def applied(kind, layout, environ=None, env_dir="/opt/campushub/env", **extra) -> Config:
    c = Config()
    hub_config.apply(c, site(kind, **extra), layout, env_dir, environ or {})
    return c


@pytest.mark.parametrize("kind", sorted(AUTH))
def test_every_auth_type_gets_its_authenticator_and_settings(kind, layout):
    c = applied(kind, layout)
    assert c.JupyterHub.spawner_class == "campushub.deploy.local.spawner.system_user.SystemUserSpawner"
    assert c.JupyterHub.authenticator_class == CLASSES[kind]
    trait, value = SETTING[kind]
    assert c[CLASSES[kind].rsplit(".", 1)[1]][trait] == value
    assert c.Authenticator.admin_users == {"root-admin", "admin-from-up"}
    if kind == "native":
        # the first admin `up --admin` hands over, from the data dir
        assert c.CampusHubAuthenticator.bootstrap_admin_file == str(layout.bootstrap_admin)
    else:
        a = authenticator(c)
        assert getattr(a, trait) == value and a.admin_groups == {"staff"}
    assert set(c.JupyterHub) <= set(JupyterHub.class_trait_names(config=True))


def test_data_dir_spawner_and_proxy(layout):
    c = applied("native", layout, hub={"public_url": "https://hub.example.org", "hub_port": 811,
                                       "proxy_api_port": 812, "port": 8443},
                limits={"cpu": 2, "memory": "3G"})
    assert c.JupyterHub.db_url == f"sqlite:///{layout.db_file}"
    assert c.JupyterHub.cookie_secret_file == str(layout.cookie_secret)
    assert (c.JupyterHub.hub_ip, c.JupyterHub.hub_port) == ("127.0.0.1", 811)
    assert c.JupyterHub.proxy_class == "campushub.hub.proxy.VerifiedRouteProxy"
    assert c.ConfigurableHTTPProxy.should_start is False
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:812"
    assert c.ConfigurableHTTPProxy.auth_token == layout.proxy_token.read_text().strip()
    s = c.SystemUserSpawner
    assert (s.cpu_limit, s.mem_limit) == (2.0, 3 * 1024**3)
    assert s.env_dir == "/opt/campushub/env" and s.log_dir == str(layout.user_logs)
    assert s.site_config["limits"]["memory"] == "3G"


def test_roles_services_pages_embedding_and_named_servers(layout):
    c = applied("ldap", layout, {"CAMPUSHUB_API_TOKEN": "automation-token"})
    # the idle culler, run by the hub, has a token the hub makes (tests/hub/test_culling_config.py)
    services = {s["name"]: s["api_token"] for s in c.JupyterHub.services if s["name"] != "campushub-idle-culler"}
    assert services == {"campushub-cli": layout.cli_token.read_text().strip(),
                        "campushub-automation": "automation-token"}
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert sorted(roles["campushub-operator"]["services"]) == ["campushub-automation", "campushub-cli"]
    assert roles["campushub-admin-groups"]["groups"] == ["staff"]
    assert roles["tutor-ml101"]["groups"] == ["ml101-tutors"]
    assert c.JupyterHub.template_paths == [TEMPLATES]
    assert c.JupyterHub.jinja_environment_options == {"extensions": [I18N_EXTENSION]}
    csp = f"frame-ancestors 'self' {ORIGIN}"
    assert c.JupyterHub.tornado_settings["headers"]["Content-Security-Policy"] == csp
    env = c.SystemUserSpawner.environment.get_value({})
    assert json.loads(env["CAMPUSHUB_TORNADO_SETTINGS"])["headers"]["Content-Security-Policy"] == csp
    # plus apps.max_per_person (3 by default): apps are named servers with their own budget
    assert named_server_limit(c) == 0 + 3 and named_server_limit(c, "researchers") == 2 + 3


def test_without_automation_token_only_the_cli_service(layout):
    c = applied("native", layout, apps={"enabled": False})  # the apps page's own vars: tests/hub/apps
    assert [s["name"] for s in c.JupyterHub.services] == ["campushub-cli", "campushub-idle-culler"]
    # the bulk import's display names (hub/people) are shown by page.html through this function
    assert c.JupyterHub.template_vars.pop("campushub_display_name")(None) == ""
    assert c.JupyterHub.template_vars == {"native_accounts": True}


def test_service_tokens_skip_jupyterhubs_stretching_only_when_long_enough_to_be_random(layout):
    # the CLI's token is 64 hex digits from the data dir; the idle culler's the hub makes itself
    assert applied("native", layout).JupyterHub.trust_user_provided_tokens is True
    long_token = {"CAMPUSHUB_API_TOKEN": "0123456789abcdef" * 2}
    assert applied("native", layout, long_token).JupyterHub.trust_user_provided_tokens is True
    short = applied("native", layout, {"CAMPUSHUB_API_TOKEN": "automation-token"})
    assert short.JupyterHub.trust_user_provided_tokens is False
