"""The pod KubeSpawner would create for a choice, built without a cluster."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace

from jupyterhub.objects import Hub
from kubernetes_asyncio.client import ApiClient
from kubespawner import KubeSpawner

from campushub.deploy.kubernetes import apply_choice
from campushub.hub.policy.types import Choice


def make_spawner(config: dict, username: str = "learner", **traits) -> KubeSpawner:
    """Must run inside an event loop: KubeSpawner starts its API client there."""
    user = SimpleNamespace(name=username, id=1, url=f"/user/{username}/", admin=False)
    return KubeSpawner(_mock=True, user=user, hub=Hub(), namespace=config["kubernetes"]["namespace"], **traits)


async def pod_manifest(spawner: KubeSpawner) -> dict:
    """The pod as the JSON the API server would receive."""
    pod = await spawner.get_pod_manifest()
    async with ApiClient() as api:
        return api.sanitize_for_serialization(pod)


def manifest_for(config: dict, choice: Choice, username: str = "learner", **traits) -> dict:
    async def build():
        spawner = make_spawner(config, username, **traits)
        apply_choice(spawner, choice, config)
        return await pod_manifest(spawner)

    return asyncio.run(build())


def container(manifest: dict) -> dict:
    return manifest["spec"]["containers"][0]


_SUFFIX = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
           "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity(value) -> float:
    """A Kubernetes quantity as a number: the API server rewrites 0.667 as
    "667m" and 4294967296 as "4Gi"."""
    if isinstance(value, (int, float)):
        return float(value)
    number, suffix = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", value).groups()
    return float(number) * _SUFFIX[suffix]
