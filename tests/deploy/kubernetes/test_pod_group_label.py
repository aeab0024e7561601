"""A user's pod as a release's hub builds it (chart_spawner.py: the chart's
KubeSpawner settings, then our hub configuration): it carries the policy
group in the label `campushub-group`, which kube-state-metrics exports for
the Grafana panels of CPU and memory by group, and it is told where the
analytics service answers (CAMPUSHUB_ANALYTICS_URL) for its server
extension. No cluster: KubeSpawner runs with _mock=True and only builds the
pod (see conftest.py)."""

from __future__ import annotations

import asyncio

import pytest
from kubernetes_asyncio.client import ApiClient

from campushub.config import validate
from campushub.deploy.kubernetes.spawner import GROUP_LABEL

from .chart import assert_valid_manifest
from .chart_spawner import release_config, spawner

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")


def _site(**extra) -> dict:
    return validate({"policies": {"groups": {"data-science": {"cpu": {"max": 8}}, "gpu": {"gpus": {"max": 1}}}},
                     **extra})


def built_pod(site: dict, groups: list[str]) -> dict:
    async def build():
        s = spawner(site, release_config(site), "kim", groups)
        s.check_and_apply({})
        async with ApiClient() as api:
            return api.sanitize_for_serialization(await s.get_pod_manifest())

    pod = asyncio.run(build())
    assert_valid_manifest(pod)
    return pod


def _env(pod: dict) -> dict:
    return {e["name"]: e.get("value") for e in pod["spec"]["containers"][0].get("env", [])}


@pytest.mark.parametrize(("groups", "label"), [
    ([], "default"),
    (["data-science", "no-policy-group"], "data-science"),
    (["gpu", "data-science"], "data-science.gpu"),  # a union of policies counts as one group of its own
])
def test_the_pod_carries_its_policy_group(groups, label):
    labels = built_pod(_site(), groups)["metadata"]["labels"]
    assert labels[GROUP_LABEL] == label
    assert labels["component"] == "singleuser-server"  # the chart's own labels are kept


def test_servers_are_told_where_the_analytics_service_answers():
    env = _env(built_pod(_site(hub={"base_url": "/campus/"}), []))
    assert env["CAMPUSHUB_ANALYTICS_URL"] == "http://campushub-analytics:8080/campus/services/analytics/"


def test_without_the_service_servers_are_told_nothing():
    env = _env(built_pod(_site(analytics={"enabled": False}), []))
    assert "CAMPUSHUB_ANALYTICS_URL" not in env
