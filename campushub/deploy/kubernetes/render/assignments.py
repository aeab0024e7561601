"""The `assignments` hub service in a release: a Deployment of its own
(not in the hub pod: autograding takes cores and memory the hub must keep,
and its sandbox needs rights the hub should not have), a Service the
proxy, the hub and user servers reach it by, a claim for its SQLite
database unless assignments.db_url names PostgreSQL (from the Secret), and
a NetworkPolicy that lets only those three in.

Submissions are stored in the database (content-addressed blobs), so the
claim holds everything and nothing else needs shared storage. SQLite on a
ReadWriteOnce claim means one replica and a Recreate rollout.

The sandbox is bubblewrap without a user namespace plus a cgroup of its own
per submission (content/check/sandbox.py), run as root in the container:
bubblewrap's mount, pid and network namespaces need CAP_SYS_ADMIN, setpriv
dropping to nobody needs CAP_SETUID/SETGID, and the per-submission memory,
CPU and pids limits need a writable cgroup tree, which a container has only
when privileged (Kubernetes mounts /sys/fs/cgroup read-only otherwise). So
the container is privileged, with the node's AppArmor profile off for it
(the runtime's default profile refuses mount), no service account token,
and resource limits of its own as the outer bound.
"""

from __future__ import annotations

import copy
import hashlib

from ....config import parse_bytes
from ....config.assignments import enabled
from ....config.errors import ConfigError
from .. import assignments as where
from .. import secrets
from . import hub, images
from .dockerfiles import ENV_PREFIX

CONTAINER = "assignments"
DATA = "/var/lib/campushub-assignments"
CONFIG_DIR = "/etc/campushub"
SITE_FILE = f"{CONFIG_DIR}/campushub.yaml"
CONFIG_MAP = f"{where.NAME}-config"
DB_FILE = "assignments.sqlite"
# Workers when assignments.workers is null: in a pod, os.cpu_count() is the
# node's, not what the pod may use, so the rendered config names a number.
POD_WORKERS = 2
LABELS = {"app.kubernetes.io/part-of": "campushub", "app.kubernetes.io/component": "assignments"}
# The chart's hub lets in pods carrying this label (its NetworkPolicy).
HUB_ACCESS = {"hub.jupyter.org/network-access-hub": "true"}
# The chart's pods that call the service: the hub (groups, OAuth), the proxy
# (every browser request) and user servers (fetch and submit from JupyterLab).
CALLERS = ("hub", "proxy", "singleuser-server")


def values(config: dict) -> dict:
    if not enabled(config):
        return {}
    rule = {"to": [{"podSelector": {"matchLabels": dict(LABELS)}}], "ports": [{"protocol": "TCP", "port": where.PORT}]}
    return {
        # The chart makes its token and keeps it in the hub's Secret
        # (where.TOKEN_KEY); the hub's configuration adds the rest of the
        # entry (hub/services.py), as locally.
        "hub": {"services": {"assignments": {"url": where.url()}}, "networkPolicy": {"egress": [rule]}},
        "proxy": {"chp": {"networkPolicy": {"egress": [copy.deepcopy(rule)]}}},
        "singleuser": {"networkPolicy": {"egress": [copy.deepcopy(rule)]}},
    }


def manifests(config: dict) -> list[dict]:
    if not enabled(config):
        return []
    _check(config)
    namespace = config["kubernetes"]["namespace"]
    site = site_file(config)
    out = [
        _meta("v1", "ConfigMap", CONFIG_MAP, namespace) | {"data": {"campushub.yaml": site}},
        _deployment(config, namespace, hashlib.sha256(site.encode()).hexdigest()[:16]),
        _meta("v1", "Service", where.NAME, namespace) | {"spec": {
            "selector": dict(LABELS),
            "ports": [{"name": "http", "protocol": "TCP", "port": where.PORT, "targetPort": where.PORT}]}},
        _meta("networking.k8s.io/v1", "NetworkPolicy", where.NAME, namespace) | {"spec": {
            "podSelector": {"matchLabels": dict(LABELS)},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {"matchExpressions": [
                {"key": "component", "operator": "In", "values": list(CALLERS)}]}}],
                "ports": [{"protocol": "TCP", "port": where.PORT}]}]}},
    ]
    if not config["assignments"]["db_url"]:
        claim = _meta("v1", "PersistentVolumeClaim", where.NAME, namespace) | {"spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": _quantity(config["assignments"]["storage"])}}}}
        if config["kubernetes"]["storage_class"]:
            claim["spec"]["storageClassName"] = config["kubernetes"]["storage_class"]
        out.append(claim)
    return out


def notes(config: dict) -> list[str]:
    if not enabled(config):
        return []
    section, name = config["assignments"], config["kubernetes"]["secret_name"]
    out = [f"The assignments service runs as Deployment {where.NAME} in a privileged container (its sandbox "
           "makes namespaces and a cgroup per submission); the namespace's Pod Security level must allow "
           "privileged pods. Its API token is the one the chart makes for hub.services.assignments."]
    if section["db_url"]:
        out.append(f"assignments.db_url is written in the configuration: it is left out of the release; put it "
                   f"into the Secret {name}, key {secrets.ASSIGNMENTS_DB.key}")
    else:
        out.append(f"Submissions are kept in SQLite on the claim {where.NAME} ({section['storage']}); back it up, "
                   "or set assignments.db_url to a PostgreSQL database.")
    return out


