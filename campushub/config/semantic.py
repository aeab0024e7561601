"""Checks the schema cannot express: settings that need each other."""

from __future__ import annotations

from typing import Any

from . import (
    analytics,
    assignments,
    auth_sections,
    culling,
    help,
    jobs,
    kubernetes_checks,
    origins,
    projects,
    remote_kernels,
    resource_checks,
    retention,
)
from .errors import ConfigError, line_of
from .units import parse_bytes


def check(config: dict, doc: Any, path: str | None) -> None:
    def fail(key: str, message: str):
        keys = [int(k) if k.isdigit() else k for k in key.split(".")]  # list items by index
        line = None
        while keys and line is None:  # the key itself may be absent: point at its parent
            line = line_of(doc, keys)
            keys = keys[:-1]
        raise ConfigError(message, path=path, key=key, line=line)

    mem = config["limits"]["memory"]
    if parse_bytes(mem) < 64 * 1024**2:
        fail("limits.memory", f"got {mem!r}; must be at least 64M")
    https = config["hub"]["https"]
    if bool(https["cert"]) != bool(https["key"]):
        fail("hub.https", "set both cert and key, or neither")
    if config["embedding"]["allowed_origins"] and not (
        https["cert"] or (config["hub"]["public_url"] or "").startswith("https://")
    ):
        fail("embedding.allowed_origins",
             "embedding needs HTTPS (browsers send iframe cookies only over HTTPS); "
             "set hub.https.cert and hub.https.key, or hub.public_url to the https:// "
             "address of the TLS proxy in front")
    from .loader import schema  # here: the loader imports this module

    # Each auth type states its own checks in its schema section. A file for
    # Kubernetes (it has a kubernetes: section) may leave its secrets out: the
    # release's Secret supplies them (deploy/kubernetes/secrets.py).
    from_secret = isinstance(doc, dict) and "kubernetes" in doc
    auth_sections.check(config, schema(), fail, from_secret)
    resource_checks.check(config, fail)
    kubernetes_checks.check(config, fail)
    assignments.check(config, fail)
    analytics.check(config, fail)
    retention.check(config, fail)
    culling.check(config, fail)
    projects.check(config, fail)
    remote_kernels.check(config, fail)
    jobs.check(config, fail)
    help.check(config, fail)
    origins.check(config, fail)
