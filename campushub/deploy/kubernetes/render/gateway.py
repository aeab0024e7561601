"""Jupyter Enterprise Gateway in a release, for remote kernels: a Deployment of
the upstream image (remote_kernels.kubernetes.gateway_image) whose kernelspecs
are ours, one per profile (campushub-<profile>), each using EG's
KubernetesProcessProxy (as gateway_app.KernelPod) and EG's own launch_kubernetes.py with our pod
template (kernel-pod.yaml.j2 beside this file) mounted over the image's.

EG keeps its kernels in the release's namespace (EG_SHARED_NAMESPACE), so
its rights are a Role there: pods only, which is all launch_kubernetes.py
creates from our template. Kernel pods run under a service account of their
own without a token. EG's token comes from the release's Secret; only the
remote-kernels front (render/remote_kernels.py) may reach its API port, and
only kernel pods its response port, where they return their connection
details. Its kernel sessions persist on a small claim, so a restarted EG
finds the kernel pods that kept running. EG runs through gateway_app.py
(mounted from the ConfigMap), whose response port reads connections side by
side and takes a kernel's details only from that kernel's pod.
"""

from __future__ import annotations

import hashlib
import json
from importlib.resources import files

from ....config.remote_kernels import idle_seconds, kernelspec_name, profiles
from . import hub_service
from .network import server_egress
from .text import dump

NAME = "campushub-gateway"
PORT = 8888  # EG's REST API and websockets
RESPONSE_PORT = 8877  # where a starting kernel sends its connection details
TOKEN_KEY = "remote-kernels-gateway-token"  # in the Secret kubernetes.secret_name
LABELS = {"app.kubernetes.io/part-of": "campushub", "app.kubernetes.io/component": "gateway"}
# Kernel pods' (deploy/kubernetes/remote_kernels.py puts them on each pod):
# the network policy below selects them by these labels.
KERNEL_LABELS = {"app.kubernetes.io/part-of": "campushub", "app.kubernetes.io/component": "remote-kernel"}
KERNEL_ACCOUNT = "campushub-kernel"  # no API rights, no token mounted
CONFIG_DIR = "/etc/campushub-gateway"
SESSIONS = "/var/lib/campushub-gateway"
APP = "gateway_app.py"  # ../gateway_app.py, EG's app with our response port, run by path
PROXY = "campushub_k8s_gateway.KernelPod"  # KubernetesProcessProxy, in APP
NATIVE_DECOY = {"display_name": "Not available", "language": "python", "argv": ["/bin/false"], "env": {}}
TEMPLATE = "kernel-pod.yaml.j2"
# Where the image keeps EG's Kubernetes launcher; our template goes beside it,
# since launch_kubernetes.py loads kernel-pod.yaml.j2 from its own folder.
LAUNCHER_DIR = "/usr/local/share/jupyter/kernels/python_kubernetes/scripts"
UID, GID = 1000, 100  # the image's jovyan
LAUNCH_TIMEOUT = 300
RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}


def template() -> str:
    return files(__package__).joinpath(TEMPLATE).read_text()


def app() -> str:
    return files(__package__).parent.joinpath(APP).read_text()


def kernelspec(profile: dict) -> dict:
    """One profile's kernel.json: EG's python_kubernetes kernelspec (3.2.3) with our name and proxy."""
    return {
        "language": "python",
        "display_name": profile["display_name"],
        "metadata": {"process_proxy": {
            "class_name": PROXY,
            # the front always sends KERNEL_IMAGE; this only keeps EG from refusing the spec
            "config": {"image_name": profile["image"]}}},
        "env": {},
        "argv": ["python", f"{LAUNCHER_DIR}/launch_kubernetes.py",
                 "--RemoteProcessProxy.kernel-id", "{kernel_id}",
                 "--RemoteProcessProxy.port-range", "{port_range}",
                 "--RemoteProcessProxy.response-address", "{response_address}",
                 "--RemoteProcessProxy.public-key", "{public_key}"],
    }


# as the local gateway's: a kernel that dies is relaunched once (an OOM kill), not 5 times (jupyter_client's
# default), each relaunch a new pod the front's launch pace never sees
RESTART_LIMIT = 2


