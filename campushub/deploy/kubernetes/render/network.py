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
METADATA = ipaddress.ip_network(f"{METADATA_IP}/32")
# The metadata servers a rule may never open: the clouds' IPv4 one, AWS's
# IPv6 one (Nitro instances, dual-stack and IPv6 EKS clusters) and Azure's
# WireServer, which sits at a public address.
METADATA_SERVERS = tuple(map(ipaddress.ip_network, (f"{METADATA_IP}/32", "fd00:ec2::254/128", "168.63.129.16/32")))
PRIVATE = tuple(map(ipaddress.ip_network, ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")))
# What a wide range (0.0.0.0/0, ::/0) opens none of unless named: besides the
# private ranges, shared address space (pod networks on some clusters),
# link-local (the nodes' credential agents, e.g. EKS Pod Identity at
# 169.254.170.23), loopback, and IPv6's unique-local and link-local ranges.
# Alibaba Cloud's metadata server (100.100.100.200) is in the shared space.
# NAT64 prefixes reach IPv4 hosts, private ones included, through the
# network's NAT64 gateway (AWS's, for IPv6 EKS clusters).
INTERNAL = (*PRIVATE, *map(ipaddress.ip_network, ("100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8",
                                                  "fc00::/7", "fe80::/10", "::1/128", "::ffff:0:0/96",
                                                  "64:ff9b::/96", "64:ff9b:1::/48")))
MAPPED = ipaddress.ip_network("::ffff:0:0/96")  # IPv4-mapped IPv6 addresses


def values(config: dict) -> dict:
    network = config["kubernetes"]["network"]
    cluster = _cluster_ranges(network)
    return {"singleuser": {
        "cloudMetadata": {"blockWithIptables": True, "ip": METADATA_IP},
        "networkPolicy": {
            "enabled": True,
            "egressAllowRules": {
                "cloudMetadataServer": False,
                "privateIPs": False,
                # Our own rule instead (below): the chart's leaves link-local
                # agents, the shared address space and Azure's WireServer open.
                "nonPrivateIPs": False,
                # Clusters serve DNS from kube-system pods, a node-local
                # cache at a private address, or the metadata server (GKE):
                # the chart's three DNS-only rules cover all of them.
                "dnsPortsCloudMetadataServer": True,
                "dnsPortsKubeSystemNamespace": True,
                "dnsPortsPrivateIPs": True,
            },
            "egress": _egress(network, cluster),
        },
    }}


def _egress(network: dict, cluster: list) -> list[dict]:
    return (([_rule(-1, {"cidr": "0.0.0.0/0"}, cluster)] if network["internet"] else [])
            + [_rule(i, r, cluster) for i, r in enumerate(network["allowed_egress"])]
            + _cluster_dns(cluster))


def server_egress(config: dict) -> list[dict]:
    """Where a server may connect to, as the egress rules of a NetworkPolicy
    of our own, for pods the chart's policy does not select (remote kernels):
    DNS as the chart's three dnsPorts* rules open it, and the rules above."""
    network = config["kubernetes"]["network"]
    dns = [{"protocol": p, "port": 53} for p in ("UDP", "TCP")]
    return [{"to": [{"ipBlock": {"cidr": METADATA_IP + "/32"}}], "ports": dns},
            {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
             "ports": dns},
            {"to": [{"ipBlock": {"cidr": str(p)}} for p in PRIVATE], "ports": dns},
            *_egress(network, _cluster_ranges(network))]


def _cluster_ranges(network: dict) -> list:
    """The cluster's own ranges (kubernetes.network.cluster_ranges) not already
    inside an internal range: GKE's Services at 34.118.224.0/20, say."""
    nets = [ipaddress.ip_network(c) for c in network["cluster_ranges"]]
    return [n for n in dict.fromkeys(nets)
            if not any(n.version == p.version and n.subnet_of(p) for p in INTERNAL)]


def _cluster_dns(ranges: list) -> list[dict]:
    # DNS stays open where the cluster's DNS Service sits in those ranges, as the
    # chart's dnsPortsPrivateIPs does for private ones.
    if not ranges:
        return []
    return [{"to": [{"ipBlock": {"cidr": str(c)}} for c in ranges],
             "ports": [{"protocol": p, "port": 53} for p in ("UDP", "TCP")]}]


def _rule(index: int, allowed: dict, cluster: list = ()) -> dict:
    block = {"cidr": allowed["cidr"]}
    net = ipaddress.ip_network(allowed["cidr"])
    if any(net.version == m.version and net.subnet_of(m) for m in METADATA_SERVERS):
        raise ConfigError(f"{allowed['cidr']} is the cloud metadata server, which servers may never reach",
                          key=f"kubernetes.network.allowed_egress.{index}.cidr")
    if net.version == 6 and net.subnet_of(MAPPED):
        raise ConfigError(f"{allowed['cidr']} is IPv4 written as IPv6, which would slip past the IPv4 rules; "
                          "write the IPv4 range", key=f"kubernetes.network.allowed_egress.{index}.cidr")
    # A wide range (0.0.0.0/0 for git over ssh) opens no private range it
    # merely contains: internal hosts are opened by naming them.
    hidden = [str(p) for p in (*INTERNAL, *METADATA_SERVERS, *cluster)
              if p.version == net.version and p != net and p.subnet_of(net)]
    if hidden:
        block["except"] = hidden
    rule: dict = {"to": [{"ipBlock": block}]}
    if allowed.get("ports"):
        protocol = allowed.get("protocol") or "TCP"
        rule["ports"] = [{"protocol": protocol, "port": port} for port in allowed["ports"]]
    return rule


def notes(config: dict) -> list[str]:
    out = ["The network policy of user servers takes effect only where the cluster's network plugin enforces "
           "NetworkPolicies (Calico, Cilium, GKE Dataplane V2, ...); the cloud metadata server stays blocked "
           "by the chart's iptables rule either way."]
    network = config["kubernetes"]["network"]
    if network["internet"] and network["cluster_ranges"]:
        out.append("Servers reach public addresses but not the cluster's own ranges "
                   f"(kubernetes.network.cluster_ranges: {', '.join(network['cluster_ranges'])}).")
    elif network["internet"]:
        out.append("kubernetes.network.internet is true: where the cluster's pod or Service ranges, or the API "
                   "server's address, are not private addresses (newer GKE clusters give Services "
                   "34.118.224.0/20), list them under kubernetes.network.cluster_ranges, or servers reach the "
                   "cluster's pods and Services, the API server included.")
    repos = sorted({c["repo"] for c in config["courses"].values() if c.get("repo")})
    if repos and not network["internet"]:
        # Course sync runs in the server's pod, under its network policy.
        out.append(f"kubernetes.network.internet is false: list the git servers of {', '.join(repos)} under "
                   "kubernetes.network.allowed_egress, or servers cannot sync these courses.")
    return out
