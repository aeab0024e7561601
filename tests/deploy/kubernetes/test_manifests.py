"""Pods for chosen policy values, built and validated without a cluster.

There is no Kubernetes cluster where these tests run, so KubeSpawner is
constructed with _mock=True against a kubeconfig naming no reachable server,
and only builds the pod (get_pod_manifest) without sending it. The pod is
then checked against the Kubernetes API's own schema with kubernetes-validate
in strict mode, which catches misspelt or mistyped fields the way the API
server would. test_cluster.py sends the same pods to a real cluster as a
server-side dry run when one is available.
"""

from __future__ import annotations

import asyncio
import copy

import kubernetes_validate
import pytest

from campushub.deploy.kubernetes import apply_choice
from campushub.hub.policy.types import Choice

from .cases import CASES, GIB, GPU_TOLERATION, SITE, Case
from .pods import container, make_spawner, manifest_for, pod_manifest, quantity

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")

# The oldest release we still expect clusters to run, and the newest the
# validator knows.
KUBERNETES_VERSIONS = ("1.33", kubernetes_validate.latest_version())
GPU = "nvidia.com/gpu"


def check_schema(manifest: dict) -> None:
    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(manifest, version, strict=True)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_pod_carries_the_choice(case: Case):
    manifest = manifest_for(case.config, case.choice)
    check_schema(manifest)
    choice, resources, spec = case.choice, container(manifest)["resources"], manifest["spec"]
    assert quantity(resources["requests"]["cpu"]) == pytest.approx(choice.cpu_guarantee)
    assert quantity(resources["requests"]["memory"]) == choice.mem_guarantee
    assert quantity(resources["limits"]["cpu"]) == pytest.approx(choice.cpu_limit)
    assert quantity(resources["limits"]["memory"]) == choice.mem_limit
    if choice.gpus:
        assert quantity(resources["limits"][GPU]) == choice.gpus
        assert quantity(resources["requests"][GPU]) == choice.gpus
    else:
        assert GPU not in resources["limits"] and GPU not in resources["requests"]
    assert (spec.get("nodeSelector") or {}) == case.node_selector
    assert (spec.get("tolerations") or []) == case.tolerations
    assert container(manifest)["image"] == case.image


@pytest.mark.parametrize("breakage", [
    "misspelt field", "cpu limit as a list", "toleration seconds as text", "image as a number",
])
def test_validator_rejects_a_broken_pod(breakage: str):
    manifest = manifest_for(SITE, CASES["highmem-dev-tag"].choice)
    check_schema(manifest)  # the unbroken pod passes, so only the breakage can fail it
    broken = copy.deepcopy(manifest)
    if breakage == "misspelt field":
        broken["spec"]["nodeSelectr"] = broken["spec"].pop("nodeSelector")
    elif breakage == "cpu limit as a list":
        container(broken)["resources"]["limits"]["cpu"] = [2]
    elif breakage == "toleration seconds as text":
        broken["spec"]["tolerations"][0]["tolerationSeconds"] = "300"
    else:
        container(broken)["image"] = 42
    with pytest.raises(kubernetes_validate.ValidationError):
        check_schema(broken)


def test_a_later_start_drops_the_earlier_pool_but_keeps_the_deployments_own():
    # Zero to JupyterHub gives every user pod such a selector and toleration;
    # one spawner object is reused for every start of a server.
    z2jh_selector = {"hub.jupyter.org/node-purpose": "user"}
    z2jh_toleration = {"key": "hub.jupyter.org/dedicated", "operator": "Equal", "value": "user",
                       "effect": "NoSchedule"}
    small = Choice(1.0, 0.333, 2 * GIB, 2 * GIB, 0, "ds", "stable")

    async def two_starts():
        spawner = make_spawner(SITE, node_selector=z2jh_selector, tolerations=[z2jh_toleration],
                               extra_resource_limits={"example.com/fpga": 1})
        apply_choice(spawner, CASES["gpus-on-gpu-pool"].choice, SITE)
        first = await pod_manifest(spawner)
        apply_choice(spawner, small, SITE)
        return first, await pod_manifest(spawner)

    first, second = asyncio.run(two_starts())
    for manifest in first, second:
        check_schema(manifest)
    assert first["spec"]["nodeSelector"] == {**z2jh_selector, "cloud.google.com/gke-nodepool": "gpu"}
    assert first["spec"]["tolerations"] == [z2jh_toleration, GPU_TOLERATION]
    assert container(first)["resources"]["limits"][GPU] == 2
    assert second["spec"]["nodeSelector"] == z2jh_selector
    assert second["spec"]["tolerations"] == [z2jh_toleration]
    assert GPU not in container(second)["resources"]["limits"]
    assert container(second)["resources"]["limits"]["example.com/fpga"] == 1
