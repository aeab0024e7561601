"""One of our hub services in a release, whichever it is (assignments,
analytics): a Deployment of its own running `python3 -m <module>` from an
image CampusHub builds, a Service the proxy, the hub and user servers reach
it by, the site file (no secrets) in a ConfigMap, a claim for its SQLite
database unless <service>.db_url names PostgreSQL (then taken from the
Secret, by this pod only), a NetworkPolicy that lets only those three in
(or fewer: the help portal's pod lets in no user server), and the
hub.services entry the chart makes the service's token for.

SQLite on a ReadWriteOnce claim means one replica and a Recreate rollout.
What differs between the services (image, rights, resources, variables)
is a ServicePod; render/assignments.py and render/analytics.py each build
one and hand it here.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from ....config import parse_bytes
from ....config.errors import ConfigError
from .. import secrets
from ..service_place import HUB_SECRET, Place

CONFIG_DIR = "/etc/campushub"
SITE_FILE = f"{CONFIG_DIR}/campushub.yaml"
# The chart's hub lets in pods carrying this label (its NetworkPolicy).
HUB_ACCESS = {"hub.jupyter.org/network-access-hub": "true"}
# The chart's pods that call a service: the hub (groups, OAuth), the proxy
# (every browser request) and user servers (their extensions call it).
CALLERS = ("hub", "proxy", "singleuser-server")


def labels(place: Place) -> dict[str, str]:
    return {"app.kubernetes.io/part-of": "campushub", "app.kubernetes.io/component": place.service}


@dataclass(frozen=True)
class ServicePod:
    """What one service's pod is made of."""

    place: Place
    module: str  # run as `python3 -m <module>`
    image: str
    data: str  # where its claim (or scratch space) is mounted
    db: secrets.Secret | None  # the Secret key of its PostgreSQL URL; None: it keeps no database (no claim)
    db_file: str  # the SQLite file on the claim
    storage: str  # the claim's size
    resources: dict
    security: dict  # the container's securityContext
    env: Mapping[str, str] = field(default_factory=dict)  # its own plain variables
    pod_security: dict = field(default_factory=dict)  # the pod's securityContext
    annotations: Mapping[str, str] = field(default_factory=dict)
    callers: tuple[str, ...] = CALLERS  # the chart's components let in (values() must be given the same)


def values(place: Place, callers: tuple[str, ...] = CALLERS) -> dict:
    """The hub.services entry (the chart makes its token and keeps it in the
    hub's Secret; the hub's configuration adds the rest, hub/services.py, as
    locally) and egress to the service from the chart's pods that call it."""
    rule = {"to": [{"podSelector": {"matchLabels": labels(place)}}],
            "ports": [{"protocol": "TCP", "port": place.port}]}
    out = {
        "hub": {"services": {place.service: {"url": place.url()}}, "networkPolicy": {"egress": [rule]}},
        "proxy": {"chp": {"networkPolicy": {"egress": [copy.deepcopy(rule)]}}},
    }
    if "singleuser-server" in callers:
        out["singleuser"] = {"networkPolicy": {"egress": [copy.deepcopy(rule)]}}
    return out


def manifests(config: dict, pod: ServicePod, site: str) -> list[dict]:
    """ConfigMap (site: the service's campushub.yaml), Deployment, Service,
    NetworkPolicy and, for SQLite, the claim."""
    if pod.db is not None:
        check_db(config, pod.place, pod.db)
    place, namespace = pod.place, config["kubernetes"]["namespace"]
    selector = labels(place)
    out = [
        _meta(place, "v1", "ConfigMap", _config_map(place), namespace) | {"data": {"campushub.yaml": site}},
        _deployment(config, pod, namespace, hashlib.sha256(site.encode()).hexdigest()[:16]),
        _meta(place, "v1", "Service", place.name, namespace, _scrape(config, place)) | {"spec": {
            "selector": dict(selector),
            "ports": [{"name": "http", "protocol": "TCP", "port": place.port, "targetPort": place.port}]}},
        _meta(place, "networking.k8s.io/v1", "NetworkPolicy", place.name, namespace) | {"spec": {
            "podSelector": {"matchLabels": dict(selector)},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {"matchExpressions": [
                {"key": "component", "operator": "In", "values": list(pod.callers)}]}}],
                "ports": [{"protocol": "TCP", "port": place.port}]}]}},
    ]
    if _claim(config, pod):
        claim = _meta(place, "v1", "PersistentVolumeClaim", place.name, namespace) | {"spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": _quantity(pod.storage)}}}}
        if config["kubernetes"]["storage_class"]:
            claim["spec"]["storageClassName"] = config["kubernetes"]["storage_class"]
        out.append(claim)
    return out


def check_db(config: dict, place: Place, db_secret: secrets.Secret) -> None:
    service = place.service
    db = db_url(config, place)
    if db and not db.startswith("postgresql"):
        raise ConfigError(f"a Kubernetes release keeps a configured {service} database on PostgreSQL: leave "
                          f"{service}.db_url null for SQLite on a claim of its own, or give a postgresql:// URL "
                          f"in the Secret {config['kubernetes']['secret_name']}, key {db_secret.key}",
                          key=f"{service}.db_url")


