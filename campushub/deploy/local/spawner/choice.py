"""A checked choice put into effect for a local server: cgroup values, the
environment's venv (its tag resolved now, so a moved tag reaches only
servers started from now on), GPUs, and whether user config is allowed."""

from __future__ import annotations

import os

from ....hub.policy.types import Choice, Policy
from ....i18n import N_, translate
from .. import environments
from . import gpus
from .readiness import user_facing

NO_GPUS = N_("{requested} GPU(s) requested, but only {free} of this machine's {total} are free. Choose fewer, or try again later.")  # noqa: E501
NOT_BUILT = N_("The environment {name} ({tag}) is not ready on this machine. Ask an administrator to run campushub env build.")  # noqa: E501


def apply_choice(spawner, choice: Choice, policy: Policy) -> None:
    spawner.cpu_limit = choice.cpu_limit
    spawner.cpu_guarantee = choice.cpu_guarantee
    spawner.mem_limit = choice.mem_limit
    spawner.mem_guarantee = choice.mem_guarantee
    spawner.gpus = choice.gpus
    # Locked-down groups: nothing from the home directory changes the server.
    spawner.disable_user_config = not policy.user_environments
    env_dir = _env_dir(spawner, choice)
    if env_dir:
        spawner.env_dir = env_dir
        spawner.cmd = [os.path.join(env_dir, "bin", "jupyterhub-singleuser")]


def _env_dir(spawner, choice: Choice) -> str | None:
    if not spawner.environments_root:
        return None  # a plain jupyterhub_config.py setup: env_dir as configured
    try:
        found = environments.resolve(spawner.environments_root, choice.environment, choice.tag)
    except (LookupError, OSError):
        raise user_facing(translate(spawner.language(), NOT_BUILT, name=choice.environment, tag=choice.tag),
                          f"environment {choice.environment}:{choice.tag} is not built", 503) from None
    spawner.environment_label = f"{choice.environment}:{choice.tag} ({found.version})"
    return str(found.env_dir)


def reserve_gpus(spawner) -> list[str]:
    try:
        return gpus.allocate(spawner.cgroup_name, spawner.gpus, spawner.nvidia_smi)
    except gpus.GPUUnavailable as e:
        raise user_facing(translate(spawner.language(), NO_GPUS, requested=e.requested, free=e.free,
                                    total=e.total), f"{spawner._log_name}: {e}", 503) from None


def environment_info(spawner, policy: Policy) -> list[dict]:
    """What the form shows of each allowed environment: tags, versions, packages."""
    described = {}
    if spawner.environments_root:
        try:
            described = {info["name"]: info for info in environments.describe(
                spawner.environments_root, spawner.config_dict)}
        except OSError:
            described = {}
    out: dict[str, dict] = {}
    for name, tag in policy.environments:
        # the configuration's words when nothing is built here to describe
        conf = spawner.config_dict["environments"].get(name, {})
        info = described.get(name) or conf
        entry = out.setdefault(name, {"name": name, "title": info.get("title") or name,
                                      "description": info.get("description", ""), "tags": []})
        tag_info = (described.get(name, {}).get("tags") or {}).get(tag, {})
        entry["tags"].append({"tag": tag, "version": tag_info.get("version") or (conf.get("tags") or {}).get(tag),
                              "packages": tag_info.get("packages") or {},
                              "built": tag_info.get("built", not spawner.environments_root)})
    return list(out.values())