def gateway_config(config: dict) -> dict:
    """EG's jupyter_enterprise_gateway_config.json (its app is jupyter-enterprise-gateway)."""
    names = [kernelspec_name(p) for p in profiles(config)]
    return {
        "EnterpriseGatewayApp": {
            "ip": "0.0.0.0", "port": PORT, "port_retries": 0,
            "list_kernels": True,  # the front lists them to find culled ones
            "client_envs": [], "inherited_envs": [],  # nothing from a request but KERNEL_*, which the front sets
            "default_kernel_name": names[0],
        },
        # Only our kernelspecs. jupyter_client < 7 (EG 3.2.3's pin) names the list `whitelist`, but
        # applies it to listings only: a start by name finds any kernelspec, and "python3" even
        # without one (ipykernel's own, in EG's image), which would run code inside EG's pod. A start
        # takes the first folder of the search, JUPYTER_PATH's, where our python3 cannot start.
        "KernelSpecManager": {"whitelist": names, "ensure_native_kernel": False},
        # as the local gateway (deploy/local/remote_kernels): idle is idle, open tab or not; a running cell is not
        "RemoteMappingKernelManager": {"cull_idle_timeout": idle_seconds(config),
                                       "cull_interval": min(60, max(1, idle_seconds(config) // 4)),
                                       "cull_connected": True, "cull_busy": False},
        "KernelSessionManager": {"enable_persistence": True, "persistence_root": SESSIONS},
        "KernelRestarter": {"restart_limit": RESTART_LIMIT},
        "RemoteKernelManager": {"restarter_class": "campushub_k8s_gateway.SteadyRestarter"},  # gateway_app.py
    }


def config_map(config: dict, images: dict[str, str]) -> dict:
    """images: the default image of each profile (kernelspec metadata)."""
    data = {"jupyter_enterprise_gateway_config.json": json.dumps(gateway_config(config), indent=2),
            TEMPLATE: template(), APP: app()}
    data["python3.json"] = json.dumps(NATIVE_DECOY, indent=2)
    for name, profile in profiles(config).items():
        data[f"{kernelspec_name(name)}.json"] = json.dumps(kernelspec({**profile, "image": images[name]}), indent=2)
    return _meta(config, "v1", "ConfigMap", f"{NAME}-config") | {"data": data}


def manifests(config: dict, images: dict[str, str]) -> list[dict]:
    namespace = config["kubernetes"]["namespace"]
    cm = config_map(config, images)
    rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch", "create", "delete"]}]
    return [
        _meta(config, "v1", "ServiceAccount", NAME),
        # the kernels': no rights, and no token in their pods
        _meta(config, "v1", "ServiceAccount", KERNEL_ACCOUNT) | {"automountServiceAccountToken": False},
        _meta(config, "rbac.authorization.k8s.io/v1", "Role", NAME) | {"rules": rules},
        _meta(config, "rbac.authorization.k8s.io/v1", "RoleBinding", NAME) | {
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME},
            "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": namespace}]},
        cm,
        _meta(config, "v1", "PersistentVolumeClaim", NAME) | {"spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
            **({"storageClassName": config["kubernetes"]["storage_class"]}
               if config["kubernetes"]["storage_class"] else {})}},
        _deployment(config, hashlib.sha256(dump(cm).encode()).hexdigest()[:16]),
        _meta(config, "v1", "Service", NAME) | {"spec": {
            "selector": dict(LABELS),
            "ports": [{"name": "http", "protocol": "TCP", "port": PORT, "targetPort": PORT},
                      {"name": "response", "protocol": "TCP", "port": RESPONSE_PORT, "targetPort": RESPONSE_PORT}]}},
    ]


def url() -> str:
    return f"http://{NAME}:{PORT}"


