"""Where user servers may connect to, in the chart values: the chart's
NetworkPolicy with private addresses and the cloud metadata server closed
(learner code must not reach the cluster's services, the nodes, or the
node's cloud credentials), public addresses as kubernetes.network.internet
says, DNS open, and the operator's extra destinations (a package mirror,
the git server courses sync from) added as rules of their own.

The chart's iptables block of the metadata server stays on: a NetworkPolicy
does nothing where the cluster's network plugin does not enforce them."""

from __future__ import annotations

import ipaddress

from ....config.errors import ConfigError

METADATA_IP = "169.254.169.254"


def values(config: dict) -> dict:
    network = config["kubernetes"]["network"]
    return {"singleuser": {
        "cloudMetadata": {"blockWithIptables": True, "ip": METADATA_IP},
        "networkPolicy": {
            "enabled": True,
            "egressAllowRules": {
                "cloudMetadataServer": False,
                "privateIPs": False,
                "nonPrivateIPs": network["internet"],
                # Clusters serve DNS from kube-system pods, a node-local
                # cache at a private address, or the metadata server (GKE):
                # the chart's three DNS-only rules cover all of them.
                "dnsPortsCloudMetadataServer": True,
                "dnsPortsKubeSystemNamespace": True,
                "dnsPortsPrivateIPs": True,
            },
            "egress": [_rule(i, r) for i, r in enumerate(network["allowed_egress"])],
        },
    }}


def _rule(index: int, allowed: dict) -> dict:
    block = {"cidr": allowed["cidr"]}
    net = ipaddress.ip_network(allowed["cidr"])
    metadata = ipaddress.ip_network(f"{METADATA_IP}/32")
    if net.version == 4 and metadata.subnet_of(net):
        if net == metadata:
            raise ConfigError(f"{allowed['cidr']} is the cloud metadata server, which servers may never reach",
                              key=f"kubernetes.network.allowed_egress.{index}.cidr")
        block["except"] = [str(metadata)]
    rule: dict = {"to": [{"ipBlock": block}]}
    if allowed.get("ports"):
        protocol = allowed.get("protocol") or "TCP"
        rule["ports"] = [{"protocol": protocol, "port": port} for port in allowed["ports"]]
    return rule