def storage_note(config: dict, place: Place, db_secret: secrets.Secret, storage: str, what: str) -> str:
    """Where its data is kept, and what the admin does about it. what: e.g. "Submissions are"."""
    service = place.service
    if db_url(config, place):
        return (f"{service}.db_url is written in the configuration: it is left out of the release; put it "
                f"into the Secret {config['kubernetes']['secret_name']}, key {db_secret.key}")
    return (f"{what} kept in SQLite on the claim {place.name} ({storage}); back it up, "
            f"or set {service}.db_url to a PostgreSQL database.")


def db_url(config: dict, place: Place) -> str | None:
    """The service's <section>.db_url; a section without one (remote_kernels) keeps SQLite on its claim."""
    return (config.get(place.service.replace("-", "_")) or {}).get("db_url")


def metrics_path(config: dict, place: Place) -> str:
    return f"{config['hub']['base_url']}services/{place.service}/metrics"


def _claim(config: dict, pod: ServicePod) -> bool:
    """Whether its SQLite database needs a claim of its own."""
    return pod.db is not None and not db_url(config, pod.place)


def _config_map(place: Place) -> str:
    return f"{place.name}-config"


def _scrape(config: dict, place: Place) -> dict:
    # The annotations the chart puts on the hub's Service, for Prometheus's
    # annotation-based discovery; the path still asks for a read:metrics token.
    if not place.metrics:
        return {}
    return {"prometheus.io/scrape": "true", "prometheus.io/path": metrics_path(config, place),
            "prometheus.io/port": str(place.port)}


def _meta(place: Place, api: str, kind: str, name: str, namespace: str, annotations: dict | None = None) -> dict:
    meta = {"name": name, "namespace": namespace, "labels": labels(place)}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": api, "kind": kind, "metadata": meta}


def _quantity(size) -> str:
    return f"{parse_bytes(size) // 2**20}Mi"


def _env(config: dict, pod: ServicePod) -> list[dict]:
    place, base = pod.place, config["hub"]["base_url"]
    service = place.service
    prefix = f"{base}services/{service}/"
    token = {"secretKeyRef": {"name": HUB_SECRET, "key": place.token_key}}
    db = None if pod.db is None else (
        {"valueFrom": {"secretKeyRef": {"name": config["kubernetes"]["secret_name"], "key": pod.db.key}}}
        if db_url(config, place) else {"value": f"sqlite:///{pod.data}/{pod.db_file}"})
    plain = {
        "JUPYTERHUB_SERVICE_NAME": service,
        "JUPYTERHUB_API_URL": f"http://hub:8081{base}hub/api",
        "JUPYTERHUB_BASE_URL": base,
        "JUPYTERHUB_SERVICE_PREFIX": prefix,
        "JUPYTERHUB_SERVICE_URL": f"http://0.0.0.0:{place.port}",  # where it listens: every pod address
        "JUPYTERHUB_CLIENT_ID": f"service-{service}",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{prefix}oauth_callback",
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": f'["access:services!service={service}", "access:services"]',
        "JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES": "[]",
        "CAMPUSHUB_CONFIG": SITE_FILE,
        **pod.env,
    }
    return [{"name": "JUPYTERHUB_API_TOKEN", "valueFrom": token},
            *([{"name": pod.db.env, **db}] if db is not None else []),
            *({"name": k, "value": v} for k, v in plain.items())]


def _deployment(config: dict, pod: ServicePod, namespace: str, config_digest: str) -> dict:
    place = pod.place
    data = ({"persistentVolumeClaim": {"claimName": place.name}} if _claim(config, pod)
            else {"emptyDir": {}})  # scratch only: the database is elsewhere, or there is none
    probe = {"tcpSocket": {"port": place.port}, "periodSeconds": 10}
    container = {
        "name": place.service,
        "image": pod.image,
        "command": ["python3", "-m", pod.module],
        "env": _env(config, pod),
        "ports": [{"name": "http", "containerPort": place.port, "protocol": "TCP"}],
        "volumeMounts": [{"name": "data", "mountPath": pod.data},
                         {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}],
        "resources": pod.resources,
        "readinessProbe": probe,
        "livenessProbe": {**probe, "initialDelaySeconds": 60, "failureThreshold": 6},
        "securityContext": pod.security,
    }
    spec = {
        "automountServiceAccountToken": False,  # it talks to the hub, never to the cluster's API
        "enableServiceLinks": False,
        "containers": [container],
        "volumes": [{"name": "data", **data}, {"name": "config", "configMap": {"name": _config_map(place)}}],
    }
    if pod.pod_security:
        spec["securityContext"] = pod.pod_security
    return _meta(place, "apps/v1", "Deployment", place.name, namespace) | {"spec": {
        "replicas": 1,
        # SQLite on a ReadWriteOnce claim: the old pod goes before the new one starts
        "strategy": {"type": "Recreate"},
        "selector": {"matchLabels": labels(place)},
        "template": {
            "metadata": {
                "labels": {**labels(place), **HUB_ACCESS},
                "annotations": {
                    **pod.annotations,
                    "campushub/config-digest": config_digest,  # a changed site file rolls the pod
                }},
            "spec": spec}}}
