"""The hub pod: our image, campushub.yaml mounted without its secrets, the
secrets from Kubernetes Secrets, the hub database on PostgreSQL, and the hub
configuration loaded by hub_config.apply_from_file.

The site file is a chart `hub.extraFiles` entry rather than a ConfigMap of
our own: the chart keeps it in the hub's Secret, whose checksum restarts the
hub when the file changes, and `helm upgrade` alone deploys it (no separate
kubectl apply to forget)."""

from __future__ import annotations

from ....config import ConfigError
from ....config.resource_checks import IMPLICIT_ENVIRONMENT
from ....hub import services
from .. import secrets
from ..images import image_for
from . import images
from .cluster import split_reference
from .text import dump

SITE_FILE = "/etc/campushub/campushub.yaml"
EXTRA_CONFIG = (
    "from campushub.deploy.kubernetes.hub_config import apply_from_file\n"
    f'apply_from_file(c, "{SITE_FILE}")\n'
)


def _split(config: dict) -> secrets.Split:
    try:
        split = secrets.split(config)
    except ValueError as e:
        raise ConfigError("holds a secret a Kubernetes release cannot take from a Secret; "
                          "leave it out of the file for Kubernetes", key=str(e)) from None
    db = config["hub"]["db_url"]
    if db and not db.startswith("postgresql"):
        raise ConfigError("a Kubernetes release keeps the hub database on PostgreSQL (the hub pod keeps "
                          f"no files): give a postgresql:// URL in the Secret {config['kubernetes']['secret_name']}, "
                          "key hub-db-url, and leave hub.db_url out", key="hub.db_url")
    return split


def wired(config: dict) -> list[secrets.Secret]:
    """The secrets the hub takes from the Secret kubernetes.secret_name."""
    return _split(config).wired


def site_file(config: dict) -> str:
    """campushub.yaml as the hub pod reads it: the effective configuration
    with every secret value left out (the hub fills them from its env)."""
    # the pod has no lock files to derive the built images' refs from
    config = images.with_image_refs(config)
    return ("# Written by `campushub k8s render`; secrets come from the hub's environment.\n"
            + dump(_split(config).mounted))


def _env(config: dict) -> dict:
    name = config["kubernetes"]["secret_name"]
    env = {s.env: {"valueFrom": {"secretKeyRef": {"name": name, "key": s.key}}} for s in _split(config).wired}
    # Services' API tokens (hub/services.py) are optional: a release that
    # gives none simply runs without that service.
    for service, var in services.token_envs():
        env[var] = {"valueFrom": {"secretKeyRef": {"name": name, "key": f"{service}-api-token", "optional": True}}}
    return env


def _files(config: dict) -> dict:
    files = secrets.files_needed(config)
    if not files:
        return {}
    volume = "campushub-files"
    return {
        "extraVolumes": [{"name": volume, "secret": {
            "secretName": config["kubernetes"]["files_secret_name"],
            "items": [{"key": f.key, "path": f.key} for f, _ in files],
            # group-readable: the chart's fsGroup is the hub's group, and the hub does not run as root
            "defaultMode": 0o440,
        }}],
        "extraVolumeMounts": [{"name": volume, "mountPath": path, "subPath": f.key, "readOnly": True}
                              for f, path in files],
    }


def _image(ref: str) -> dict:
    name, tag = split_reference(ref)
    return {"name": name, "tag": tag}


def default_user_image(config: dict) -> str:
    """The image of the environment the spawn form offers first; the spawner
    picks each server's own image at spawn time (images.image_for)."""
    if not config["environments"]:
        return image_for(config, IMPLICIT_ENVIRONMENT, "stable")
    name, env = next(iter(config["environments"].items()))
    tag = env.get("default_tag", "stable")
    return image_for(config, name, tag if tag in env["tags"] else next(iter(env["tags"])))


def values(config: dict) -> dict:
    return {
        "hub": {
            "image": _image(images.hub_image(config)),
            "baseUrl": config["hub"]["base_url"],
            # What hub_config sets anyway (hub/settings.py): starts beyond
            # the chart's 64 wait in the fair line instead of being refused.
            "concurrentSpawnLimit": config["hub"]["concurrent_spawn_limit"],
            "db": {"type": "postgres", "upgrade": True},
            "extraFiles": {"campushub-yaml": {"mountPath": SITE_FILE, "stringData": site_file(config)}},
            "extraConfig": {"10-campushub": EXTRA_CONFIG},
            "extraEnv": _env(config),
            **_files(config),
        },
        # The spawn form replaces the chart's profiles (singleuser.profileList).
        "singleuser": {"image": _image(default_user_image(config))},
    }


def notes(config: dict) -> list[str]:
    split = _split(config)
    name = config["kubernetes"]["secret_name"]
    out = [f"{s.dotted} is written in the configuration: it is left out of the release; "
           f"put it into the Secret {name}, key {s.key}" for s in split.moved]
    site_db = config["auth"]["site_token"]["database"]["url"] or ""
    if config["auth"]["type"] == "site_token" and site_db.startswith("sqlite"):
        out.append("auth.site_token.database.url is a SQLite file: the hub pod must see it at that path "
                   "(mount it with hub.extraVolumes), or point it at the site's database server")
    mounts = [v["mount_path"] for v in config["kubernetes"]["shared_volumes"].values()]
    for name, course in config["courses"].items():
        path = (course["repo"] or "").removeprefix("file://")
        if path != (course["repo"] or "") and not any(path.startswith(m + "/") for m in mounts):
            out.append(f"courses.{name}.repo is a folder on this machine ({path}), which user pods cannot see: "
                       "give the git server's URL, or keep the repository on a shared volume mounted there "
                       "(kubernetes.shared_volumes)")
    if config["hub"]["https"]["cert"]:
        out.append("hub.https is not used on Kubernetes: TLS ends at the chart's proxy (proxy.https) or an ingress")
    return out
