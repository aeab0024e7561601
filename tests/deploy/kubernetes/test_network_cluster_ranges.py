"""Attack: with kubernetes.network.internet true, the internet rule
(0.0.0.0/0 minus the private and internal ranges) opened every address that
is not private, and a cluster's own ranges need not be: newer GKE clusters
give Services 34.118.224.0/20, so learners' code reached every ClusterIP, the
API server's (first address of the range) included. The cluster's pod and
Service ranges, named in kubernetes.network.cluster_ranges, are now left out
of the internet rule and of any wide allowed_egress range. Rules evaluated as
the chart renders them (test_values_parts.reachable), and validated."""

from __future__ import annotations

import pytest

from campushub.config import ConfigError, validate
from campushub.deploy.kubernetes.render import network

from .chart import assert_chart_accepts, assert_valid_manifest
from .test_values_parts import chart_egress, reachable

GKE = ["34.118.224.0/20", "10.52.0.0/14"]  # Services (GKE's newer default) and pods


def _network(**keys) -> dict:
    return validate({"kubernetes": {"network": keys}})


@pytest.mark.parametrize("ip", ["34.118.224.1", "34.118.230.17", "34.118.239.254", "10.52.3.4"])
def test_an_open_internet_reaches_no_address_of_the_cluster(ip):
    values = network.values(_network(internet=True, cluster_ranges=GKE))
    assert reachable(values, "151.101.0.223", 443)  # the internet itself
    assert reachable(values, "34.118.240.1", 443)  # just past the Service range: public
    for port in (443, 6443, 8080):
        assert not reachable(values, ip, port), f"{ip}:{port} is reachable"
    assert_chart_accepts(values)
    assert_valid_manifest({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                           "metadata": {"name": "singleuser", "namespace": "jhub"},
                           "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": chart_egress(values)}})


def test_dns_still_answers_from_a_public_service_range():
    values = network.values(_network(internet=True, cluster_ranges=GKE))
    assert reachable(values, "34.118.224.10", 53, "UDP") and reachable(values, "34.118.224.10", 53, "TCP")


def test_a_wide_allowed_range_leaves_the_cluster_out_but_a_named_address_is_opened():
    values = network.values(_network(internet=False, cluster_ranges=GKE, allowed_egress=[
        {"cidr": "0.0.0.0/0", "ports": [22]}, {"cidr": "34.118.226.40/32", "ports": [443]}]))
    assert reachable(values, "140.82.112.3", 22)
    assert not reachable(values, "34.118.224.1", 22)
    assert reachable(values, "34.118.226.40", 443)  # named as such: a Service the admin opened


def test_a_private_cluster_range_adds_nothing_and_ipv6_ranges_stay_apart():
    plain = network.values(_network(internet=True))
    assert network.values(_network(internet=True, cluster_ranges=["10.96.0.0/12"])) == plain
    values = network.values(_network(internet=True, cluster_ranges=["2600:1900:4000::/44", "34.118.224.0/20"]))
    internet = values["singleuser"]["networkPolicy"]["egress"][0]["to"][0]["ipBlock"]
    assert "34.118.224.0/20" in internet["except"] and "2600:1900:4000::/44" not in internet["except"]
    assert_chart_accepts(values)


@pytest.mark.parametrize("cidr", ["34.118.224.0/33", "34.118.224.1/20", "cluster", "0.0.0.0/0"])
def test_a_bad_cluster_range_is_refused_in_one_line_naming_the_key(cidr):
    with pytest.raises(ConfigError) as e:
        _network(cluster_ranges=["10.52.0.0/14", cidr])
    assert "kubernetes.network.cluster_ranges.1" in str(e.value) and "\n" not in str(e.value)


def test_the_notes_point_at_cluster_ranges_when_the_internet_is_open():
    assert any("kubernetes.network.cluster_ranges" in n and "34.118.224.0/20" in n
               for n in network.notes(_network(internet=True)))
    assert any("34.118.224.0/20, 10.52.0.0/14" in n for n in network.notes(_network(cluster_ranges=GKE)))
    assert not any("cluster_ranges" in n for n in network.notes(_network(internet=False)))
