"""Opt-in: the pods of test_manifests.py sent to a real cluster as a
server-side dry run (dry_run="All"), so the API server and its admission
checks judge them and nothing is created.

Runs only with CAMPUSHUB_K8S_TEST=1 and KUBECONFIG naming a cluster where we
may create pods in CAMPUSHUB_K8S_NAMESPACE (default: "default").
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio import config as kube_config

from .cases import CASES, Case
from .pods import container, manifest_for, quantity

pytestmark = pytest.mark.kubernetes
GPU = "nvidia.com/gpu"


@pytest.fixture
def cluster() -> tuple[str, str]:
    """(kubeconfig, namespace), or a skip saying what is missing."""
    if os.environ.get("CAMPUSHUB_K8S_TEST") != "1":
        pytest.skip("needs a real cluster: set CAMPUSHUB_K8S_TEST=1 and KUBECONFIG to run it")
    kubeconfig = os.environ.get("KUBECONFIG", "")
    if not any(os.path.isfile(p) for p in kubeconfig.split(os.pathsep) if p):
        pytest.skip(f"CAMPUSHUB_K8S_TEST=1, but KUBECONFIG ({kubeconfig or 'unset'}) names no existing file")
    return kubeconfig, os.environ.get("CAMPUSHUB_K8S_NAMESPACE", "default")


async def dry_run_create(kubeconfig: str, namespace: str, manifest: dict) -> dict:
    # A configuration of our own: KubeSpawner keeps whichever kubeconfig the
    # process loaded first as the global default, which may be the offline
    # one of test_manifests.py.
    configuration = client.Configuration()
    await kube_config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    async with client.ApiClient(configuration) as api:
        pod = await client.CoreV1Api(api).create_namespaced_pod(namespace, manifest, dry_run="All")
        return api.sanitize_for_serialization(pod)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_api_server_accepts_the_pod(cluster, case: Case):
    kubeconfig, namespace = cluster
    # A fresh name: a dry run still collides with a pod that really exists.
    manifest = manifest_for(case.config, case.choice, username=f"dryrun-{uuid.uuid4().hex[:8]}")
    pod = asyncio.run(dry_run_create(kubeconfig, namespace, manifest))
    choice, resources = case.choice, container(pod)["resources"]
    assert quantity(resources["requests"]["cpu"]) == pytest.approx(choice.cpu_guarantee)
    assert quantity(resources["requests"]["memory"]) == choice.mem_guarantee
    assert quantity(resources["limits"]["cpu"]) == pytest.approx(choice.cpu_limit)
    assert quantity(resources["limits"]["memory"]) == choice.mem_limit
    assert (GPU in resources["limits"]) == (choice.gpus > 0)
    assert (pod["spec"].get("nodeSelector") or {}) == case.node_selector
    for toleration in case.tolerations:  # the server may add its own (not-ready, unreachable)
        assert toleration in pod["spec"]["tolerations"]
    assert container(pod)["image"] == case.image
