"""A checked choice as KubeSpawner settings: requests and limits, GPUs,
node pool placement and the environment's image. Plain attribute writes, so
it works on any KubeSpawner (sub)class; call it before the pod is built."""

from __future__ import annotations

from ...hub.policy.types import Choice
from .images import image_for
from .scheduling import place
from .scratch import mount_scratch
from .shared_volumes import set_write_access

GPU_RESOURCE = "nvidia.com/gpu"


def apply_choice(spawner, choice: Choice, config: dict) -> None:
    spawner.cpu_limit = choice.cpu_limit
    spawner.cpu_guarantee = choice.cpu_guarantee
    spawner.mem_limit = choice.mem_limit
    spawner.mem_guarantee = choice.mem_guarantee
    apply_pod_settings(spawner, choice, config)


def apply_pod_settings(spawner, choice: Choice, config: dict) -> None:
    """All of the choice but the limits, which CampusHubKubeSpawner's
    PolicyMixin.apply_choice sets as for every backend."""
    # GPUs cannot be overcommitted: Kubernetes refuses a request that differs
    # from the limit. Other extra resources the deployment set are kept.
    gpus = {GPU_RESOURCE: choice.gpus} if choice.gpus else {}
    spawner.extra_resource_limits = {**_without_gpu(spawner.extra_resource_limits), **gpus}
    spawner.extra_resource_guarantees = {**_without_gpu(spawner.extra_resource_guarantees), **gpus}
    place(spawner, config, choice.node_pool)
    mount_scratch(spawner, choice.mem_limit)
    set_write_access(spawner, config, [g.name for g in getattr(spawner.user, "groups", None) or []])
    spawner.image = image_for(config, choice.environment, choice.tag)


def _without_gpu(resources: dict) -> dict:
    return {k: v for k, v in (resources or {}).items() if k != GPU_RESOURCE}
