"""How the cluster runs user servers, in the chart values: the chart's
idle culler (off: the hub runs ours), the user scheduler, placeholder pods
holding room for the next arrivals, and the pre-puller with every
environment's image, each taken from the kubernetes section of
campushub.yaml.

The pre-pulled images come from images.image_for(), the function the
spawner picks a server's image with, so what is pulled is what runs."""

from __future__ import annotations

import hashlib
import re

from ....config.resource_checks import environment_names
from ....hub.policy.choose import PolicyError, choose
from ....hub.policy.resolve import effective_policy
from ..images import image_for

# The chart names each pull "image-pull-<key>", a container name (at most 63).
_KEY_MAX = 40


def values(config: dict) -> dict:
    kube = config["kubernetes"]
    return {"cull": culler(), "scheduling": scheduling(config),
            "prePuller": {"hook": {"enabled": kube["prepull"]["on_upgrade"]},
                          "continuous": {"enabled": kube["prepull"]["on_new_nodes"]},
                          "extraImages": extra_images(config)}}


def culler() -> dict:
    """The chart's own culler stays off: the hub runs ours (hub/culling), the
    same service as locally, from the top-level culling section, with what
    the chart's cannot do (longer limits for some groups, admins' servers
    kept). Turned off, the chart also leaves out its culler's role."""
    return {"enabled": False}


def scheduling(config: dict) -> dict:
    wanted = config["kubernetes"]["scheduling"]
    placeholder: dict = {"enabled": wanted["placeholders"] > 0, "replicas": wanted["placeholders"]}
    requests = default_server_requests(config)
    if requests:
        placeholder["resources"] = {"requests": requests}
    # Priorities let a real server evict a placeholder at once.
    return {"userScheduler": {"enabled": wanted["user_scheduler"]}, "podPriority": {"enabled": True},
            "userPlaceholder": placeholder}


def default_server_requests(config: dict) -> dict | None:
    """What a server of a user in no policy group asks the scheduler for:
    a placeholder holds exactly the room one such server needs."""
    try:
        choice = choose(effective_policy(config, ()), config, {})
    except PolicyError:
        return None  # the chart then sizes placeholders like singleuser
    return {"cpu": str(choice.cpu_guarantee), "memory": str(choice.mem_guarantee)}


def extra_images(config: dict) -> dict:
    out: dict[str, dict] = {}
    seen: set[str] = set()
    for env, tags in sorted(environment_names(config).items()):
        for tag in sorted(tags):
            ref = image_for(config, env, tag)
            if ref in seen:
                continue
            seen.add(ref)
            name, image_tag = split_reference(ref)
            out[_key(f"{env}-{tag}", ref, out)] = {"name": name, "tag": image_tag}
    return out


def split_reference(ref: str) -> tuple[str, str]:
    """(name, tag) with f"{name}:{tag}" the same image, as the chart joins
    them; a digest reference splits as (repo@sha256, hex)."""
    head, sep, tail = ref.rpartition(":")
    if not sep or "/" in tail:  # no tag, or the ':' was a registry port
        return ref, "latest"
    return head, tail


def _key(wanted: str, ref: str, taken: dict) -> str:
    key = re.sub(r"[^a-z0-9-]", "-", wanted.lower()).strip("-")
    if len(key) > _KEY_MAX or key in taken:
        digest = hashlib.sha256(ref.encode()).hexdigest()[:8]
        key = f"{key[:_KEY_MAX - 9].rstrip('-')}-{digest}"
    return key
