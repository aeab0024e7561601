"""The local hub's collector (deploy/local/metrics_cgroups.py) on cgroup v2.

This machine mounts cgroup v1, so v2 is read from a fake tree built in
tmp_path with the files the kernel would show (cpu.stat usage_usec,
memory.current) through the spawner's real CgroupsV2 backend; the spawners
are stand-ins carrying what the collector reads (cgroup_name, policy_group).
v1 is tested against real cgroups of a real server in test_hub_metrics.py."""

from __future__ import annotations

from types import SimpleNamespace

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from campushub.deploy.local.metrics_cgroups import ServerCgroups
from campushub.deploy.local.spawner import cgroups


def _cgroup(root, name: str, cpu_usec: int, memory: int) -> None:
    path = root / cgroups.PARENT / name
    path.mkdir(parents=True, exist_ok=True)
    (path / "cpu.stat").write_text(f"usage_usec {cpu_usec}\nuser_usec 1\nsystem_usec 2\n")
    (path / "memory.current").write_text(f"{memory}\n")


def _samples(registry) -> dict:
    text = generate_latest(registry).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_v2_cpu_and_memory_add_up_by_group_and_cpu_never_goes_back(tmp_path):
    servers = {"u-ann": "data-science", "u-ben": "data-science", "u-cat": "default"}
    _cgroup(tmp_path, "u-ann", 2_500_000, 100 * 2**20)
    _cgroup(tmp_path, "u-ben", 500_000, 50 * 2**20)
    _cgroup(tmp_path, "u-cat", 1_000_000, 30 * 2**20)
    running = [SimpleNamespace(cgroup_name=n, policy_group=g) for n, g in servers.items()]
    registry = CollectorRegistry()
    registry.register(ServerCgroups(servers=lambda: list(running), backend=lambda: cgroups.CgroupsV2(tmp_path),
                                    node="node-1"))

    first = _samples(registry)
    assert first[("campushub_group_cpu_seconds_total", (("group", "data-science"),))] == 3.0
    assert first[("campushub_group_cpu_seconds_total", (("group", "default"),))] == 1.0
    assert first[("campushub_group_memory_bytes", (("group", "data-science"),))] == 150 * 2**20
    assert first[("campushub_node_user_servers", (("node", "node-1"),))] == 3

    # ann stops (her cgroup goes), ben restarts under the same name (his usage starts again)
    running[:] = running[1:]
    (tmp_path / cgroups.PARENT / "u-ann" / "cpu.stat").unlink()
    _cgroup(tmp_path, "u-ben", 200_000, 10 * 2**20)
    second = _samples(registry)
    assert second[("campushub_group_cpu_seconds_total", (("group", "data-science"),))] == 2.5 + 0.5 + 0.2
    assert second[("campushub_group_memory_bytes", (("group", "data-science"),))] == 10 * 2**20
    assert second[("campushub_node_user_servers", (("node", "node-1"),))] == 2

    running.clear()
    third = _samples(registry)
    assert third[("campushub_group_cpu_seconds_total", (("group", "data-science"),))] == 3.2
    assert third[("campushub_group_cpu_seconds_total", (("group", "default"),))] == 1.0
    assert third[("campushub_node_user_servers", (("node", "node-1"),))] == 0
    assert ("campushub_group_memory_bytes", (("group", "default"),)) not in third


def test_without_cgroups_servers_are_still_counted(tmp_path):
    registry = CollectorRegistry()
    spawner = SimpleNamespace(cgroup_name="u-dan", policy_group=None, site_config={})
    registry.register(ServerCgroups(servers=lambda: [spawner], backend=lambda: None, node="n"))
    found = _samples(registry)
    assert found[("campushub_node_user_servers", (("node", "n"),))] == 1
    assert found[("campushub_group_memory_bytes", (("group", "default"),))] == 0
