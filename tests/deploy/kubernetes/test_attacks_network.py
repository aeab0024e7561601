"""Attack: reaching internal addresses and the metadata server through an
allowed_egress entry. The wide-range guard knew only the IPv4 private
ranges and metadata address, so `::/0` (or fd00::/8) for git over IPv6
opened AWS's IPv6 metadata server fd00:ec2::254 and every unique-local and
link-local address, `fd00:ec2::254/128` itself was accepted, and 0.0.0.0/0
opened link-local credential agents (EKS Pod Identity, 169.254.170.23),
loopback and the shared address space some clusters run pods in. The rules
are evaluated as the chart renders them (test_values_parts.reachable)."""

from __future__ import annotations

import pytest

from campushub.config import ConfigError, validate
from campushub.deploy.kubernetes.render import network

from .chart import assert_chart_accepts, assert_valid_manifest
from .test_values_parts import chart_egress, reachable


def _values(*cidrs: str, ports=(22,)) -> dict:
    egress = [{"cidr": c, "ports": list(ports)} for c in cidrs]
    return network.values(validate({"kubernetes": {"network": {"internet": False, "allowed_egress": egress}}}))


# 64:ff9b::a00:5 is 10.0.0.5 through a NAT64 gateway (IPv6 EKS clusters)
@pytest.mark.parametrize("ip", ["fd00:ec2::254", "fd00:ec2::23", "fd12:3456::10", "fe80::1", "::1",
                                "64:ff9b::a00:5", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:5"])
def test_a_wide_ipv6_range_opens_no_internal_address(ip):
    values = _values("::/0", "2000::/3")
    assert reachable(values, "2606:4700::6810:84e5", 22)  # a public IPv6 git host: what was asked
    assert not reachable(values, ip, 22), f"{ip} is reachable"


@pytest.mark.parametrize("ip", ["169.254.170.23", "169.254.170.2", "127.0.0.1", "100.64.0.10",
                                "169.254.169.254", "10.0.0.1"])
def test_a_wide_ipv4_range_opens_no_internal_address(ip):
    values = _values("0.0.0.0/0")
    assert reachable(values, "140.82.112.3", 22)
    assert not reachable(values, ip, 22), f"{ip} is reachable"


def test_a_named_unique_local_range_still_keeps_the_metadata_server_out():
    values = _values("fd00::/8", ports=(443,))
    assert reachable(values, "fd00:10::5", 443)  # named as such: opened
    assert not reachable(values, "fd00:ec2::254", 443)


@pytest.mark.parametrize("cidr", ["fd00:ec2::254/128", "::ffff:169.254.169.254/128", "::ffff:10.0.0.0/104"])
def test_the_ipv6_metadata_server_and_mapped_ipv4_are_refused(cidr):
    with pytest.raises(ConfigError) as e:
        _values(cidr)
    assert "kubernetes.network.allowed_egress.0.cidr" in str(e.value) and "\n" not in str(e.value)


def test_the_policy_with_ipv6_excepts_stays_valid():
    values = _values("::/0", "0.0.0.0/0")
    assert_chart_accepts(values)
    assert_valid_manifest({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                           "metadata": {"name": "singleuser", "namespace": "jhub"},
                           "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": chart_egress(values)}})


@pytest.mark.parametrize("ip", ["169.254.170.23", "169.254.0.23", "100.100.100.200", "168.63.129.16",
                                "169.254.169.254", "10.96.0.1", "127.0.0.1"])
def test_an_open_internet_opens_no_cloud_agent_nor_metadata_server(ip):
    """internet: true used the chart's own rule, 0.0.0.0/0 but the private
    ranges and 169.254.169.254: EKS Pod Identity (169.254.170.23), Tencent's
    metadata (169.254.0.23), Alibaba's (100.100.100.200) and Azure's
    WireServer (168.63.129.16) stayed reachable from learners' code."""
    values = network.values(validate({"kubernetes": {"network": {"internet": True}}}))
    assert reachable(values, "151.101.0.223", 443)  # the internet itself
    for port in (80, 443, 32526):
        assert not reachable(values, ip, port), f"{ip}:{port} is reachable"
    assert_chart_accepts(values)
    assert_valid_manifest({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                           "metadata": {"name": "singleuser", "namespace": "jhub"},
                           "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": chart_egress(values)}})


def test_azure_wireserver_cannot_be_allowed():
    with pytest.raises(ConfigError):
        _values("168.63.129.16/32")
