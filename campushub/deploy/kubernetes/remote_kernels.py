"""The kernel env the remote-kernels front adds on Kubernetes: what Enterprise
Gateway's KubernetesProcessProxy and our kernel-pod template
(render/kernel-pod.yaml.j2) build a person's kernel pod from.

The pod gets what the person's own server pod gets, from the same builders:
their home claim, their projects' claims, the shared volumes their groups
may see (read-only unless their groups may write), a private /tmp and
/dev/shm, the same uid and gid as every server, and the size, GPUs, node
pool and image of the profile as their policy allows it (choose.py via
hub/policy/profiles.py). Nothing here is written by hand as JSON strings.

EG passes every KERNEL_* variable of a start request on to the launcher,
which parses each value as YAML; so structured values are JSON, the pod's
owner travels as a JSON string (KERNEL_OWNER: `007` or `yes` would otherwise
become a number or a boolean), and KERNEL_USERNAME is kept readable as YAML
(eg_username). The front must drop every KERNEL_* a client sent and use
exactly these.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

import yaml
from kubespawner.slugs import is_valid_label, multi_slug, safe_slug

from ...config.remote_kernels import profiles
from ...hub.policy.group_label import group_label
from ...hub.policy.profiles import choice_for
from ...hub.policy.resolve import effective_policy
from ...projects import model
from .images import image_for
from .projects import volume_name as project_volume
from .render import projects as project_claims
from .render.dockerfiles import NB_GID, NB_UID
from .render.gateway import KERNEL_ACCOUNT, KERNEL_LABELS
from .render.storage import HOME
from .render.storage import claim_name as shared_claim
from .render.storage import volume_name as shared_volume
from .resources import GPU_RESOURCE
from .scheduling import placement
from .scratch import MOUNTS as SCRATCH_MOUNTS
from .shared_volumes import access
from .spawner import GROUP_LABEL

HOME_VOLUME = "home"
# The chart's user-pod tolerations (scheduling.userPods), so kernels may run
# on nodes dedicated to user pods as servers do.
USER_POD_TOLERATIONS = (
    {"key": "hub.jupyter.org/dedicated", "operator": "Equal", "value": "user", "effect": "NoSchedule"},
    {"key": "hub.jupyter.org_dedicated", "operator": "Equal", "value": "user", "effect": "NoSchedule"},
)
USER_LABEL = "hub.jupyter.org/username"
_SLUG_MAX = 48  # KubeSpawner's _expand_user_properties


def home_claim(person: str) -> str:
    """The home claim KubeSpawner 7 names for the person's default server:
    its default pvc_name_template claim-{user_server} with the "safe" slug
    scheme, which the chart keeps (singleuser.storage.dynamic.pvcNameTemplate
    unset). tests compare it with KubeSpawner's own."""
    slug = safe_slug(person, max_length=_SLUG_MAX)
    if len(slug) + 2 > _SLUG_MAX:
        slug = multi_slug([person, ""], max_length=_SLUG_MAX)
    return f"claim-{slug}"


def eg_username(person: str) -> str:
    """KERNEL_USERNAME as EG's launcher reads it back (yaml.safe_load): the
    name itself, or the name as a JSON string where YAML would read something
    else (`*bob`, `a:b `, `{%x`), which would stop the launch."""
    try:
        if yaml.safe_load(person) == person:
            return person
    except yaml.YAMLError:
        pass
    return json.dumps(person)


