"""The chart values of a release: the fragments' values deep-merged, and the
extra objects they need beside the chart.

Each fragment (a module of this package named in FRAGMENTS) maps one concern
of campushub.yaml onto Zero to JupyterHub values: `values(config) -> dict`,
and optionally `manifests(config) -> list[dict]` (objects the chart does not
make, applied with kubectl) and `notes(config) -> list[str]` (what the admin
must do or know). A new concern is one new module added to FRAGMENTS.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

FRAGMENTS = ("hub", "storage", "network", "cluster", "assignments", "analytics", "projects_page", "monitoring",
             "retention", "projects", "subdomains", "jobs",
             "remote_kernels", "help")


@dataclass
class Rendered:
    values: dict
    manifests: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def merge(base: dict, extra: dict, where: str = "") -> dict:
    """Fragments' values combined: maps merge key by key and lists add up
    (two fragments may both mount volumes); two different values for one
    setting are a bug in the fragments, not something to pick silently."""
    out = dict(base)
    for key, value in extra.items():
        name = f"{where}.{key}" if where else key
        if key not in out:
            out[key] = value
        elif isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = merge(out[key], value, name)
        elif isinstance(out[key], list) and isinstance(value, list):
            out[key] = out[key] + value
        elif out[key] != value:
            raise ValueError(f"two fragments set {name}: {out[key]!r} and {value!r}")
    return out


def fragments() -> list:
    return [importlib.import_module(f"{__package__}.{name}") for name in FRAGMENTS]


def render(config: dict) -> Rendered:
    """Everything a release of this configuration needs; raises ConfigError
    (naming the key) for a configuration the chart cannot deploy."""
    out = Rendered(values={})
    for fragment in fragments():
        out.values = merge(out.values, fragment.values(config))
        if hasattr(fragment, "manifests"):
            out.manifests += fragment.manifests(config)
        if hasattr(fragment, "notes"):
            out.notes += fragment.notes(config)
    return out
