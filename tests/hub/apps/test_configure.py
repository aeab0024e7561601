"""Both deployments get the apps page and the right to share when apps are on
(the default), and neither when they are off; an admin's extra user scopes
and the services' scopes stay on the user role beside shares!user."""

from __future__ import annotations

from traitlets.config import Config

from campushub.deploy.kubernetes import hub_config
from campushub.hub.apps.page import SETTINGS_KEY, AppsPageHandler

from ...deploy.hub_sites import site


def _user_role(c) -> dict | None:
    return next((r for r in c.JupyterHub.get("load_roles", []) if r["name"] == "user"), None)


def test_apps_on_serves_the_page_and_lets_users_share():
    c = Config()
    c.JupyterHub.extra_user_scopes = {"read:users:name"}  # an admin's own (JupyterHub 6)
    config = site("oidc", kubernetes={})
    hub_config.apply(c, config, {})
    assert (r"/campushub/apps", AppsPageHandler) in c.JupyterHub.extra_handlers
    assert c.JupyterHub.tornado_settings[SETTINGS_KEY] is config
    assert c.JupyterHub.template_vars["campushub_apps"] is True
    scopes = _user_role(c)["scopes"]
    assert scopes[0] == "self" and "shares!user" in scopes and "read:users:name" in scopes
    assert c.JupyterHub.allow_named_servers is True


def test_apps_off_serves_no_page_and_grants_nothing():
    c = Config()
    hub_config.apply(c, site("oidc", kubernetes={}, apps={"enabled": False}), {})
    assert all(route != r"/campushub/apps" for route, *_ in c.JupyterHub.extra_handlers)
    assert "campushub_apps" not in c.JupyterHub.template_vars
    role = _user_role(c)
    assert role is None or "shares!user" not in role["scopes"]
