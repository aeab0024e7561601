"""Fail at once, naming the command, when an image the release needs was
never loaded into the cluster: otherwise helm waits its whole timeout on an
image pull that cannot succeed. Only for images with local names (no
kubernetes.images.registry), which nodes cannot pull."""

from __future__ import annotations

import asyncio

from kubernetes_asyncio import client
from kubernetes_asyncio import config as kube_config

# The kubelet reports at most this many images of a node by default
# (nodeStatusMaxImages): a node at the cap may hold ours unlisted.
REPORTED_MAX = 50


def canonical(ref: str) -> str:
    """A reference as containerd names it: campushub-hub:1 is docker.io/library/campushub-hub:1."""
    first, _, rest = ref.partition("/")
    if not rest:
        return f"docker.io/library/{ref}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{ref}"
    return ref


def absent(refs: list[str], nodes: list[list[str]]) -> list[str]:
    """The refs no node has; empty when a node's list may be cut short."""
    if any(len(names) >= REPORTED_MAX for names in nodes):
        return []
    present = {canonical(name) for names in nodes for name in names}
    return [ref for ref in refs if canonical(ref) not in present]


async def _node_images(kubeconfig: str) -> list[list[str]]:
    configuration = client.Configuration()
    await kube_config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    async with client.ApiClient(configuration) as api:
        nodes = await client.CoreV1Api(api).list_node()
        return [[name for image in node.status.images or [] for name in image.names or []]
                for node in nodes.items]


def require_loaded(config: dict, kubeconfig: str) -> None:
    from campushub.deploy.kubernetes.render.images import builds

    if config["kubernetes"]["images"]["registry"]:
        return
    missing = absent([b.ref for b in builds(config)], asyncio.run(_node_images(kubeconfig)))
    assert not missing, (f"not on the cluster's nodes: {', '.join(missing)}; build and load them first "
                         f"(tests/live_k8s/README.md), e.g. kind load docker-image {' '.join(missing)}")
