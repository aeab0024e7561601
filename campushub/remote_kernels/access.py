"""What a person may ask of the gateway, decided here and nowhere else: which
kernelspecs (profiles their groups and policy allow, checked by the policy's
own choose.py through hub/policy/profiles.py) and which environment a kernel
starts with. The environment is rebuilt from an allowlist whatever the client
sent; KERNEL_USERNAME is always the person the hub token belongs to."""

from __future__ import annotations

import json
import posixpath

from ..config import remote_kernels as section
from ..hub.policy.profiles import allowed_profiles
from ..hub.policy.resolve import effective_policy

# read by the local launcher (deploy/local/remote_kernels/account.py): the gids it gives the kernel
PROJECTS_VAR = "KERNEL_CAMPUSHUB_PROJECTS"
MAX_PATH = 4096
MAX_LAUNCH_TIMEOUT = 600


def kernelspecs(config: dict, groups: list[str]) -> list[str]:
    """The kernelspec names (campushub-<profile>) this person may start, in the file's order; [] when the
    site's remote_kernels.groups leave them out."""
    if not section.uses_gateway(config, groups):
        return []
    policy = effective_policy(config, groups)
    return [section.kernelspec_name(p) for p in allowed_profiles(config, policy, groups)]


def _working_dir(value) -> str | None:
    # The launcher changes there as the person (after dropping root), so a path they cannot enter fails as
    # theirs; only its shape is checked here.
    if not isinstance(value, str) or not value.startswith("/") or len(value) > MAX_PATH or "\0" in value:
        return None
    if posixpath.normpath(value) != value.rstrip("/") or value == "/" or "//" in value:
        return None  # no "..", no "//", no "/."
    return value


def _launch_timeout(value) -> str | None:
    if not isinstance(value, str) or not value.isdigit() or len(value) > 4:
        return None
    return str(min(int(value), MAX_LAUNCH_TIMEOUT))


ALLOWED = {"KERNEL_WORKING_DIR": _working_dir, "KERNEL_LAUNCH_TIMEOUT": _launch_timeout}


def kernel_env(sent, person: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The env EG gets on a kernel start: the allowed variables the client sent (each checked), the
    deployment's own (`extra`: kernel pods' volumes and sizes on Kubernetes), and KERNEL_USERNAME last."""
    env = {}
    for key, check in ALLOWED.items():
        value = check(sent.get(key)) if isinstance(sent, dict) else None
        if value is not None:
            env[key] = value
    extra = extra or {}
    env.update(extra)
    # On Kubernetes EG YAML-parses every KERNEL_*: the deployment may send the name JSON-quoted (a name such as
    # "*bob" is no YAML scalar); any other value is not this person and is replaced.
    spelled = extra.get("KERNEL_USERNAME")
    env["KERNEL_USERNAME"] = spelled if spelled in (person, json.dumps(person)) else person
    return env


def deployment_env(config: dict, backend: str, person: str, kernelspec: str, groups: list[str],
                   projects: list[str]) -> dict[str, str]:
    """What the deployment adds from what the hub knows of the person: locally their projects (the launcher gives
    the kernel those groups' gids); on Kubernetes the kernel pod's volumes (home, projects, shared), sizes and
    pool (deploy/kubernetes/remote_kernels.py; KeyError or PolicyError when the profile is not theirs)."""
    if backend == "kubernetes":
        from ..deploy.kubernetes.remote_kernels import kernel_env

        return kernel_env(config, person, section.profile_of(kernelspec), groups, projects)
    return {PROJECTS_VAR: ",".join(projects)}
