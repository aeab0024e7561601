"""The idle culler as the local deployment announces it to JupyterHub: a
service the hub runs itself (its command, the rules in its environment),
its role (nothing beyond reading users and stopping servers), activity
reported often enough for the timeout, and the proxy's activity left out.
(Kubernetes: tests/deploy/kubernetes/test_culling.py; a real hub:
tests/hub/test_culling_stack.py.)"""

from __future__ import annotations

import asyncio
import json
import sys

from traitlets.config import Config

from campushub.config import merge, validate
from campushub.deploy.local import hub_config as local
from campushub.deploy.local.layout import Layout
from campushub.hub.culling.route_activity import RouteActivity

from ..deploy.hub_sites import site
from .test_analytics_registration import _env, _named

SCOPES = ["list:users", "read:users", "read:users:activity", "read:users:groups", "read:servers", "delete:servers"]


def _local(tmp_path, **culling) -> Config:
    layout = Layout(tmp_path / "data")
    layout.ensure()
    c = Config()
    local.apply(c, validate(merge(site("native"), {"culling": culling})), layout, None, {})
    return c


def test_the_hub_runs_the_culler_with_the_sites_rules(tmp_path):
    c = _local(tmp_path, timeout=120, interval=20, max_age=86400, cull_admins=False, warning=0,
               groups={"analysts": {"timeout": 7200}})
    entry = _named(c.JupyterHub.services, "campushub-idle-culler")
    command = entry["command"]
    assert command[:3] == [sys.executable, "-m", "jupyterhub_idle_culler"]
    assert {"--timeout=120", "--cull-every=20", "--max-age=0"} <= set(command)  # max_age: the hook's
    assert "api_token" not in entry and "url" not in entry  # the hub makes its token; it serves nothing
    rules = json.loads(entry["environment"]["CAMPUSHUB_CULLING"])["culling"]
    assert rules["max_age"] == 86400 and rules["cull_admins"] is False
    assert rules["groups"]["analysts"]["timeout"] == 7200
    role = _named(c.JupyterHub.load_roles, "campushub-idle-culler")
    assert role["scopes"] == SCOPES and role["services"] == ["campushub-idle-culler"]
    # a server in use reports at least every 30 s (timeout / 4); the proxy's traffic is not activity
    assert _env(c.SystemUserSpawner)["JUPYTERHUB_ACTIVITY_INTERVAL"] == "30"
    assert c.RouteActivity.route_activity is False
    assert c.JupyterHub.proxy_class == "campushub.hub.proxy.VerifiedRouteProxy"


def test_turned_off_no_culler_and_jupyterhubs_activity_defaults(tmp_path):
    c = _local(tmp_path, enabled=False)
    assert _named(c.JupyterHub.services, "campushub-idle-culler") is None
    assert _named(c.JupyterHub.load_roles, "campushub-idle-culler") is None
    assert "RouteActivity" not in c
    assert "JUPYTERHUB_ACTIVITY_INTERVAL" not in _env(c.SystemUserSpawner)


class _Routes:
    """What configurable-http-proxy's API answers, as JupyterHub's proxy class returns it."""

    async def get_all_routes(self):
        return {"/user/ann/": {"routespec": "/user/ann/", "target": "http://127.0.0.1:9",
                               "data": {"user": "ann", "server_name": "", "last_activity": "2026-12-01T08:00:00Z"}},
                "/": {"routespec": "/", "target": "http://127.0.0.1:8", "data": {"hub": True}}}


class _Proxy(RouteActivity, _Routes):
    pass


def test_the_proxys_activity_is_left_out_only_when_told():
    kept = asyncio.run(_Proxy().get_all_routes())
    assert kept["/user/ann/"]["data"]["last_activity"] == "2026-12-01T08:00:00Z"
    config = Config()
    config.RouteActivity.route_activity = False
    left_out = asyncio.run(_Proxy(config=config).get_all_routes())
    assert left_out["/user/ann/"]["data"] == {"user": "ann", "server_name": ""}  # JupyterHub skips such routes
    assert left_out["/"]["data"] == {"hub": True}
