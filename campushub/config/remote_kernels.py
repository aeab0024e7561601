"""The profiles and remote_kernels sections: the sizes remote kernels and
notebook jobs run with, and who gets kernels from Enterprise Gateway.

Whether a person's policy allows a profile is the policy's question
(hub/policy/profiles.py, which reuses choose.py); this module stays in the
config layer: names, the kernelspec a profile becomes, and the checks the
schema cannot express."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .resource_checks import IMPLICIT_ENVIRONMENT, environment_names
from .units import parse_bytes

KERNELSPEC_PREFIX = "campushub-"


def enabled(config: dict) -> bool:
    return bool(config["remote_kernels"]["enabled"]) and bool(config["profiles"])


def profiles(config: dict) -> dict[str, dict]:
    """Profiles by name, defaults filled in, memory in bytes, display_name set."""
    return {name: {**entry, "memory": parse_bytes(entry["memory"]),
                   "display_name": entry.get("display_name") or name,
                   "groups": sorted(set(entry.get("groups") or ()))}
            for name, entry in config["profiles"].items()}


def environment(config: dict, profile: dict) -> tuple[str, str]:
    """(name, tag) of the environment whose Python runs the profile's kernels
    and jobs: the profile's, at its default tag when it names none; null is the
    first environment at its default tag (the spawn form's first choice)."""
    envs = config["environments"]
    name, _, tag = (profile.get("environment") or "").partition(":")
    if not envs:
        return IMPLICIT_ENVIRONMENT, tag or "stable"
    name = name or next(iter(envs))
    return name, tag or envs[name].get("default_tag", "stable")


def kernelspec_name(profile: str) -> str:
    return KERNELSPEC_PREFIX + profile


def profile_of(kernelspec: str) -> str | None:
    """The profile a kernelspec name stands for (None: not one of ours)."""
    return kernelspec[len(KERNELSPEC_PREFIX):] if kernelspec.startswith(KERNELSPEC_PREFIX) else None


def uses_gateway(config: dict, groups: Iterable[str]) -> bool:
    """Whether a person in these hub groups gets their kernels from the gateway."""
    wanted = config["remote_kernels"]["groups"]
    return enabled(config) and (not wanted or bool(set(wanted) & set(groups)))


def in_groups(profile: dict, groups: Iterable[str]) -> bool:
    """The profile's own group restriction ([] = everyone)."""
    return not profile["groups"] or bool(set(profile["groups"]) & set(groups))


def idle_seconds(config: dict) -> int:
    return int(config["remote_kernels"]["cull_idle_minutes"]) * 60


def check(config: dict, fail: Callable[[str, str], None]) -> None:
    envs = environment_names(config)
    pools = config["kubernetes"]["node_pools"]
    for name, entry in config["profiles"].items():
        key = f"profiles.{name}"
        if parse_bytes(entry["memory"]) < 64 * 1024**2:  # the schema's minimum does not see units
            fail(f"{key}.memory", f"got {entry['memory']!r}; must be at least 64M")
        environment = entry.get("environment")
        if environment:
            env, _, tag = environment.partition(":")
            if env not in envs:
                fail(f"{key}.environment", f"{environment!r}: there is no environment {env!r} "
                                           f"(environments: {', '.join(sorted(envs))})")
            if tag and tag not in envs[env]:
                fail(f"{key}.environment", f"{environment!r}: environment {env!r} has no tag {tag!r} "
                                           f"(tags: {', '.join(sorted(envs[env]))})")
        pool = entry.get("node_pool")
        if pool and pool not in pools:
            fail(f"{key}.node_pool", f"{pool!r} is not under kubernetes.node_pools "
                                     f"({', '.join(sorted(pools)) or 'none defined'})")
    if config["remote_kernels"]["enabled"] and not config["profiles"]:
        fail("remote_kernels.enabled", "remote kernels need at least one profile; add one under profiles: "
                                       "(e.g. small: {cpu: 2, memory: 4G})")
