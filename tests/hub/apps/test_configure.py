"""Both deployments get the apps page when apps are on (the default) and not
when they are off; people get no `shares` scope either way (the page grants
shares of apps itself: JupyterHub's shares!user would let anyone share their
JupyterLab through the REST API)."""

from __future__ import annotations

from traitlets.config import Config

from campushub.deploy.kubernetes import hub_config
from campushub.hub.apps.page import SETTINGS_KEY, AppsPageHandler

from ...deploy.hub_sites import site


def _user_role(c) -> dict | None:
    return next((r for r in c.JupyterHub.get("load_roles", []) if r["name"] == "user"), None)


def _no_shares_scope(c) -> bool:
    role = _user_role(c)
    return role is None or not any(s.split("!")[0] in ("shares", "users:shares", "groups:shares")
                                   for s in role["scopes"])


def test_apps_on_serves_the_page_and_gives_no_shares_scope():
    c = Config()
    config = site("oidc", kubernetes={})
    hub_config.apply(c, config, {})
    assert (r"/campushub/apps", AppsPageHandler) in c.JupyterHub.extra_handlers
    assert c.JupyterHub.tornado_settings[SETTINGS_KEY] is config
    assert c.JupyterHub.template_vars["campushub_apps"] is True
    assert _no_shares_scope(c)
    assert c.JupyterHub.allow_named_servers is True


def test_apps_off_serves_no_page():
    c = Config()
    hub_config.apply(c, site("oidc", kubernetes={}, apps={"enabled": False}), {})
    assert all(route != r"/campushub/apps" for route, *_ in c.JupyterHub.extra_handlers)
    assert "campushub_apps" not in c.JupyterHub.template_vars
    assert _no_shares_scope(c)
