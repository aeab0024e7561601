"""The help section: whether the help portal runs, where the organisation's
pages are, its section's title, and the check the schema cannot express (a
port of its own). Building the portal is campushub/help/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..i18n import DEFAULT, N_, translate
from .jobs import SERVICE_PORTS

ORGANISATION = N_("Your organisation")


def enabled(config: dict) -> bool:
    return bool((config.get("help") or {}).get("enabled"))


def pages_dir(config: dict) -> Path | None:
    """The organisation's pages folder; None: only the shipped guides."""
    folder = (config.get("help") or {}).get("pages_dir")
    return Path(folder) if folder else None


def title(config: dict, lang: str) -> str:
    """The organisation section's title in `lang`: as configured, else the
    configured English one, else the catalog's "Your organisation"."""
    titles = (config.get("help") or {}).get("title") or {}
    return titles.get(lang) or titles.get(DEFAULT) or translate(lang, ORGANISATION)


def check(config: dict, fail: Callable[[str, str], None]) -> None:
    port = config["help"]["port"]
    if port is None or not enabled(config):
        return
    hub = config["hub"]
    others = {"hub.port": hub["port"], "hub.hub_port": hub["hub_port"], "hub.proxy_api_port": hub["proxy_api_port"]}
    others.update({f"{name}.port": (config.get(name) or {}).get("port") for name in (*SERVICE_PORTS, "jobs")
                   if name != "help"})
    for key, other in others.items():
        if other == port:
            fail("help.port", f"got {port}, which {key} uses too; choose another port or leave it null")
