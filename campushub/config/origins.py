"""hub.subdomain_host: each person's servers (and each service) on an origin
of its own, JupyterHub's subdomain_host. Checks the schema cannot express."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit


def subdomain_host(config: dict) -> str:
    """The hub's address when servers live on subdomains of it, else ""."""
    return config["hub"]["subdomain_host"] or ""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def check(config: dict, fail: Callable[[str, str], None]) -> None:
    url = subdomain_host(config)
    if not url:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _is_ip(host) or "." not in host:
        fail("hub.subdomain_host", f"got {url!r}; needs a DNS name whose subdomains reach the hub "
             "(wildcard DNS), e.g. https://hub.example.org or http://hub.localhost:8000, not an IP address")
    public = config["hub"]["public_url"]
    if public and urlsplit(public)[:2] != parts[:2]:
        fail("hub.public_url", f"differs from hub.subdomain_host ({url}); browsers reach the hub at "
             "hub.subdomain_host: leave public_url out or make them the same")
    if config["hub"]["https"]["cert"] and parts.scheme != "https":
        fail("hub.subdomain_host", "the proxy serves HTTPS (hub.https.cert): start it with https://")
