"""Checks of the kubernetes section the schema cannot express: a shared
volume comes from exactly one source, no two share a mount point, and the
extra egress names real address ranges (the API server would refuse the
NetworkPolicy only at install time, far from the file)."""

from __future__ import annotations

import ipaddress

from .resource_checks import Fail

SOURCES = ("storage_class", "nfs", "existing_claim")


def check(config: dict, fail: Fail) -> None:
    kube = config["kubernetes"]
    mounts: dict[str, str] = {}
    for name, volume in kube["shared_volumes"].items():
        key = f"kubernetes.shared_volumes.{name}"
        given = [source for source in SOURCES if volume.get(source)]
        if len(given) != 1:
            fail(key, f"set exactly one of {', '.join(SOURCES)} (got {', '.join(given) or 'none'})")
        path = volume["mount_path"]
        if path in mounts:
            fail(f"{key}.mount_path", f"{path} is already the mount path of shared volume {mounts[path]!r}")
        mounts[path] = name
    for i, cidr in enumerate(kube["network"]["cluster_ranges"]):
        key = f"kubernetes.network.cluster_ranges.{i}"
        try:
            net = ipaddress.ip_network(cidr)
        except ValueError as e:
            fail(key, f"{cidr!r} is not an address range ({e}); write it as 34.118.224.0/20")
        if net.prefixlen == 0:  # the internet rule could then except nothing
            fail(key, f"{cidr} is every address; give the cluster's pod and Service ranges")
    for i, rule in enumerate(kube["network"]["allowed_egress"]):
        try:
            ipaddress.ip_network(rule["cidr"])
        except ValueError as e:
            fail(f"kubernetes.network.allowed_egress.{i}.cidr",
                 f"{rule['cidr']!r} is not an address range ({e}); write it as 10.20.0.0/16 or 10.20.0.15/32")
