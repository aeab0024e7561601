"""Which image an environment's tag resolves to."""

from __future__ import annotations

import pytest

from campushub.config import validate
from campushub.deploy.kubernetes import image_for
from campushub.deploy.kubernetes.render.images import user_image

from .cases import DEFAULT_SITE, DIGEST, SITE


def test_version_image_then_site_image():
    assert image_for(SITE, "ds", "stable") == "registry.example.com/ds:2026.11"
    assert image_for(SITE, "ds", "dev") == "registry.example.com/base:2026.10"
    assert image_for(SITE, "pinned", "stable") == f"registry.example.com/pinned@{DIGEST}"


def test_implicit_environment_runs_the_image_campushub_builds():
    ref = image_for(DEFAULT_SITE, "python", "stable")
    assert ref == user_image(DEFAULT_SITE, "python", "default")
    assert ref.startswith("campushub-user:python-default-")


def test_site_image_replaces_the_built_ones():
    config = validate({"kubernetes": {"image": {"name": "quay.io/jupyter/scipy-notebook", "tag": "2026-11-02"}}})
    assert image_for(config, "python", "stable") == "quay.io/jupyter/scipy-notebook:2026-11-02"


@pytest.mark.parametrize("config,environment,tag", [
    (SITE, "missing", "stable"),
    (SITE, "ds", "hotfix"),
    (SITE, "python", "stable"),  # implicit only while no environment is configured
    (DEFAULT_SITE, "python", "dev"),
])
def test_undefined_pairs_are_refused(config, environment, tag):
    with pytest.raises(LookupError, match=f"{environment}:{tag}"):
        image_for(config, environment, tag)
