"""From a user's groups to their pod, as the hub does it on Kubernetes: the
CampusHubKubeSpawner checks the request against the group policy (refusing
what it does not allow) and the pod carries the result. No cluster here:
KubeSpawner builds the pod offline (see conftest.py)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from jupyterhub.objects import Hub
from tornado import web

from campushub.config import validate
from campushub.deploy.kubernetes.spawner import CampusHubKubeSpawner

from .pods import container, pod_manifest, quantity
from .test_manifests import check_schema

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")
GIB = 2**30
GPU = "nvidia.com/gpu"

SITE = validate({
    "kubernetes": {"node_pools": {
        "standard": {"node_selector": {"pool": "standard"}},
        "gpu": {"node_selector": {"pool": "gpu"},
                "tolerations": [{"key": GPU, "operator": "Exists", "effect": "NoSchedule"}]}}},
    "environments": {"ds": {"versions": {"2026.11": {"image": "registry.example.com/ds:2026.11"},
                                         "2026.12": {"image": "registry.example.com/ds:2026.12"}},
                            "tags": {"stable": "2026.11", "dev": "2026.12"}}},
    "policies": {
        "default": {"cpu": {"min": 0.5, "max": 2, "default": 1}, "memory": {"min": "1G", "max": "4G", "default": "2G"},
                    "environments": ["ds:stable"], "node_pools": ["standard"]},
        "groups": {
            "data-scientists": {"cpu": {"max": 16}, "memory": {"max": "128G", "default": "16G"}},
            "analysts": {"gpus": {"max": 2, "default": 1}, "environments": ["ds"], "node_pools": ["gpu", "standard"]},
        },
    },
})


def pod(groups: list[str], options: dict) -> dict:
    async def build():
        user = SimpleNamespace(name="kim", id=1, url="/user/kim/", groups=[SimpleNamespace(name=g) for g in groups],
                               spawners={}, admin=False)
        spawner = CampusHubKubeSpawner(_mock=True, user=user, hub=Hub(), namespace="campushub", site_config=SITE)
        spawner.check_and_apply(options)
        return await pod_manifest(spawner)
    return asyncio.run(build())


def test_learners_get_the_default_policy():
    manifest = pod([], {})
    check_schema(manifest)
    res = container(manifest)["resources"]
    assert quantity(res["limits"]["cpu"]) == 1 and quantity(res["requests"]["cpu"]) == pytest.approx(0.333)
    assert quantity(res["limits"]["memory"]) == 2 * GIB == quantity(res["requests"]["memory"])
    assert GPU not in res["limits"]
    assert manifest["spec"]["nodeSelector"] == {"pool": "standard"}
    assert container(manifest)["image"] == "registry.example.com/ds:2026.11"


def test_data_scientists_may_start_high_spec_servers():
    manifest = pod(["data-scientists"], {"cpu": 12, "memory": "96G"})
    check_schema(manifest)
    res = container(manifest)["resources"]
    assert quantity(res["limits"]["cpu"]) == 12
    assert quantity(res["requests"]["cpu"]) == pytest.approx(4.0, abs=0.001)  # a third
    assert quantity(res["limits"]["memory"]) == 96 * GIB


def test_analysts_get_gpus_on_the_gpu_pool_and_the_dev_image():
    manifest = pod(["analysts"], {"gpus": 2, "node_pool": "gpu", "environment": "ds:dev"})
    check_schema(manifest)
    res = container(manifest)["resources"]
    assert quantity(res["limits"][GPU]) == 2 == quantity(res["requests"][GPU])
    assert manifest["spec"]["nodeSelector"] == {"pool": "gpu"}
    assert {"key": GPU, "operator": "Exists", "effect": "NoSchedule"} in manifest["spec"]["tolerations"]
    assert container(manifest)["image"] == "registry.example.com/ds:2026.12"


@pytest.mark.parametrize("groups, options", [
    ([], {"cpu": 12}),                      # only data scientists
    ([], {"gpus": 1}),                      # only analysts
    (["data-scientists"], {"gpus": 1}),
    ([], {"environment": "ds:dev"}),
    ([], {"node_pool": "gpu"}),
    (["analysts"], {"gpus": 3}),
])
def test_what_the_group_may_not_have_is_refused(groups, options):
    with pytest.raises(web.HTTPError) as e:
        pod(groups, options)
    assert e.value.status_code == 400
