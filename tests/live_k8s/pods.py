"""A user's server pod as the cluster really runs it."""

from __future__ import annotations

import asyncio

from kubernetes_asyncio import client
from kubernetes_asyncio import config as kube_config


async def _server_pod(kubeconfig: str, namespace: str, user: str) -> dict | None:
    # A configuration of our own, as in tests/deploy/kubernetes/test_cluster.py.
    configuration = client.Configuration()
    await kube_config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    async with client.ApiClient(configuration) as api:
        pods = await client.CoreV1Api(api).list_namespaced_pod(
            namespace, label_selector="component=singleuser-server")
        for pod in pods.items:
            # the label holds an escaped name; the annotation the real one
            if (pod.metadata.annotations or {}).get("hub.jupyter.org/username") == user:
                return api.sanitize_for_serialization(pod)
    return None


def server_pod(kubeconfig: str, namespace: str, user: str) -> dict | None:
    return asyncio.run(_server_pod(kubeconfig, namespace, user))


def notebook_container(pod: dict) -> dict:
    return next(c for c in pod["spec"]["containers"] if c["name"] == "notebook")
