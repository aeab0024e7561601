"""The apps section: whether people may run apps (Streamlit, Dash, Panel,
Voila, a command) as named servers, which kinds, and how many at once."""

from __future__ import annotations

FRAMEWORKS = ("streamlit", "dash", "panel", "voila")


def enabled(config: dict) -> bool:
    return bool(config["apps"]["enabled"]) and max_per_person(config) > 0 and bool(kinds(config))


def kinds(config: dict) -> list[str]:
    """The kinds a request may name: the configured frameworks, plus
    "command" when allow_command is on."""
    section = config["apps"]
    return [*(k for k in FRAMEWORKS if k in section["kinds"]), *(["command"] if section["allow_command"] else [])]


def max_per_person(config: dict) -> int:
    """Most apps one person runs at once, on top of the servers their policy allows."""
    return int(config["apps"]["max_per_person"])


def sharing_allowed(config: dict) -> bool:
    """Whether anyone but its owner may open an app: an app's own JavaScript
    runs in the viewer's browser on the app's origin, which is the hub's
    unless hub.subdomain_host gives each person's servers their own
    (or the site accepts the risk: apps.share_on_hub_origin)."""
    return bool(config.get("hub", {}).get("subdomain_host")) or bool(config["apps"].get("share_on_hub_origin"))


def sharing_note(config: dict) -> str | None:
    """What `campushub config check` says about sharing apps, if anything."""
    if not enabled(config) or config["hub"]["subdomain_host"]:
        return None
    if config["apps"]["share_on_hub_origin"]:
        return ("warning: apps.share_on_hub_origin: shared apps run on the hub's origin, where an app's page "
                "can act as its viewers (an admin too); set hub.subdomain_host instead where you can")
    return ("note: apps open for their owners only: sharing them needs hub.subdomain_host "
            "(wildcard DNS and certificate) or apps.share_on_hub_origin")
