"""Secrets of a release: never in the chart values or the mounted campushub.yaml.

Each secret setting lives in one Kubernetes Secret (kubernetes.secret_name) under
its own key; the rendered values hand it to the hub as a CAMPUSHUB_* environment
variable through secretKeyRef, and the hub puts it back into the configuration
it loaded from the mounted file (fill_from_env). Settings that name a *file*
(a Google service account key, the site's API key, CA bundles) are mounted from
a second Secret (kubernetes.files_secret_name) at the path the file names, so
the configuration stays the same as locally.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import NamedTuple

from ...config import auth_sections, exposure
from ...config.loader import schema


class Secret(NamedTuple):
    path: tuple[str, ...]  # where the value sits in campushub.yaml
    env: str  # the hub container's environment variable
    key: str  # the key in the Secret kubernetes.secret_name

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


HUB_DB = Secret(("hub", "db_url"), "CAMPUSHUB_HUB_DB_URL", "hub-db-url")
# The assignments service's, not the hub's: render/assignments.py hands it to
# that Deployment only (of_config leaves it out of the hub's environment).
ASSIGNMENTS_DB = Secret(("assignments", "db_url"), "CAMPUSHUB_ASSIGNMENTS_DB_URL", "assignments-db-url")
# Likewise the analytics service's (render/analytics.py).
ANALYTICS_DB = Secret(("analytics", "db_url"), "CAMPUSHUB_ANALYTICS_DB_URL", "analytics-db-url")
# And the jobs service's (render/jobs.py).
JOBS_DB = Secret(("jobs", "db_url"), "CAMPUSHUB_JOBS_DB_URL", "jobs-db-url")


def _auth_secret(kind: str, key: str) -> Secret:
    # auth.oidc.client_secret -> CAMPUSHUB_OIDC_CLIENT_SECRET, key oidc-client-secret
    name = f"{kind}.{key}".replace(".", "_")
    return Secret(("auth", kind, *key.split(".")), f"CAMPUSHUB_{name.upper()}", name.replace("_", "-"))


def table() -> tuple[Secret, ...]:
    """Every secret setting: the hub, assignments, analytics and jobs database URLs, and the keys each auth
    section of the schema marks `x-secret` (a type added through the auth
    registry brings its own, with no edit here)."""
    sections = schema()["properties"]["auth"]["properties"]
    return (HUB_DB, ASSIGNMENTS_DB, ANALYTICS_DB, JOBS_DB,
            *(_auth_secret(kind, key) for kind, section in sections.items() for key in section.get("x-secret", ())))


class SecretFile(NamedTuple):
    path: tuple[str, ...]  # the setting holding the file's absolute path
    key: str  # the key in the Secret kubernetes.files_secret_name

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


def secret_files() -> tuple[SecretFile, ...]:
    """Every setting naming a secret file: the keys each auth section of the
    schema lists in `x-secret-files`, with the file's key in the Secret (a
    type added through the auth registry brings its own, as for table())."""
    sections = schema()["properties"]["auth"]["properties"]
    return tuple(SecretFile(("auth", kind, *key.split(".")), name) for kind, section in sections.items()
                 for key, name in section.get("x-secret-files", {}).items())


def get(config: Mapping, path: tuple[str, ...]):
    """The value at `path`, or None where any part is missing."""
    node = config
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _put(config: dict, path: tuple[str, ...], value) -> None:
    node = config
    for part in path[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[path[-1]] = value


def fill_from_env(config: dict, environ: Mapping[str, str]) -> dict:
    """A copy of `config` with each secret taken from its environment variable
    when that is set and not empty. Works on a loaded configuration and on a
    raw parsed file alike (missing sections are created), so a caller may fill
    before validating."""
    out = copy.deepcopy(config)
    for secret in table():
        value = environ.get(secret.env)
        if value:
            _put(out, secret.path, value)
    return out


def sensitive(config: dict) -> set[str]:
    """Dotted names of the settings whose value must not be written into the
    release: the ones the local file-permission check protects, and every
    secret setting that has a value, whatever its form (a database URL may
    carry its password as ?password=, or one the URL check cannot see), but
    a SQLite file, which has no credentials."""
    found = set(exposure.secret_keys(config))
    for secret in table():
        value = get(config, secret.path)
        if value and not (isinstance(value, str) and value.startswith("sqlite")):
            found.add(secret.dotted)
    return found


def of_config(config: dict) -> list[Secret]:
    """The secrets this configuration uses: the hub database's (PostgreSQL on
    Kubernetes), and those of its auth type."""
    kind = config["auth"]["type"]
    return [s for s in table() if s is HUB_DB or s.path[0] == "auth" and s.path[1] == kind]


def files_needed(config: dict) -> list[tuple[SecretFile, str]]:
    """(file, its configured path) for each secret file the configuration names."""
    kind = config["auth"]["type"]
    return [(f, get(config, f.path)) for f in secret_files()
            if f.path[1] == kind and get(config, f.path)]


class Split(NamedTuple):
    mounted: dict  # the configuration the hub reads from its file: no secret value in it
    wired: list[Secret]  # secrets the hub takes from the Secret
    moved: list[Secret]  # secrets written in the file, which the admin must put into the Secret


def split(config: dict) -> Split:
    """Where each secret of `config` goes in a release. Raises ValueError
    naming a setting that holds a secret this table has no place for."""
    keep_out = sensitive(config)
    every = table()
    stray = sorted(keep_out - {s.dotted for s in every})
    if stray:
        raise ValueError(stray[0])
    mounted = copy.deepcopy(config)
    for secret in every:
        if secret.dotted in keep_out:
            _put(mounted, secret.path, None)
    missing = [s for s in of_config(config) if not get(mounted, s.path)]
    wired = [s for s in missing if _required(mounted, s, missing)]
    return Split(mounted, wired, [s for s in wired if s.dotted in keep_out])


def _required(mounted: dict, secret: Secret, missing: list[Secret]) -> bool:
    """Whether the auth type's own checks (auth_sections.py) need `secret`
    once the other missing secrets are there: such a key the hub cannot
    start without, so its secretKeyRef is not optional and a release without
    it stops at the pod, naming the key."""
    if secret is HUB_DB:
        return True
    probe = copy.deepcopy(mounted)
    for other in missing:
        if other is not secret:
            _put(probe, other.path, "set")
    failed = []
    auth_sections.check(probe, schema(), lambda key, message: failed.append(key))
    return bool(failed)
