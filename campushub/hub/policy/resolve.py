"""From campushub.yaml and a user's groups to the one Policy that user has.

Layers, each filling only what the one above leaves out: the site's fixed
`limits`, then `policies.default`, then a group's policy. A user in several
policy groups gets the union of those groups' policies.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...config import parse_bytes
from ...config.resource_checks import IMPLICIT_ENVIRONMENT
from .types import Policy, Range

RANGES = {"cpu": float, "memory": parse_bytes, "gpus": int}


def all_environments(config: dict) -> list[tuple[str, str]]:
    """Every (environment, tag), each environment's default tag first."""
    envs = config["environments"]
    if not envs:
        return [(IMPLICIT_ENVIRONMENT, "stable")]
    pairs = []
    for name, env in envs.items():
        tags = sorted(env["tags"], key=lambda t: t != env.get("default_tag", "stable"))
        pairs += [(name, tag) for tag in tags]
    return pairs


def _base(config: dict) -> dict:
    cpu, memory = float(config["limits"]["cpu"]), parse_bytes(config["limits"]["memory"])
    return {"cpu": {"min": cpu, "max": cpu, "default": cpu},
            "memory": {"min": memory, "max": memory, "default": memory},
            "gpus": {"min": 0, "max": 0, "default": 0},
            "environments": None, "node_pools": [], "max_servers": 1, "user_environments": True}


def _overlay(base: dict, layer: dict) -> dict:
    out = dict(base)
    for key, value in layer.items():
        if key in RANGES:
            given = {k: RANGES[key](v) for k, v in value.items()}
            merged = {**base[key], **given}
            # A layer that only lowers max (or only raises min) drags the
            # inherited bounds and default along instead of contradicting them.
            if "max" in given and "min" not in given:
                merged["min"] = min(merged["min"], given["max"])
            if "min" in given and "max" not in given:
                merged["max"] = max(merged["max"], given["min"])
            merged["default"] = min(max(merged["default"], merged["min"]), merged["max"])
            out[key] = merged
        else:
            out[key] = value
    return out


def _expand(entries: list[str] | None, config: dict) -> list[tuple[str, str]]:
    every = all_environments(config)
    if entries is None:
        return every
    allowed = []
    for entry in entries:
        name, _, tag = entry.partition(":")
        allowed += [p for p in every if p[0] == name and (not tag or p[1] == tag) and p not in allowed]
    return allowed


def _union(layers: list[dict], config: dict) -> dict:
    out = {}
    for key in RANGES:
        ranges = [layer[key] for layer in layers]
        low, high = min(r["min"] for r in ranges), max(r["max"] for r in ranges)
        out[key] = {"min": low, "max": high, "default": min(max(max(r["default"] for r in ranges), low), high)}
    envs: list[tuple[str, str]] = []
    for layer in layers:
        envs += [p for p in _expand(layer["environments"], config) if p not in envs]
    # keep the site's order, not the order the groups happened to come in
    out["environments"] = [p for p in all_environments(config) if p in envs]
    pools: list[str] = []
    for layer in layers:
        pools += [p for p in layer["node_pools"] if p not in pools]
    out["node_pools"] = pools
    out["max_servers"] = max(layer["max_servers"] for layer in layers)
    out["user_environments"] = any(layer["user_environments"] for layer in layers)
    return out


def effective_policy(config: dict, groups: Iterable[str]) -> Policy:
    policies = config["policies"]
    default = _overlay(_base(config), policies["default"])
    names = sorted(set(groups) & set(policies["groups"]))
    layers = [_overlay(default, policies["groups"][g]) for g in names] or [default]
    merged = _union(layers, config)
    return Policy(
        cpu=Range(**merged["cpu"]), memory=Range(**merged["memory"]), gpus=Range(**merged["gpus"]),
        environments=tuple(merged["environments"]), node_pools=tuple(merged["node_pools"]),
        max_servers=merged["max_servers"], user_environments=merged["user_environments"],
        groups=tuple(names), cpu_guarantee_ratio=policies["cpu_guarantee_ratio"],
        memory_guarantee_ratio=policies["memory_guarantee_ratio"],
    )
