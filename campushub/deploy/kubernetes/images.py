"""The image a server runs in: the one of the version its environment's tag
names at spawn time, so moving a tag reaches new servers only. The tags are
the release's own (its campushub.yaml), as locally they are the site's own
(deploy/local/environments.py): two sites never move each other's."""

from __future__ import annotations

from ...config.resource_checks import IMPLICIT_ENVIRONMENT


def default_image(config: dict) -> str:
    image = config["kubernetes"]["image"]
    return f'{image["name"]}:{image["tag"]}'


def image_for(config: dict, environment: str, tag: str) -> str:
    """Image reference for (environment, tag); raises LookupError for a pair
    the configuration does not define."""
    envs = config["environments"]
    if not envs and environment == IMPLICIT_ENVIRONMENT and tag == "stable":
        return default_image(config)
    try:
        env = envs[environment]
        version = env["versions"][env["tags"][tag]]
    except KeyError:
        raise LookupError(f"environment {environment}:{tag} is not in the configuration") from None
    return version.get("image") or default_image(config)
