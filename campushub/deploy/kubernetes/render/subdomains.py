"""hub.subdomain_host on Kubernetes: the chart's proxy (configurable-http-proxy)
routes by host. The hub takes subdomain_host from campushub.yaml (hub/settings.py)
and then adds host-qualified routes, which the chart's proxy accepts only when
started with --host-routing (the chart adds no flag of its own for it)."""

from __future__ import annotations

from ....config.origins import subdomain_host


def values(config: dict) -> dict:
    if not subdomain_host(config):
        return {}
    return {"proxy": {"chp": {"extraCommandLineFlags": ["--host-routing"]}}}


def notes(config: dict) -> list[str]:
    url = subdomain_host(config)
    if not url:
        return []
    host = url.split("://", 1)[1].split(":")[0]
    return [f"hub.subdomain_host: point {host} and *.{host} (wildcard DNS) at the proxy-public service or your "
            f"ingress, and serve a certificate for both names (a wildcard certificate for *.{host}); "
            "an ingress needs both host rules"]
