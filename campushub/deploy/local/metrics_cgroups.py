"""Hub-side Prometheus series of a single machine, from the cgroups the
system-user spawner makes (spawner/cgroups.py: campushub/<server> under each
controller on v1, under the unified root on v2), shown in the hub's own
/hub/metrics (prometheus_client's default REGISTRY):

  campushub_group_cpu_seconds_total{group}   CPU time of the servers running under each policy group
  campushub_group_memory_bytes{group}        their memory now (v1 memory.usage_in_bytes, v2 memory.current)
  campushub_node_user_servers{node}          user servers running or starting on this machine

On Kubernetes the same panels come from cAdvisor and kube-state-metrics
(docs/monitoring.md), so this collector is only registered by the local hub.

A cgroup goes away with its server, taking its CPU time with it; a counter
that dropped would read to Prometheus as a reset and rate() would count the
whole remainder again. So the last CPU time seen of a server that is gone
(or restarted under the same name) is kept in its group's total.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ...hub.policy.group_label import DEFAULT, group_label
from .spawner import cgroups

log = logging.getLogger("campushub.metrics")
CPU = ("campushub_group_cpu_seconds", "CPU time used by user servers, per policy group")
MEMORY = ("campushub_group_memory_bytes", "Memory used by running user servers, per policy group")
SERVERS = ("campushub_node_user_servers", "User servers running or starting, per node")


def hub_servers() -> list:
    """The hub's active spawners that have a cgroup (SystemUserSpawner's), in the hub process."""
    from jupyterhub.app import JupyterHub

    if not JupyterHub.initialized():
        return []
    users = getattr(JupyterHub.instance(), "users", None) or {}
    return [s for user in list(users.values()) for s in list(user.spawners.values())
            if s.active and hasattr(s, "cgroup_name")]


def server_group(spawner) -> str:
    """The policy group the server started under; after a hub restart, the user's current one."""
    if getattr(spawner, "policy_group", None):
        return spawner.policy_group
    try:
        return group_label(spawner.policy()) if spawner.site_config else DEFAULT
    except Exception:  # noqa: BLE001 -- a user gone mid-scrape: count the server, not its group
        log.debug("metrics: no policy for %s", getattr(spawner, "cgroup_name", "?"), exc_info=True)
        return DEFAULT


def _detect():
    try:
        return cgroups.detect()
    except cgroups.CgroupUnavailable:
        return None  # servers run without limits (limits.allow_unlimited): no usage to report


class ServerCgroups(Collector):
    def __init__(self, servers: Callable[[], Iterable] = hub_servers, backend: Callable = _detect,
                 node: str | None = None):
        self._servers, self._backend = servers, backend
        self.node = node or socket.gethostname()
        self._lock = threading.Lock()
        self._last: dict[str, tuple[str, float]] = {}  # cgroup -> (group, CPU seconds) at the last scrape
        self._retired: dict[str, float] = defaultdict(float)

    def describe(self):
        yield CounterMetricFamily(*CPU, labels=["group"])
        yield GaugeMetricFamily(*MEMORY, labels=["group"])
        yield GaugeMetricFamily(*SERVERS, labels=["node"])

    def collect(self):
        servers = list(self._servers())
        backend = self._backend() if servers else None
        memory: dict[str, int] = defaultdict(int)
        with self._lock:
            now = {}
            for spawner in servers:
                group = server_group(spawner)
                memory[group] += 0
                if backend is None:
                    continue
                use = backend.usage(spawner.cgroup_name)
                now[spawner.cgroup_name] = (group, use["cpu_seconds"])
                memory[group] += use["memory"]
            for name, (group, seconds) in self._last.items():
                if name not in now or now[name][1] < seconds:  # gone, or a new cgroup of the same name
                    self._retired[group] += seconds
            self._last = now
            cpu = defaultdict(float, self._retired)
            for group, seconds in now.values():
                cpu[group] += seconds
        yield _family(CounterMetricFamily(*CPU, labels=["group"]), cpu)
        yield _family(GaugeMetricFamily(*MEMORY, labels=["group"]), memory)
        yield _family(GaugeMetricFamily(*SERVERS, labels=["node"]), {self.node: len(servers)})


def _family(family, values: dict):
    for label, value in sorted(values.items()):
        family.add_metric([label], value)
    return family


_installed: list[ServerCgroups] = []


def install(registry=REGISTRY) -> ServerCgroups:
    """Register the collector once per process (the hub loads its config once; tests may apply it again)."""
    if not _installed:
        _installed.append(ServerCgroups())
        registry.register(_installed[0])
    return _installed[0]
