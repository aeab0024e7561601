"""The real hub's /hub/metrics (tests/harness.py Hub, `campushub up`) while a
real server runs under a policy group: Prometheus' parser reads it, it
carries the local collector's series read from the server's real cgroup v1
files (cpuacct.usage, memory.usage_in_bytes on this machine) under that
group, and every JupyterHub series the dashboard names. The token `up` got in
CAMPUSHUB_METRICS_TOKEN reads it; a user's token does not. A hub of this
module's own: it needs that variable at start and a policy group."""

from __future__ import annotations

import os
import secrets
from unittest import mock

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from campushub.deploy.local.spawner import cgroups
from campushub.deploy.local.spawner.unix_users import unix_name

from ..conftest import make_user, spawn
from ..harness import Browserless, Hub
from .promql import dashboard, expressions, metric_names

PREFIX = f"chm{os.getpid() % 100000:05d}-"
GROUP = "data-science"


@pytest.fixture(scope="module")
def metrics_hub(tmp_path_factory):
    token = secrets.token_hex(32)
    hub = Hub.create(tmp_path_factory.mktemp("metrics-hub"), {
        "spawner": {"user_prefix": PREFIX}, "policies": {"groups": {GROUP: {"cpu": {"max": 1}}}}})
    hub.cleanup_accounts(PREFIX)
    try:
        with mock.patch.dict(os.environ, {"CAMPUSHUB_METRICS_TOKEN": token}):
            hub.up()
        yield hub, token
    finally:
        if hub.proc and hub.proc.poll() is None:
            hub.down("--stop-servers")
        hub.cleanup_accounts(PREFIX)


def scrape(hub, token: str) -> requests.Response:
    return requests.get(f"{hub.url}/hub/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def samples(text: str) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_hub_metrics_carry_cpu_and_memory_of_the_running_server_by_group(metrics_hub):
    hub, token = metrics_hub
    admin = Browserless(hub, "admin", hub.admin_password)
    assert admin.login().status_code == 302
    alice = make_user(hub, admin, "alice")
    assert hub.api("POST", f"groups/{GROUP}").status_code in (201, 409)
    assert hub.api("POST", f"groups/{GROUP}/users", json={"users": ["alice"]}).status_code == 200
    spawn(hub, alice)
    backend = cgroups.detect()
    before = backend.usage(unix_name("alice", PREFIX))
    assert before["memory"] > 0 and before["pids"], "the server's own cgroup is in use"

    r = scrape(hub, token)
    assert r.status_code == 200, r.text[:300]
    found = samples(r.text)
    after = backend.usage(unix_name("alice", PREFIX))

    cpu = found[("campushub_group_cpu_seconds_total", (("group", GROUP),))]
    assert after["cpu_seconds"] >= cpu >= before["cpu_seconds"] > 0  # her server is the group's only one
    memory = found[("campushub_group_memory_bytes", (("group", GROUP),))]
    assert memory > 0
    assert ("campushub_group_memory_bytes", (("group", "default"),)) not in found
    servers = {labels: v for (n, labels), v in found.items() if n == "campushub_node_user_servers"}
    assert list(servers.values()) == [1]

    names = {n for n, _labels in found}
    wanted = {m for e in expressions(dashboard()) for m in metric_names(e) if m.startswith("jupyterhub_")}
    assert wanted and wanted <= names, wanted - names


def test_hub_metrics_need_read_metrics(metrics_hub):
    hub, _token = metrics_hub
    r = scrape(hub, hub.user_token("alice"))
    assert r.status_code == 403
    assert "campushub_group" not in r.text
