"""The Zero to JupyterHub chart's own defaults and schema, for checking
rendered values the way helm does: merge them over values.yaml, then
validate against values.schema.yaml. The chart's files are read where they
lie (CAMPUSHUB_Z2JH_CHART), never copied into the project."""

from __future__ import annotations

import copy
import os
from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

CHART = Path(os.environ.get("CAMPUSHUB_Z2JH_CHART", "/work/shared/z2jh-4.4.0"))
# Oldest Kubernetes the chart supports (Chart.yaml's kubeVersion), and newest known.
KUBERNETES_VERSIONS = ("1.28", kubernetes_validate.latest_version())


def _read(name: str) -> dict:
    path = CHART / name
    if not path.is_file():
        pytest.skip(f"Zero to JupyterHub chart files not found: {path} "
                    "(set CAMPUSHUB_Z2JH_CHART to a folder holding the chart's values.yaml and values.schema.yaml)")
    return yaml.safe_load(path.read_text())


@cache
def _defaults() -> dict:
    return _read("values.yaml")


@cache
def _validator():
    return jsonschema.Draft7Validator(_read("values.schema.yaml"))


def chart_defaults() -> dict:
    return copy.deepcopy(_defaults())


def helm_merge(base: dict, override: dict) -> dict:
    """helm's coalescing of user values over the chart's: maps merge key by
    key, anything else replaces, and null deletes the chart's key."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = helm_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def schema_errors(values: dict) -> list[str]:
    """What helm would refuse in `values` once merged over the chart's defaults."""
    merged = helm_merge(chart_defaults(), values)
    errors = sorted(_validator().iter_errors(merged), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors]


def assert_chart_accepts(values: dict) -> None:
    errors = schema_errors(values)
    assert not errors, "the chart's schema refuses the values:\n" + "\n".join(errors)


def assert_valid_manifest(manifest: dict) -> None:
    """Valid for the oldest and the newest Kubernetes the chart runs on."""
    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(manifest, version, strict=True)
