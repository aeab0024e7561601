"""Project claims in a release: the claim of each declared project
(projects.declared), for `kubectl apply` beside the chart, so its storage
exists before anyone starts a server. Projects made later on the projects
page get theirs from the spawner at their members' first start
(deploy/kubernetes/projects.py), which makes the very same claim; the chart
values need nothing, the pods' mounts are added per person at each start.

Pure data, no Kubernetes client: the renderer runs without the kubernetes
extra.
"""

from __future__ import annotations

from ....config.errors import ConfigError
from .storage import HOME

MOUNT_ROOT = f"{HOME}/projects"
PROJECT_LABEL = "campushub/project"
LABELS = {"app.kubernetes.io/part-of": "campushub", "app.kubernetes.io/component": "project-storage"}


def claim_name(name: str) -> str:
    return f"project-{name}"


def mount_path(name: str) -> str:
    return f"{MOUNT_ROOT}/{name}"


def labels(name: str) -> dict:
    return {**LABELS, PROJECT_LABEL: name}


def claim(name: str, kube: dict, namespace: str) -> dict:
    """Project `name`'s claim as the API's JSON; kube: projects.kubernetes."""
    spec = {"accessModes": [kube["access_mode"]], "resources": {"requests": {"storage": kube["size"]}}}
    if kube["storage_class"]:  # "" is the cluster's default class: leave the field out (an explicit "" means none)
        spec["storageClassName"] = kube["storage_class"]
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim_name(name), "namespace": namespace, "labels": labels(name)}, "spec": spec}


def values(config: dict) -> dict:
    check(config)
    return {}


def manifests(config: dict) -> list[dict]:
    kube, namespace = config["projects"]["kubernetes"], config["kubernetes"]["namespace"]
    return [claim(name, kube, namespace) for name in sorted(config["projects"]["declared"])]


def check(config: dict) -> None:
    """A shared volume at or around ~/projects would hide the project
    mounts, or be hidden by one, in members' servers."""
    for name, volume in config["kubernetes"]["shared_volumes"].items():
        path = volume["mount_path"]
        if path == MOUNT_ROOT or path.startswith(MOUNT_ROOT + "/"):
            raise ConfigError(f"{path} is where project volumes are mounted ({MOUNT_ROOT}/<name>); mount it "
                              f"elsewhere, such as /srv/{name}", key=f"kubernetes.shared_volumes.{name}.mount_path")


def notes(config: dict) -> list[str]:
    kube = config["projects"]["kubernetes"]
    # manifests.yaml exists only when render wrote declared projects' claims into it
    listed = " (declared projects' claims are in manifests.yaml)" if config["projects"]["declared"] else ""
    where = f"storage class {kube['storage_class']}" if kube["storage_class"] else "the cluster's default storage class"
    out = [f"Project data: each project gets a claim project-<name> ({kube['access_mode']}, {kube['size']}) in "
           f"{where}, made by the hub at a member's first start{listed}. "
           f"{where[0].upper() + where[1:]} must offer {kube['access_mode']} and give new volumes a root folder "
           "writable by uid 1000 or group 100 (servers run as jovyan, 1000:100): e.g. an NFS provisioner's 0777 "
           "folders, EFS access points with uid 1000 and gid 100, or a CSI driver that applies fsGroup."]
    out.append("A deleted project's claim is kept: archive and delete it with `campushub k8s archive-project NAME "
               "--config campushub.yaml --yes` (the retention Role and retention.kubernetes.archive_volume).")
    return out
