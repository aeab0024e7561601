"""Both deployments' hub configurations hand projects.declared to
DeclaredProjects, beside projects an earlier config file set (a bare
traitlets Config, no hub: the start-up step itself is test_declared_stack.py
and test_declared_plain.py)."""

from __future__ import annotations

import pytest
from traitlets.config import Config

from campushub.deploy.kubernetes import hub_config as k8s_hub_config
from campushub.deploy.local import hub_config as local_hub_config
from campushub.deploy.local.layout import Layout

from ..deploy.hub_sites import site

DECLARED = {"churn-model": {"title": "Churn model", "owners": ["alice"], "members": ["bob"]}}
EXPECTED = {"churn-model": {"title": "Churn model", "owners": ["alice"], "members": ["alice", "bob"]},
            "from-extra-config": {"members": ["zed"]}}


def earlier() -> Config:
    c = Config()
    c.DeclaredProjects.projects = {"from-extra-config": {"members": ["zed"]}}
    return c


@pytest.mark.parametrize("deployment", ["local", "kubernetes"])
def test_both_deployments_declare_the_sites_projects(deployment, tmp_path):
    c = earlier()
    config = site("native", projects={"declared": DECLARED}, **({"kubernetes": {}} if deployment == "kubernetes"
                                                                 else {}))
    if deployment == "local":
        layout = Layout(tmp_path / "data")
        layout.ensure()
        local_hub_config.apply(c, config, layout, "/opt/campushub/env", {})
    else:
        k8s_hub_config.apply(c, config, {})
    assert c.DeclaredProjects.projects == EXPECTED


def test_no_declared_projects_leaves_an_empty_declaration():
    c = Config()
    k8s_hub_config.apply(c, site("native", kubernetes={}), {})
    assert c.DeclaredProjects.projects == {}
