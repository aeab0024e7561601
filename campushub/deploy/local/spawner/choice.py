"""The local server's part of a checked choice (PolicyMixin.apply_choice sets
the limits): GPUs, and the environment's venv, its tag resolved now so a
moved tag reaches only servers started from now on. Also what the form shows
of this machine's builds, and the GPUs reserved at start."""

from __future__ import annotations

import os

from ....hub.policy.types import Choice
from ....i18n import N_, translate
from .. import environments
from . import app_server, gpus
from .readiness import user_facing

NO_GPUS = N_("{requested} GPU(s) requested, but only {free} of this machine's {total} are free. Choose fewer, or try again later.")  # noqa: E501
NOT_BUILT = N_("The environment {name} ({tag}) is not ready on this machine. Ask an administrator to run campushub env build.")  # noqa: E501


def apply_backend_choice(spawner, choice: Choice) -> None:
    spawner.gpus = choice.gpus
    env_dir = _env_dir(spawner, choice)
    if env_dir:
        spawner.env_dir = env_dir
        spawner.cmd = [os.path.join(env_dir, "bin", "jupyterhub-singleuser")]
    app_server.apply(spawner)  # an app: the app proxy instead


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


def built_environments(spawner) -> dict[str, dict] | None:
    """The site's published builds (tags, versions, packages), for the form."""
    if not spawner.environments_root:
        return None  # a plain jupyterhub_config.py setup: nothing here to look at
    try:
        return {info["name"]: info for info in environments.describe(spawner.environments_root, spawner.site_config)}
    except OSError:
        return {}  # nothing readable: nothing shown as ready


def reserve_gpus(spawner) -> list[str]:
    try:
        return gpus.allocate(spawner.cgroup_name, spawner.gpus, spawner.nvidia_smi)
    except gpus.GPUUnavailable as e:
        raise user_facing(translate(spawner.language(), NO_GPUS, requested=e.requested, free=e.free,
                                    total=e.total), f"{spawner._log_name}: {e}", 503) from None
