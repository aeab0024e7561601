"""The real hub's /hub/metrics (tests/harness.py Hub, `campushub up`) while a
real server runs: Prometheus' parser reads it, it carries the local
collector's series read from the server's real cgroup v1 files
(cpuacct.usage, memory.usage_in_bytes on this machine), every JupyterHub
series the dashboard names, and it is refused to a token without read:metrics."""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

from campushub.deploy.local.spawner import cgroups
from campushub.deploy.local.spawner.unix_users import unix_name

from ..conftest import spawn
from ..harness import TEST_PREFIX
from .promql import dashboard, expressions, metric_names


def scrape(hub, token: str) -> requests.Response:
    return requests.get(f"{hub.url}/hub/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def samples(text: str) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_hub_metrics_carry_cpu_and_memory_of_the_running_server(hub, alice):
    spawn(hub, alice)
    backend = cgroups.detect()
    name = unix_name("alice", TEST_PREFIX)
    before = backend.usage(name)
    assert before["memory"] > 0 and before["pids"], "the server's own cgroup is in use"

    r = scrape(hub, hub.api_token)  # the automation service's token: campushub-operator holds read:metrics
    assert r.status_code == 200, r.text[:300]
    found = samples(r.text)
    after = backend.usage(name)

    cpu = found[("campushub_group_cpu_seconds_total", (("group", "default"),))]
    assert cpu >= before["cpu_seconds"] > 0  # alice's CPU time (and any other default-group server's) is in it
    assert found[("campushub_group_memory_bytes", (("group", "default"),))] >= min(before["memory"], after["memory"])
    servers = {labels: v for (n, labels), v in found.items() if n == "campushub_node_user_servers"}
    assert len(servers) == 1 and next(iter(servers.values())) >= 1

    names = {n for n, _labels in found}
    wanted = {m for e in expressions(dashboard()) for m in metric_names(e) if m.startswith("jupyterhub_")}
    assert wanted and wanted <= names, wanted - names


def test_hub_metrics_need_read_metrics(hub, alice):
    token = hub.user_token("alice")
    r = scrape(hub, token)
    assert r.status_code == 403
    assert "campushub_group" not in r.text
