"""Links to the help portal from what the hub says outside its pages: the
memory warning a kernel prints (singleuser/memory_watch.py, which imports
nothing of CampusHub: its text comes whole, translated, at spawn) and the
message of a server that ran out of memory while starting. Only while the
site runs the help service (help.enabled)."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..config.help import enabled
from ..help import links as help_links
from ..i18n import N_, translate
from .server_env import MEMORY_WARNING

WHAT_TO_DO = N_("What to do: {url}")


def links(hub: dict) -> help_links.Links:
    """The portal's links as the hub's pages give them: with hub.subdomain_host the service has an
    origin of its own (JupyterHub's default subdomain_hook, "idna": help--service.<host>)."""
    host = hub.get("subdomain_host") or ""
    if not host:
        return help_links.Links(hub["base_url"])
    from jupyterhub.utils import subdomain_hook_idna  # the hub's process only

    parts = urlsplit(host)
    domain = subdomain_hook_idna(help_links.NAME, parts.hostname, "service")
    return help_links.Links(hub["base_url"], f"{parts.scheme}://{domain}" + (f":{parts.port}" if parts.port else ""))


def page_url(config: dict, lang: str, page: str) -> str:
    """A page's address in text a person reads outside the hub's pages: whole where the site says where
    browsers reach it (hub.public_url; a terminal or a notebook makes such a URL a link), else its path."""
    hub = config["hub"]
    found = links(hub).url(lang, page)
    return found if "://" in found else (hub.get("public_url") or "").rstrip("/") + found


def what_to_do(config: dict | None, lang: str, page: str) -> str:
    """" What to do: <url>" to add to a message, or "" without the help service."""
    if not config or not enabled(config):
        return ""
    return " " + translate(lang, WHAT_TO_DO, url=page_url(config, lang, page))


def server_env(config: dict | None, lang: str) -> dict[str, str]:
    """The kernel's memory warning with the portal's memory page (server_env.add_shared sets it without)."""
    extra = what_to_do(config, lang, help_links.MEMORY)
    # the kernel fills in {used} and {limit} with str.format: braces of the address stay braces
    extra = extra.replace("{", "{{").replace("}", "}}")
    return {"CAMPUSHUB_MEMORY_WARNING": translate(lang, MEMORY_WARNING) + extra} if extra else {}
