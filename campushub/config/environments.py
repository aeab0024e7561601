"""Which environments a site has and which lock file each version is built
from: one answer for both deployments (a local venv, a Kubernetes image),
so a version's packages are the same everywhere."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .resource_checks import IMPLICIT_ENVIRONMENT

BUNDLED_LOCK = resources.files("campushub.singleuser").joinpath("environment.lock")


def definitions(config: dict) -> dict:
    """The configured environments, or the implicit one built from user_env.lock_file."""
    if config["environments"]:
        return config["environments"]
    return {IMPLICIT_ENVIRONMENT: {"title": "Python", "description": "", "show_packages": [],
                                   "versions": {"default": {"lock_file": None}},
                                   "tags": {"stable": "default"}, "default_tag": "stable"}}


def lock_for(config: dict, version: dict) -> Path:
    return Path(version.get("lock_file") or config["user_env"]["lock_file"] or BUNDLED_LOCK)
