"""Prometheus's way in: the hub's /hub/metrics and our services' metrics
pages, through the NetworkPolicies that otherwise let only the chart's own
pods reach them. A scraper is a pod carrying SCRAPER (set on the Prometheus
pods, in any namespace: docs/kubernetes.md says how); nothing else gains
anything. The pages themselves still ask for a token with read:metrics.
"""

from __future__ import annotations

from ..service_place import PORT, running

SCRAPER = {"campushub/metrics-scraper": "true"}
NAME = "campushub-metrics-scrapers"
HUB_PORT = 8081  # the chart's hub container


def _from_scrapers(port: int) -> dict:
    return {"from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": dict(SCRAPER)}}],
            "ports": [{"protocol": "TCP", "port": port}]}


def values(config: dict) -> dict:
    return {"hub": {"networkPolicy": {"ingress": [_from_scrapers(HUB_PORT)]}}}


def manifests(config: dict) -> list[dict]:
    services = [p.service for p in running(config) if p.metrics]
    if not services:
        return []
    part_of = "app.kubernetes.io/part-of"
    return [{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
             "metadata": {"name": NAME, "namespace": config["kubernetes"]["namespace"],
                          "labels": {part_of: "campushub", "app.kubernetes.io/component": "monitoring"}},
             "spec": {
                 "podSelector": {"matchLabels": {part_of: "campushub"}, "matchExpressions": [
                     {"key": "app.kubernetes.io/component", "operator": "In", "values": services}]},
                 "policyTypes": ["Ingress"],
                 "ingress": [_from_scrapers(PORT)]}}]


def notes(config: dict) -> list[str]:
    return [f"Prometheus reaches the hub's metrics ({config['hub']['base_url']}hub/metrics) and our services' from "
            f"pods labelled {next(iter(SCRAPER))}=true, with a token holding read:metrics; for metrics by policy "
            "group, kube-state-metrics needs --metric-labels-allowlist=pods=[campushub-group] "
            "(docs/kubernetes.md, Monitoring)."]
