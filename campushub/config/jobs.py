"""The jobs section: whether the jobs service runs, its limits, and the
checks the schema cannot express (a default profile that exists, a port of
its own). What a job is lives in campushub/jobs/model.py."""

from __future__ import annotations

from collections.abc import Callable

SERVICE_PORTS = ("assignments", "analytics", "projects", "remote_kernels", "help")


def enabled(config: dict) -> bool:
    return bool((config.get("jobs") or {}).get("enabled"))


def limits(config: dict) -> dict[str, int]:
    """max_running_per_person, max_queued_per_person and max_sweep."""
    section = config["jobs"]
    return {key: int(section[key]) for key in ("max_running_per_person", "max_queued_per_person", "max_sweep")}


def max_runtime_s(config: dict) -> float | None:
    """jobs.max_runtime_minutes in seconds; None: no limit."""
    minutes = config["jobs"].get("max_runtime_minutes")
    return float(minutes) * 60 if minutes is not None else None


def check(config: dict, fail: Callable[[str, str], None]) -> None:
    section = config["jobs"]
    default = section["default_profile"]
    if default is not None and default not in (config.get("profiles") or {}):
        known = ", ".join(sorted(config.get("profiles") or {})) or "none defined"
        fail("jobs.default_profile", f"{default!r} is not a profile (profiles: {known}); name one or use null")
    port = section["port"]
    if port is None or not enabled(config):
        return
    hub = config["hub"]
    others = {"hub.port": hub["port"], "hub.hub_port": hub["hub_port"], "hub.proxy_api_port": hub["proxy_api_port"]}
    others.update({f"{name}.port": (config.get(name) or {}).get("port") for name in SERVICE_PORTS})
    for key, other in others.items():
        if other == port:
            fail("jobs.port", f"got {port}, which {key} uses too; choose another port or leave it null")