def _deployment(config: dict, digest: str) -> dict:
    section = config["remote_kernels"]["kubernetes"]
    namespace = config["kubernetes"]["namespace"]
    items = [{"key": "jupyter_enterprise_gateway_config.json", "path": "jupyter_enterprise_gateway_config.json"},
             {"key": APP, "path": APP}]
    items += [{"key": f"{name}.json", "path": f"data/kernels/{name}/kernel.json"}
              for name in ["python3", *map(kernelspec_name, profiles(config))]]
    plain = {
        "EG_NAMESPACE": namespace,
        "EG_SHARED_NAMESPACE": "True",  # kernels beside their claims, under the Role; no namespaces made
        "EG_DEFAULT_KERNEL_SERVICE_ACCOUNT_NAME": KERNEL_ACCOUNT,
        "EG_RESPONSE_PORT": str(RESPONSE_PORT),
        # EG's 30 s default: a kernel pod on a node that pulls its (GPU) image first needs minutes;
        # a client's KERNEL_LAUNCH_TIMEOUT (the front caps it) still wins
        "EG_KERNEL_LAUNCH_TIMEOUT": str(LAUNCH_TIMEOUT),
        "EG_MIRROR_WORKING_DIRS": "False",
        "EG_LOG_LEVEL": "INFO",
        "JUPYTER_CONFIG_DIR": CONFIG_DIR,
        "JUPYTER_PATH": f"{CONFIG_DIR}/data",
    }
    token = {"secretKeyRef": {"name": config["kubernetes"]["secret_name"], "key": TOKEN_KEY}}
    probe = {"tcpSocket": {"port": PORT}, "periodSeconds": 10}
    container = {
        "name": "gateway",
        "image": section["gateway_image"],
        # the python `jupyter enterprisegateway` would run (the image's); -I: nothing from the env or cwd
        "command": ["python", "-I", f"{CONFIG_DIR}/{APP}"],
        "env": [{"name": "EG_AUTH_TOKEN", "valueFrom": token}, *({"name": k, "value": v} for k, v in plain.items())],
        "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"},
                  {"name": "response", "containerPort": RESPONSE_PORT, "protocol": "TCP"}],
        "volumeMounts": [
            {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
            {"name": "template", "mountPath": f"{LAUNCHER_DIR}/{TEMPLATE}", "subPath": TEMPLATE, "readOnly": True},
            {"name": "sessions", "mountPath": SESSIONS}],
        "resources": RESOURCES,
        "readinessProbe": probe,
        "livenessProbe": {**probe, "initialDelaySeconds": 60, "failureThreshold": 6},
        "securityContext": {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": GID,
                            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }
    spec = {
        "serviceAccountName": NAME,
        "enableServiceLinks": False,
        "securityContext": {"fsGroup": GID, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [container],
        "volumes": [{"name": "config", "configMap": {"name": f"{NAME}-config", "items": items}},
                    {"name": "template", "configMap": {"name": f"{NAME}-config",
                                                       "items": [{"key": TEMPLATE, "path": TEMPLATE}]}},
                    {"name": "sessions", "persistentVolumeClaim": {"claimName": NAME}}],
    }
    return _meta(config, "apps/v1", "Deployment", NAME) | {"spec": {
        "replicas": 1,  # one EG holds the kernels; a second would not know the first's
        "strategy": {"type": "Recreate"},  # and the sessions' claim is ReadWriteOnce
        "selector": {"matchLabels": dict(LABELS)},
        "template": {"metadata": {"labels": {**LABELS, **hub_service.HUB_ACCESS},
                                  "annotations": {"campushub/config-digest": digest}},
                     "spec": spec}}}


def network_policies(config: dict, front: dict[str, str]) -> list[dict]:
    """front: the labels of the remote-kernels front's pods."""
    to_eg = {"podSelector": {"matchLabels": dict(LABELS)}}
    return [
        _meta(config, "networking.k8s.io/v1", "NetworkPolicy", NAME) | {"spec": {
            "podSelector": {"matchLabels": dict(LABELS)},
            "policyTypes": ["Ingress"],
            "ingress": [
                {"from": [{"podSelector": {"matchLabels": dict(front)}}],
                 "ports": [{"protocol": "TCP", "port": PORT}]},
                {"from": [{"podSelector": {"matchLabels": dict(KERNEL_LABELS)}}],
                 "ports": [{"protocol": "TCP", "port": RESPONSE_PORT}]}]}},
        # kernel pods: only EG connects to them (their ZeroMQ ports and EG's
        # listener for interrupts); they reach EG's response port, and the
        # outside as servers do (kubernetes.network, render/network.py)
        _meta(config, "networking.k8s.io/v1", "NetworkPolicy", "campushub-kernels") | {"spec": {
            "podSelector": {"matchLabels": dict(KERNEL_LABELS)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [to_eg]}],
            "egress": [{"to": [to_eg], "ports": [{"protocol": "TCP", "port": RESPONSE_PORT}]},
                       *server_egress(config)]}},
    ]


def _meta(config: dict, api: str, kind: str, name: str) -> dict:
    return {"apiVersion": api, "kind": kind,
            "metadata": {"name": name, "namespace": config["kubernetes"]["namespace"], "labels": dict(LABELS)}}
