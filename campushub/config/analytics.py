"""The analytics section: whether the service runs (and user servers record)."""

from __future__ import annotations

from collections.abc import Callable

from .assignments import enabled as assignments_enabled


def enabled(config: dict) -> bool:
    """Whether the site runs the analytics service. Unlike assignments it
    needs no course: the platform's figures (active users, servers, spawn
    times) are worth having on any site."""
    return bool(config["analytics"]["enabled"])


def check(config: dict, fail: Callable[[str, str], None]) -> None:
    """Its port, when set, is no other port of the site's: `up` checks each
    port is free before starting anything, but two of its own would both
    look free and the later one would fail to listen."""
    port = config["analytics"]["port"]
    if port is None or not enabled(config):
        return
    hub = config["hub"]
    others = {"hub.port": hub["port"], "hub.hub_port": hub["hub_port"], "hub.proxy_api_port": hub["proxy_api_port"]}
    if assignments_enabled(config):
        others["assignments.port"] = config["assignments"]["port"]
    for key, other in others.items():
        if other == port:
            fail("analytics.port", f"got {port}, which {key} uses too; choose another port or leave it null")
