"""Checks of environments, policies and node pools that the schema cannot
express: references between sections, and min <= default <= max."""

from __future__ import annotations

from collections.abc import Callable

from .units import parse_bytes

Fail = Callable[[str, str], None]
IMPLICIT_ENVIRONMENT = "python"


def environment_names(config: dict) -> dict[str, set[str]]:
    """Environment name -> its tags; the implicit one when none is configured."""
    envs = config["environments"]
    if not envs:
        return {IMPLICIT_ENVIRONMENT: {"stable"}}
    return {name: set(env["tags"]) for name, env in envs.items()}


def check(config: dict, fail: Fail) -> None:
    for name, env in config["environments"].items():
        for tag, version in env["tags"].items():
            if version not in env["versions"]:
                fail(f"environments.{name}.tags.{tag}",
                     f"names version {version!r}, which is not under environments.{name}.versions "
                     f"({', '.join(sorted(env['versions']))})")
        default_tag = env.get("default_tag", "stable")
        if default_tag not in env["tags"]:
            fail(f"environments.{name}.default_tag",
                 f"{default_tag!r} is not one of this environment's tags ({', '.join(sorted(env['tags']))})")
    policies = config["policies"]
    _check_policy("policies.default", policies["default"], config, fail)
    for group, policy in policies["groups"].items():
        _check_policy(f"policies.groups.{group}", policy, config, fail)


def _check_policy(key: str, policy: dict, config: dict, fail: Fail) -> None:
    for field, parse in (("cpu", float), ("memory", parse_bytes), ("gpus", int)):
        spec = policy.get(field) or {}
        values = {k: parse(v) for k, v in spec.items()}
        low, high = values.get("min", 0), values.get("max")
        if high is not None and low > high:
            fail(f"{key}.{field}", f"min ({spec['min']}) is above max ({spec['max']})")
        if "default" in values and not (low <= values["default"] and (high is None or values["default"] <= high)):
            fail(f"{key}.{field}.default", f"{spec['default']} is outside min..max")
    envs = environment_names(config)
    for entry in policy.get("environments") or []:
        name, _, tag = entry.partition(":")
        if name not in envs:
            fail(f"{key}.environments", f"{entry!r}: there is no environment {name!r} "
                 f"(environments: {', '.join(sorted(envs))})")
        if tag and tag not in envs[name]:
            fail(f"{key}.environments", f"{entry!r}: environment {name!r} has no tag {tag!r} "
                 f"(tags: {', '.join(sorted(envs[name]))})")
    pools = config["kubernetes"]["node_pools"]
    for pool in policy.get("node_pools") or []:
        if pool not in pools:
            fail(f"{key}.node_pools", f"{pool!r} is not under kubernetes.node_pools "
                 f"({', '.join(sorted(pools)) or 'none defined'})")