def volumes(config: dict, person: str, groups: Iterable[str], projects: Iterable[str],
            mem_limit: int) -> tuple[list[dict], list[dict]]:
    """(volumes, volume mounts) of the kernel's container, as the API's JSON."""
    vols = [{"name": HOME_VOLUME, "persistentVolumeClaim": {"claimName": home_claim(person)}}]
    mounts = [{"name": HOME_VOLUME, "mountPath": HOME}]
    for name in _project_names(projects):
        volume = project_volume(name)
        vols.append({"name": volume, "persistentVolumeClaim": {"claimName": project_claims.claim_name(name)}})
        mounts.append({"name": volume, "mountPath": project_claims.mount_path(name)})
    shared = config["kubernetes"]["shared_volumes"]
    for name, read_only in access(config, groups).items():
        volume = shared_volume(name)
        vols.append({"name": volume, "persistentVolumeClaim": {"claimName": shared_claim(name, shared[name])}})
        mounts.append({"name": volume, "mountPath": shared[name]["mount_path"], "readOnly": read_only})
    for volume, path in SCRATCH_MOUNTS.items():
        vols.append({"name": volume, "emptyDir": {"medium": "Memory", "sizeLimit": str(int(mem_limit))}})
        mounts.append({"name": volume, "mountPath": path})
    return vols, mounts


def _project_names(projects: Iterable[str]) -> list[str]:
    names = []
    for name in sorted(set(projects)):
        try:
            model.check_name(name)
        except ValueError:
            continue  # never turned into a path (projects.projects_of skips them too)
        names.append(name)
    return names


def kernel_env(config: dict, person: str, profile: str, groups: Iterable[str],
               projects: Iterable[str]) -> dict[str, str]:
    """The KERNEL_* variables of person's kernel of `profile`. Raises KeyError
    for an unknown profile and PolicyError when their policy refuses it."""
    groups = sorted(set(groups))
    if profile not in profiles(config):
        raise KeyError(profile)
    policy = effective_policy(config, groups)
    choice = choice_for(config, policy, profile)
    section = config["remote_kernels"]["kubernetes"]
    vols, mounts = volumes(config, person, groups, projects, choice.mem_limit)
    selector, tolerations = placement(config, choice.node_pool, {}, USER_POD_TOLERATIONS)
    labels = {**KERNEL_LABELS, GROUP_LABEL: group_label(policy),
              USER_LABEL: safe_slug(person, is_valid=is_valid_label)}
    env = {
        "KERNEL_USERNAME": eg_username(person),
        "KERNEL_OWNER": json.dumps(person),
        "KERNEL_NAMESPACE": config["kubernetes"]["namespace"],
        # EG fills in the kernel's id and makes it a DNS name (k8s.py)
        "KERNEL_POD_NAME": f"kernel-{safe_slug(person, max_length=16)}-{{{{ kernel_id }}}}",
        "KERNEL_SERVICE_ACCOUNT_NAME": KERNEL_ACCOUNT,
        "KERNEL_UID": str(NB_UID),
        "KERNEL_GID": str(NB_GID),
        "KERNEL_IMAGE": section["kernel_image"] or image_for(config, choice.environment, choice.tag),
        "KERNEL_LAUNCHER_IMAGE": section["gateway_image"],
        "KERNEL_CPUS": _millicores(choice.cpu_guarantee),
        "KERNEL_CPUS_LIMIT": _millicores(choice.cpu_limit),
        "KERNEL_MEMORY": str(int(choice.mem_guarantee)),
        "KERNEL_MEMORY_LIMIT": str(int(choice.mem_limit)),
        "KERNEL_VOLUMES": json.dumps(vols),
        "KERNEL_VOLUME_MOUNTS": json.dumps(mounts),
        "KERNEL_NODE_SELECTOR": json.dumps(selector),
        "KERNEL_TOLERATIONS": json.dumps(tolerations),
        "KERNEL_LABELS": json.dumps(labels),
    }
    if choice.gpus:
        # Kubernetes refuses an extended resource whose request differs from its limit
        env["KERNEL_GPUS"] = env["KERNEL_GPUS_LIMIT"] = str(int(choice.gpus))
        env["KERNEL_GPU_RESOURCE"] = json.dumps(GPU_RESOURCE)
    return env


def _millicores(cores: float) -> str:
    # a quantity without float noise (0.6666666666666666 cores)
    return f"{max(1, math.ceil(cores * 1000))}m"