def site_file(config: dict) -> str:
    """campushub.yaml as the service reads it: the hub's copy (no secrets),
    with the number of workers fixed for the pod."""
    config = copy.deepcopy(config)
    config["assignments"]["workers"] = config["assignments"]["workers"] or POD_WORKERS
    return hub.site_file(config)


def _check(config: dict) -> None:
    db = config["assignments"]["db_url"]
    if db and not db.startswith("postgresql"):
        raise ConfigError("a Kubernetes release keeps a configured assignments database on PostgreSQL: leave "
                          "assignments.db_url null for SQLite on a claim of its own, or give a postgresql:// URL "
                          f"in the Secret {config['kubernetes']['secret_name']}, key {secrets.ASSIGNMENTS_DB.key}",
                          key="assignments.db_url")


def _meta(api: str, kind: str, name: str, namespace: str) -> dict:
    return {"apiVersion": api, "kind": kind,
            "metadata": {"name": name, "namespace": namespace, "labels": dict(LABELS)}}


def _quantity(size) -> str:
    return f"{parse_bytes(size) // 2**20}Mi"


def _env(config: dict) -> list[dict]:
    section, base = config["assignments"], config["hub"]["base_url"]
    prefix = f"{base}services/assignments/"
    token = {"secretKeyRef": {"name": where.HUB_SECRET, "key": where.TOKEN_KEY}}
    db = ({"valueFrom": {"secretKeyRef": {"name": config["kubernetes"]["secret_name"],
                                          "key": secrets.ASSIGNMENTS_DB.key}}}
          if section["db_url"] else {"value": f"sqlite:///{DATA}/{DB_FILE}"})
    plain = {
        "JUPYTERHUB_SERVICE_NAME": "assignments",
        "JUPYTERHUB_API_URL": f"http://hub:8081{base}hub/api",
        "JUPYTERHUB_BASE_URL": base,
        "JUPYTERHUB_SERVICE_PREFIX": prefix,
        "JUPYTERHUB_SERVICE_URL": f"http://0.0.0.0:{where.PORT}",  # where it listens: every pod address
        "JUPYTERHUB_CLIENT_ID": "service-assignments",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{prefix}oauth_callback",
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": '["access:services!service=assignments", "access:services"]',
        "JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES": "[]",
        "CAMPUSHUB_CONFIG": SITE_FILE,
        "CAMPUSHUB_ASSIGNMENTS_DIR": DATA,
        "CAMPUSHUB_GRADING_PYTHON": f"{ENV_PREFIX}/bin/python",
    }
    return [{"name": "JUPYTERHUB_API_TOKEN", "valueFrom": token},
            {"name": secrets.ASSIGNMENTS_DB.env, **db},
            *({"name": k, "value": v} for k, v in plain.items())]


def _resources(config: dict) -> dict:
    section = config["assignments"]
    workers = section["workers"] or POD_WORKERS
    # every worker's kernel at its limit, plus the service and the warm kernels' runners
    memory = workers * parse_bytes(section["memory"]) + workers * 256 * 2**20 + 512 * 2**20
    cpu = workers * float(section["cpu"])
    return {"requests": {"cpu": f"{int(cpu * 1000)}m", "memory": f"{memory // 2**20}Mi"},
            "limits": {"cpu": f"{int((cpu + 1) * 1000)}m", "memory": f"{memory // 2**20}Mi"}}


def _deployment(config: dict, namespace: str, config_digest: str) -> dict:
    data = ({"persistentVolumeClaim": {"claimName": where.NAME}} if not config["assignments"]["db_url"]
            else {"emptyDir": {}})  # scratch only: the database is elsewhere
    probe = {"tcpSocket": {"port": where.PORT}, "periodSeconds": 10}
    container = {
        "name": CONTAINER,
        "image": images.assignments_image(config),
        "command": ["python3", "-m", "campushub.assignments.service"],
        "env": _env(config),
        "ports": [{"name": "http", "containerPort": where.PORT, "protocol": "TCP"}],
        "volumeMounts": [{"name": "data", "mountPath": DATA},
                         {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}],
        "resources": _resources(config),
        "readinessProbe": probe,
        "livenessProbe": {**probe, "initialDelaySeconds": 60, "failureThreshold": 6},
        "securityContext": {"privileged": True, "runAsUser": 0, "runAsGroup": 0},
    }
    return _meta("apps/v1", "Deployment", where.NAME, namespace) | {"spec": {
        "replicas": 1,
        # SQLite on a ReadWriteOnce claim: the old pod goes before the new one starts
        "strategy": {"type": "Recreate"},
        "selector": {"matchLabels": dict(LABELS)},
        "template": {
            "metadata": {
                "labels": {**LABELS, **HUB_ACCESS},
                "annotations": {
                    f"container.apparmor.security.beta.kubernetes.io/{CONTAINER}": "unconfined",
                    "campushub/config-digest": config_digest,  # a changed site file rolls the pod
                }},
            "spec": {
                "automountServiceAccountToken": False,
                "enableServiceLinks": False,
                "containers": [container],
                "volumes": [{"name": "data", **data}, {"name": "config", "configMap": {"name": CONFIG_MAP}}],
            }}}}
