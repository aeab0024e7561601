"""The image a server runs in: the one of the version its environment's tag
names at spawn time, so moving a tag reaches new servers only. The tags are
the release's own (its campushub.yaml), as locally they are the site's own
(deploy/local/environments.py): two sites never move each other's.

A version runs, in order: its own `image`, the site's kubernetes.image, or
the user image CampusHub builds from its lock (render/images.py), whose ref
the build and the chart values share with this."""

from __future__ import annotations

from ...config.environments import definitions
from .render.images import user_image


def image_for(config: dict, environment: str, tag: str) -> str:
    """Image reference for (environment, tag); raises LookupError for a pair
    the configuration does not define."""
    try:
        env = definitions(config)[environment]
        version = env["tags"][tag]
        spec = env["versions"][version]
    except KeyError:
        raise LookupError(f"environment {environment}:{tag} is not in the configuration") from None
    site = config["kubernetes"]["image"]
    if spec.get("image"):
        return spec["image"]
    if site.get("name"):
        return f'{site["name"]}:{site["tag"]}'
    return user_image(config, environment, version)
