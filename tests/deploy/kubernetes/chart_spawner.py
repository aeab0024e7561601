"""A user's spawner as a Zero to JupyterHub 4.4.0 release sets it up, built
without a cluster: the chart's hub config turns the (merged) values into
KubeSpawner traits, then hub.extraConfig applies ours
(deploy/kubernetes/hub_config.py).

The chart's hub config cannot run here (it reads the release's mounted
Secret), so to_traits() redoes the part of it that shapes user pods and
their home claims, from the chart's documented values: user, storage,
image, environment, scheduling and the cloud metadata block. Where the
chart appends a V1Container (the metadata block) this does too, so our
code meets the same objects as in a release.
"""

from __future__ import annotations

from types import SimpleNamespace

from jupyterhub.objects import Hub
from kubernetes_asyncio.client import models as k8s
from traitlets.config import Config

from campushub.deploy.kubernetes import hub_config
from campushub.deploy.kubernetes.render.values import render
from campushub.deploy.kubernetes.spawner import CampusHubKubeSpawner

from .chart import chart_defaults, helm_merge


def chart_names(release: str) -> dict[str, str]:
    """Names of the chart's objects that user pods refer to, as its hub
    ConfigMap holds them (templates/_helpers-names.tpl) with the default
    fullnameOverride "": the user scheduler registers as
    <release>-user-scheduler (its Deployment is plain user-scheduler), and the
    pods' PriorityClass is <release>-default-priority."""
    return {"user-scheduler": f"{release}-user-scheduler", "priority": f"{release}-default-priority"}


def _storage(ks, su: dict) -> None:
    storage = su["storage"]
    volumes, mounts = {}, {}
    if storage["type"] == "dynamic":
        dynamic = storage["dynamic"]
        if dynamic.get("pvcNameTemplate"):
            ks.pvc_name_template = dynamic["pvcNameTemplate"]
        ks.storage_pvc_ensure = True
        ks.storage_capacity = storage["capacity"]
        if dynamic.get("storageClass") is not None:
            ks.storage_class = dynamic["storageClass"]
        if dynamic.get("storageAccessModes") is not None:
            ks.storage_access_modes = dynamic["storageAccessModes"]
        name = dynamic["volumeNameTemplate"]
        volumes[name] = {"name": name, "persistentVolumeClaim": {"claimName": "{pvc_name}"}}
        mounts[name] = {"name": name, "mountPath": storage["homeMountPath"], "subPath": dynamic.get("subPath")}
    elif storage["type"] == "static":
        volumes["home"] = {"name": "home", "persistentVolumeClaim": {"claimName": storage["static"]["pvcName"]}}
        mounts["home"] = {"name": "home", "mountPath": storage["homeMountPath"],
                          "subPath": storage["static"].get("subPath")}
    extra = storage.get("extraVolumes") or {}
    volumes.update(extra if isinstance(extra, dict) else {v["name"]: v for v in extra})
    extra = storage.get("extraVolumeMounts") or {}
    mounts.update(extra if isinstance(extra, dict) else {f"{i}-{m['name']}": m for i, m in enumerate(extra)})
    ks.volumes, ks.volume_mounts = volumes, mounts


def _metadata_block(su: dict) -> k8s.V1Container:
    tools = su["networkTools"]
    return k8s.V1Container(
        name="block-cloud-metadata", image=f'{tools["image"]["name"]}:{tools["image"]["tag"]}',
        command=["iptables", "--append", "OUTPUT", "--protocol", "tcp", "--destination", su["cloudMetadata"]["ip"],
                 "--destination-port", "80", "--jump", "DROP"],
        security_context=k8s.V1SecurityContext(privileged=True, run_as_user=0,
                                               capabilities=k8s.V1Capabilities(add=["NET_ADMIN"])),
        resources=tools.get("resources") or None)


def to_traits(values: dict, release: str) -> Config:
    """KubeSpawner configuration from the chart values merged over its defaults."""
    c, names = Config(), chart_names(release)
    ks, su, sched = c.KubeSpawner, values["singleuser"], values["scheduling"]
    ks.uid, ks.fs_gid = su["uid"], su["fsGid"]
    ks.image = f'{su["image"]["name"]}:{su["image"]["tag"]}' if su["image"].get("tag") else su["image"]["name"]
    if su["image"].get("pullPolicy"):
        ks.image_pull_policy = su["image"]["pullPolicy"]
    ks.allow_privilege_escalation = su.get("allowPrivilegeEscalation")
    for trait, key in (("environment", "extraEnv"), ("node_selector", "nodeSelector"),
                       ("extra_labels", "extraLabels"), ("lifecycle_hooks", "lifecycleHooks"),
                       ("extra_pod_config", "extraPodConfig"), ("start_timeout", "startTimeout")):
        if su.get(key) is not None:
            setattr(ks, trait, su[key])
    if su["storage"].get("extraLabels") is not None:
        ks.storage_extra_labels = su["storage"]["extraLabels"]
    ks.init_containers = list(su.get("initContainers") or [])
    c.Spawner.cmd = su.get("cmd")
    # hub.services entries, each with the token the chart makes for it (templates/hub/secret.yaml)
    services = values["hub"].get("services") or {}
    c.JupyterHub.services = [{k: v for k, v in service.items() if k != "apiToken"}
                             | {"name": key, "api_token": f"chart-made-{key}"} for key, service in services.items()]
    if sched["userScheduler"]["enabled"]:
        ks.scheduler_name = names["user-scheduler"]
    if sched["podPriority"]["enabled"]:
        ks.priority_class_name = names["priority"]
    purpose = {"matchExpressions": [{"key": "hub.jupyter.org/node-purpose", "operator": "In", "values": ["user"]}]}
    match = sched["userPods"]["nodeAffinity"]["matchNodePurpose"]
    if match == "prefer":
        ks.node_affinity_preferred = [{"weight": 100, "preference": purpose}]
    elif match == "require":
        ks.node_affinity_required = [purpose]
    tolerations = (sched["userPods"].get("tolerations") or []) + (su.get("extraTolerations") or [])
    if tolerations:
        ks.tolerations = tolerations
    _storage(ks, su)
    if su["cloudMetadata"].get("blockWithIptables") is True:
        ks.init_containers.append(_metadata_block(su))
    return c


def release_config(config: dict) -> Config:
    """What a release of `config` configures: the chart's part, then ours."""
    c = to_traits(helm_merge(chart_defaults(), render(config).values), config["kubernetes"]["release"])
    hub_config.apply(c, config, environ={})
    return c


def spawner(config: dict, c: Config, username: str, groups: list[str], accept_language: str | None = None):
    """Must run inside an event loop: KubeSpawner starts its API client there."""
    user = SimpleNamespace(name=username, id=1, url=f"/user/{username}/", admin=False,
                           groups=[SimpleNamespace(name=g) for g in groups], spawners={})
    out = CampusHubKubeSpawner(_mock=True, user=user, hub=Hub(), config=c, namespace=config["kubernetes"]["namespace"])
    headers = {"Accept-Language": accept_language} if accept_language else {}
    out.handler = SimpleNamespace(request=SimpleNamespace(headers=headers))
    return out
