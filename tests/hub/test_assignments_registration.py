"""The `assignments` service as both deployments announce it to JupyterHub:
its address, its token, its role (names and groups only), and what every
user and every user server needs to use it."""

from __future__ import annotations

import os
import stat

import pytest
from traitlets.config import Config

from campushub.config import merge, validate
from campushub.deploy.kubernetes import hub_config as kubernetes
from campushub.deploy.local import hub_config as local
from campushub.deploy.local.layout import Layout

from ..deploy.hub_sites import site

ACCESS = "access:services!service=assignments"
SERVER_ROLE = ["users:activity!user", "access:servers!server"]  # JupyterHub's `server` role (5.5 and 6)


def _config(**assignments) -> dict:
    config = site("native")
    config["courses"] = {"ml": {"learners_group": "ml", "tutors_group": "ml-tutors"}}
    return validate(merge(config, {"hub": {"base_url": "/campus/"}, "assignments": assignments}))


def _local(tmp_path, config) -> tuple[Config, Layout]:
    layout = Layout(tmp_path / "data")
    layout.ensure()
    c = Config()
    local.apply(c, config, layout, None, {})
    return c, layout


def _entry(c: Config) -> dict | None:
    return next((s for s in c.JupyterHub.services if s["name"] == "assignments"), None)


def _env(section) -> dict:
    value = section.environment  # an .update() on whatever the section held: a lazy value
    return value.get_value({}) if hasattr(value, "get_value") else value


def _role(c: Config, name: str) -> dict | None:
    return next((r for r in c.JupyterHub.load_roles if r["name"] == name), None)


def test_local_service_entry_token_and_role(tmp_path):
    c, layout = _local(tmp_path, _config(port=700))
    entry = _entry(c)
    assert entry["url"] == "http://127.0.0.1:700"
    assert entry["oauth_no_confirm"] is True and entry["display"] is True and entry["info"]["description"]
    # the token is the file `up` hands the service, readable by root only
    assert entry["api_token"] == layout.assignments_token.read_text().strip()
    assert len(entry["api_token"]) >= 32
    assert stat.S_IMODE(os.stat(layout.assignments_token).st_mode) == 0o600
    role = _role(c, "campushub-assignments")
    assert role["scopes"] == ["list:users", "read:users:groups", "read:groups"]
    assert role["services"] == ["assignments"]


def test_every_user_and_every_server_token_may_use_it(tmp_path):
    c, _ = _local(tmp_path, _config(port=700))
    assert _role(c, "user")["scopes"] == ["self", ACCESS]
    assert c.SystemUserSpawner.server_token_scopes == [*SERVER_ROLE, ACCESS]
    # straight at the service, under the site's base URL
    assert _env(c.SystemUserSpawner)["CAMPUSHUB_ASSIGNMENTS_URL"] == \
        "http://127.0.0.1:700/campus/services/assignments/"


def test_an_admins_extra_user_scopes_survive(tmp_path):
    layout = Layout(tmp_path / "data")
    layout.ensure()
    c = Config()
    c.JupyterHub.extra_user_scopes = {"read:groups!group=ml"}
    c.SystemUserSpawner.server_token_scopes = ["users:activity!user", "read:users:name!user"]
    local.apply(c, _config(port=700), layout, None, {})
    assert _role(c, "user")["scopes"] == ["self", "read:groups!group=ml", ACCESS]
    assert c.SystemUserSpawner.server_token_scopes == ["users:activity!user", "read:users:name!user", ACCESS]


@pytest.mark.parametrize("config", [
    pytest.param(lambda: _config(enabled=False, port=700), id="turned off"),
    pytest.param(lambda: validate(merge(site("native"), {"courses": {}})), id="no course"),
])
def test_off_means_nothing_announced_and_no_scope_given(tmp_path, config):
    c, _ = _local(tmp_path, config())
    assert _entry(c) is None
    assert _role(c, "campushub-assignments") is None and _role(c, "user") is None
    assert "server_token_scopes" not in c.SystemUserSpawner
    assert "CAMPUSHUB_ASSIGNMENTS_URL" not in _env(c.SystemUserSpawner)


def test_kubernetes_takes_the_token_the_chart_made():
    c = Config()
    # what the chart's own jupyterhub_config.py sets from hub.services (render/assignments.py lists it)
    c.JupyterHub.services = [{"name": "assignments", "url": "http://campushub-assignments:8080",
                              "api_token": "chart-made"}]
    kubernetes.apply(c, _config(), {})
    (entry,) = [s for s in c.JupyterHub.services if s["name"] == "assignments"]
    assert entry["api_token"] == "chart-made" and entry["url"] == "http://campushub-assignments:8080"
    assert entry["oauth_no_confirm"] is True
    assert _role(c, "campushub-assignments")["services"] == ["assignments"]
    assert _role(c, "user")["scopes"] == ["self", ACCESS]
    assert c.CampusHubKubeSpawner.server_token_scopes == [*SERVER_ROLE, ACCESS]
    assert _env(c.CampusHubKubeSpawner)["CAMPUSHUB_ASSIGNMENTS_URL"] == \
        "http://campushub-assignments:8080/campus/services/assignments/"


def test_kubernetes_without_a_token_announces_nothing():
    c = Config()
    # no variable gives the hub a token the service's pod would not hold
    kubernetes.apply(c, _config(), {"CAMPUSHUB_ASSIGNMENTS_API_TOKEN": "stray"})
    assert _entry(c) is None and _role(c, "user") is None
