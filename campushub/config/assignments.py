"""The assignments section: whether the service runs, and the checks its
sizes need (the schema cannot compare "512K" with "64M")."""

from __future__ import annotations

from collections.abc import Callable

from .units import parse_bytes

Fail = Callable[[str, str], None]
# what one kernel needs to start at all; less and every submission scores 0 "out of memory"
MIN_MEMORY = 64 * 1024**2
MIN_FILE = 1024


def enabled(config: dict) -> bool:
    """Whether the site runs the assignments service: as set, else when any course exists."""
    flag = config["assignments"]["enabled"]
    return bool(config["courses"]) if flag is None else flag


def check(config: dict, fail: Fail) -> None:
    section = config["assignments"]
    for key, least, shown in (("memory", MIN_MEMORY, "64M"), ("storage", MIN_MEMORY, "64M"),
                              ("max_notebook_size", MIN_FILE, "1K")):
        if parse_bytes(section[key]) < least:
            fail(f"assignments.{key}", f"got {section[key]!r}; must be at least {shown}")
