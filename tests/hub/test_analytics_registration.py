"""The `analytics` service as the local deployment announces it to
JupyterHub: its address, its token file, its role (activity, servers and
the hub's metrics; nothing that changes anything), the scope every user and
every user server's token gets to send records, and the address servers are
told. (Kubernetes: tests/deploy/kubernetes/test_render_analytics.py.)"""

from __future__ import annotations

import os
import stat

from traitlets.config import Config

from campushub.config import merge, validate
from campushub.deploy.local import hub_config as local
from campushub.deploy.local.layout import Layout

from ..deploy.hub_sites import site

ACCESS = "access:services!service=analytics"
SERVER_ROLE = ["users:activity!user", "access:servers!server"]  # JupyterHub's `server` role (5.5 and 6)


def _local(tmp_path, **analytics) -> tuple[Config, Layout]:
    layout = Layout(tmp_path / "data")
    layout.ensure()
    c = Config()
    # no course: the assignments service stays off, so only analytics is announced
    config = validate(merge(site("native"), {"hub": {"base_url": "/campus/"}, "analytics": analytics}))
    local.apply(c, config, layout, None, {})
    return c, layout


def _named(items, name: str) -> dict | None:
    return next((item for item in items if item["name"] == name), None)


def _env(section) -> dict:
    value = section.environment
    return value.get_value({}) if hasattr(value, "get_value") else value


def test_entry_token_and_a_role_that_only_reads(tmp_path):
    c, layout = _local(tmp_path, port=704)
    entry = _named(c.JupyterHub.services, "analytics")
    assert entry["url"] == "http://127.0.0.1:704"
    assert entry["oauth_no_confirm"] is True and entry["display"] is True and entry["info"]["description"]
    token = layout.service_token("analytics")
    assert entry["api_token"] == token.read_text().strip() and len(entry["api_token"]) >= 32
    assert stat.S_IMODE(os.stat(token).st_mode) == 0o600
    role = _named(c.JupyterHub.load_roles, "campushub-analytics")
    assert role["scopes"] == ["list:users", "read:users:groups", "read:groups", "read:users:activity",
                              "read:servers", "read:metrics"]
    assert role["services"] == ["analytics"]
    assert ACCESS in _named(c.JupyterHub.load_roles, "campushub-operator")["scopes"]


def test_every_user_and_server_token_may_send_records_and_servers_know_where(tmp_path):
    c, _ = _local(tmp_path, port=704)
    assert _named(c.JupyterHub.load_roles, "user")["scopes"] == ["self", ACCESS]
    assert c.SystemUserSpawner.server_token_scopes == [*SERVER_ROLE, ACCESS]
    assert _env(c.SystemUserSpawner)["CAMPUSHUB_ANALYTICS_URL"] == "http://127.0.0.1:704/campus/services/analytics/"
    # how often their extension sends its records: analytics.flush_interval
    assert _env(c.SystemUserSpawner)["CAMPUSHUB_ANALYTICS_FLUSH_S"] == "5"
    c, _ = _local(tmp_path / "other", port=704, flush_interval=30)
    assert _env(c.SystemUserSpawner)["CAMPUSHUB_ANALYTICS_FLUSH_S"] == "30"


def test_turned_off_nothing_is_announced_and_no_scope_given(tmp_path):
    c, layout = _local(tmp_path, enabled=False, port=704)
    assert _named(c.JupyterHub.services, "analytics") is None
    assert _named(c.JupyterHub.load_roles, "campushub-analytics") is None
    assert _named(c.JupyterHub.load_roles, "user") is None
    assert "server_token_scopes" not in c.SystemUserSpawner
    assert "CAMPUSHUB_ANALYTICS_URL" not in _env(c.SystemUserSpawner)
    assert "CAMPUSHUB_ANALYTICS_FLUSH_S" not in _env(c.SystemUserSpawner)
    assert not layout.service_token("analytics").exists()
