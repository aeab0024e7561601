"""The hub services registry: a service registered once reaches both
deployments' hub configuration, with its role, and only when it can run."""

from __future__ import annotations

import pytest
from traitlets.config import Config

from campushub.deploy.kubernetes import hub_config as kubernetes
from campushub.deploy.local import hub_config as local
from campushub.deploy.local.layout import Layout
from campushub.hub import services

from ..deploy.hub_sites import site


@pytest.fixture
def helper_service():
    services.register(
        services.Role("campushub-helper", "Reads who is online", ("read:users:activity",)),
        # hub-managed (a command): JupyterHub makes its token; off when no course is configured
        services.Service("campushub-helper", ("campushub-helper",),
                         spec=lambda config: {"command": ["helper"]} if config["courses"] else None),
        services.Service("campushub-report", ("campushub-helper",), token_env="CAMPUSHUB_REPORT_TOKEN"),
    )
    yield
    services.unregister("campushub-helper", "campushub-report")


def _both(tmp_path, config, environ):
    layout = Layout(tmp_path / "data")
    layout.ensure()
    c_local, c_k8s = Config(), Config()
    local.apply(c_local, config, layout, None, environ)
    kubernetes.apply(c_k8s, config, environ)
    return c_local, c_k8s


def test_a_registered_service_reaches_both_deployments(helper_service, tmp_path):
    for c in _both(tmp_path, site("native"), {"CAMPUSHUB_REPORT_TOKEN": "report-token"}):
        by_name = {s["name"]: s for s in c.JupyterHub.services}
        assert by_name["campushub-helper"] == {"name": "campushub-helper", "command": ["helper"]}
        assert by_name["campushub-report"]["api_token"] == "report-token"
        role = next(r for r in c.JupyterHub.load_roles if r["name"] == "campushub-helper")
        assert role["scopes"] == ["read:users:activity"]
        assert role["services"] == ["campushub-helper", "campushub-report"]
    assert ("campushub-report", "CAMPUSHUB_REPORT_TOKEN") in services.token_envs()


def test_a_service_without_token_or_turned_off_is_left_out(helper_service, tmp_path):
    config = site("native")
    config["courses"] = {}
    for c in _both(tmp_path, config, {}):
        names = {s["name"] for s in c.JupyterHub.services}
        assert not names & {"campushub-helper", "campushub-report"}
        assert "campushub-helper" not in {r["name"] for r in c.JupyterHub.load_roles}
