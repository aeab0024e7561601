"""On Kubernetes a user pod gets the same culling variables as a local
server (the spawner's get_env, shared through PolicyMixin): kernel culling
and this person's warning. No cluster runs: the spawner is KubeSpawner's
_mock with a kubeconfig naming none, as in test_hub_config.py."""

from __future__ import annotations

import asyncio
import json

from campushub.deploy.kubernetes import hub_config
from campushub.hub.cull_env import KERNELS_ENV, SERVER_ENV

from ..hub_sites import site
from .test_hub_config import _spawner_env, chart_config


def test_a_user_pod_gets_kernel_culling_and_its_warning(dummy_kubeconfig):
    config = site("native", kubernetes={}, culling={"timeout": 1800, "warning": 120, "kernels": {"timeout": 900}})
    c = chart_config()
    hub_config.apply(c, config, {})
    _site, env = asyncio.run(_spawner_env(c))
    assert json.loads(env[KERNELS_ENV])["timeout"] == 900
    cull = json.loads(env[SERVER_ENV])
    assert (cull["timeout"], cull["warning"]) == (1800, 120)
