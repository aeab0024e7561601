"""Which profiles (config `profiles:`) a person may run remote kernels and
jobs with: those of their groups whose size their policy allows, checked by
choose.py exactly as a server start is, so a profile can never give more
than the spawn form would."""

from __future__ import annotations

from collections.abc import Iterable

from ...config import remote_kernels
from .choose import PolicyError, choose
from .types import Choice, Policy

__all__ = ["PolicyError", "allowed_profiles", "choice_for"]


def choice_for(config: dict, policy: Policy, name: str) -> Choice:
    """The profile as a checked Choice; PolicyError (translatable, one line)
    when the person's policy does not allow it, KeyError for no such profile."""
    profile = remote_kernels.profiles(config)[name]
    env, tag = remote_kernels.environment(config, profile)
    options = {"cpu": profile["cpu"], "memory": profile["memory"], "gpus": profile["gpus"],
               "environment": f"{env}:{tag}"}
    if profile["node_pool"]:  # none named: the policy's first pool, as for a server
        options["node_pool"] = profile["node_pool"]
    return choose(policy, config, options)


def allowed_profiles(config: dict, policy: Policy, groups: Iterable[str]) -> list[str]:
    """Names of the profiles this person may use, in the file's order."""
    groups = set(groups)
    allowed = []
    for name, profile in remote_kernels.profiles(config).items():
        if not remote_kernels.in_groups(profile, groups):
            continue
        try:
            choice_for(config, policy, name)
        except PolicyError:
            continue
        allowed.append(name)
    return allowed
