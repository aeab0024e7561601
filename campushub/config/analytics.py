"""The analytics section: whether the service runs (and user servers record)."""

from __future__ import annotations


def enabled(config: dict) -> bool:
    """Whether the site runs the analytics service. Unlike assignments it
    needs no course: the platform's figures (active users, servers, spawn
    times) are worth having on any site."""
    return bool(config["analytics"]["enabled"])
