"""Attacks on what a server gets on Kubernetes, through the spawner a Z2JH
4.4.0 release runs (chart config, then ours), built offline (dummy
kubeconfig, _mock=True), as JupyterHub drives it: apply_user_options with
the request's options (form or REST body), then KubeSpawner's own
load_user_options at start, then the pod.

- The hole: a singleuser.profileList in the release (a site values file,
  or one kept from a plain Z2JH release) made KubeSpawner apply its default
  profile's kubespawner_override at every start, after our checks: any
  image, CPU and GPUs for everyone. Our spawner now has no profiles.
- Options posted directly that the policy does not allow (an image, an
  environment, a node pool, GPUs) are refused with 400 before any pod."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from kubernetes_asyncio.client import ApiClient
from tornado.web import HTTPError

from campushub.config import load

from .chart import assert_valid_manifest
from .chart_spawner import release_config, spawner

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")
EXAMPLE = load(Path(__file__).parents[3] / "examples" / "k8s-oidc-gpu" / "campushub.yaml")
EVIL = "docker.io/attacker/miner:latest"


def start(groups: list[str], options: dict, profile_list: list | None = None) -> dict:
    async def run():
        c = release_config(EXAMPLE)
        if profile_list is not None:
            c.KubeSpawner.profile_list = profile_list  # what the chart sets from singleuser.profileList
        s = spawner(EXAMPLE, c, "alice", groups)
        await s._run_apply_user_options(options)
        await s.load_user_options()  # KubeSpawner's step at start
        async with ApiClient() as api:
            return api.sanitize_for_serialization(await s.get_pod_manifest())

    return asyncio.run(run())


def test_a_chart_profile_list_cannot_override_the_checked_choice():
    profiles = [{"display_name": "from the old release", "default": True, "kubespawner_override": {
        "image": EVIL, "cpu_limit": 64, "extra_resource_limits": {"nvidia.com/gpu": "8"}}}]
    pod = start([], {}, profiles)
    server = pod["spec"]["containers"][0]
    assert server["image"] != EVIL
    assert "nvidia.com/gpu" not in server["resources"]["limits"]
    assert float(server["resources"]["limits"]["cpu"]) <= 2  # the default policy's maximum
    assert_valid_manifest(pod)


@pytest.mark.parametrize("groups, options", [
    ([], {"image": EVIL}),
    ([], {"profile": "gpu", "environment": "ds:stable"}),
    ([], {"environment": "torch:stable"}),
    ([], {"environment": "ds:dev"}),
    ([], {"gpus": 1}),
    ([], {"node_pool": "gpu"}),
    ([], {"cpu": "1e309"}),
    (["data-science"], {"gpus": 2}),
    (["data-science"], {"node_pool": "gpu", "environment": "torch:stable", "kubespawner_override": {"image": EVIL}}),
])
def test_options_the_policy_does_not_allow_are_refused(groups, options):
    with pytest.raises(HTTPError) as e:
        start(groups, options)
    assert e.value.status_code == 400


def test_what_the_policy_allows_is_what_the_pod_gets():
    pod = start(["data-science"], {"gpus": 1, "node_pool": "gpu", "environment": "torch:stable"})
    server = pod["spec"]["containers"][0]
    assert server["image"] == "registry.analytics.example/jupyter/pytorch:2.5-cuda12"
    assert server["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert pod["spec"]["nodeSelector"] == {"eks.amazonaws.com/nodegroup": "gpu"}
    assert pod["spec"].get("automountServiceAccountToken") is False  # no API token in learners' pods
