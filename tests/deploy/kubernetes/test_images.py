"""Which image an environment's tag resolves to."""

from __future__ import annotations

import pytest

from campushub.deploy.kubernetes import image_for

from .cases import DEFAULT_SITE, DIGEST, SITE


def test_version_image_then_site_image():
    assert image_for(SITE, "ds", "stable") == "registry.example.com/ds:2026.11"
    assert image_for(SITE, "ds", "dev") == "registry.example.com/base:2026.10"
    assert image_for(SITE, "pinned", "stable") == f"registry.example.com/pinned@{DIGEST}"


def test_implicit_environment_runs_the_site_image():
    assert image_for(DEFAULT_SITE, "python", "stable") == "quay.io/jupyter/scipy-notebook:latest"


@pytest.mark.parametrize("config,environment,tag", [
    (SITE, "missing", "stable"),
    (SITE, "ds", "hotfix"),
    (SITE, "python", "stable"),  # implicit only while no environment is configured
    (DEFAULT_SITE, "python", "dev"),
])
def test_undefined_pairs_are_refused(config, environment, tag):
    with pytest.raises(LookupError, match=f"{environment}:{tag}"):
        image_for(config, environment, tag)
