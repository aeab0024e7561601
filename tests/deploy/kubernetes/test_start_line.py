"""The fair start line on Kubernetes: what a release's hub is configured
with (values and hub config, as chart_spawner.py builds them), and a
CampusHubKubeSpawner start that waits its turn and tells its place on the
progress page. No cluster can run here, so KubeSpawner's own _start (which
creates the pod and waits for it) is replaced by a coroutine the test
releases; everything around it (the mixin, the line, progress()) is real."""

from __future__ import annotations

import asyncio
import math

import pytest
from kubespawner import KubeSpawner

from campushub.config import validate
from campushub.deploy.kubernetes.render.values import render
from campushub.deploy.kubernetes.start_line import AUTOMATIC_SLOTS
from campushub.hub import start_queue
from campushub.i18n import translate

from . import chart_spawner
from .chart import assert_chart_accepts

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")


def site(**spawner) -> dict:
    return validate({"spawner": spawner} if spawner else {})


def test_the_release_hub_queues_instead_of_refusing_extra_starts():
    config = site()
    values = render(config).values
    assert_chart_accepts(values)
    # the chart's 64 would answer 429 "try again" to the 65th learner
    assert values["hub"]["concurrentSpawnLimit"] == 0
    c = chart_spawner.release_config(config)
    assert c.JupyterHub.concurrent_spawn_limit == 0
    assert c.CampusHubKubeSpawner.concurrent_starts == 0

    async def build():
        return chart_spawner.spawner(config, c, "kim", [])

    spawner = asyncio.run(build())
    assert spawner.concurrent_starts == 0 and spawner.automatic_concurrent_starts() == AUTOMATIC_SLOTS


def test_an_operators_limits_reach_the_hub():
    config = validate({"spawner": {"concurrent_starts": 8, "poll_interval": 10},
                       "hub": {"concurrent_spawn_limit": 500}})
    values = render(config).values
    assert_chart_accepts(values)
    assert values["hub"]["concurrentSpawnLimit"] == 500
    c = chart_spawner.release_config(config)
    assert c.CampusHubKubeSpawner.concurrent_starts == 8 and c.JupyterHub.concurrent_spawn_limit == 500
    assert c.CampusHubKubeSpawner.poll_interval == 10


@pytest.fixture
def cluster_stand_in(monkeypatch):
    """KubeSpawner._start, which needs a cluster, as a start that waits for the test."""
    gates: dict[str, asyncio.Event] = {}
    started: list[str] = []

    async def _start(self):
        started.append(self.user.name)
        # what KubeSpawner's own waits would read by now
        self.timeout_seen = self.start_timeout
        await gates.setdefault(self.user.name, asyncio.Event()).wait()
        return "http://10.0.0.1:8888"

    monkeypatch.setattr(KubeSpawner, "_start", _start)
    monkeypatch.setattr(start_queue, "_shared", None)
    return gates, started


async def until(predicate) -> None:
    while not predicate():
        await asyncio.sleep(0)


async def collect(spawner, events: list[dict]) -> None:
    async for event in spawner.progress():
        events.append(event)


def test_a_queued_pod_start_shows_its_place_then_takes_its_turn(cluster_stand_in):
    gates, started = cluster_stand_in
    config = site(concurrent_starts=1)

    async def main():
        c = chart_spawner.release_config(config)
        first = chart_spawner.spawner(config, c, "ann", [], "ja")
        second = chart_spawner.spawner(config, c, "ben", [], "ja")
        second.events_enabled = False  # KubeSpawner's pod events need a cluster
        configured = first.start_timeout
        for s in (first, second):
            s.run_pre_spawn_hook()
        assert second.start_timeout > configured  # the hub's wait covers the time in line
        one = first.start()
        await until(lambda: started == ["ann"])
        two = second.start()
        events: list[dict] = []
        watcher = asyncio.ensure_future(collect(second, events))
        await until(lambda: events)
        assert started == ["ann"]  # ben waits for his turn
        gates.setdefault("ann", asyncio.Event()).set()
        assert await one == "http://10.0.0.1:8888"
        await until(lambda: started == ["ann", "ben"])
        gates.setdefault("ben", asyncio.Event()).set()
        assert await two == "http://10.0.0.1:8888"
        await asyncio.wait_for(watcher, 10)
        return events, second.timeout_seen, configured

    events, seen, configured = asyncio.run(asyncio.wait_for(main(), 20))
    messages = [e["message"] for e in events]
    assert messages[0] == translate("ja", start_queue.IN_LINE, position=1,
                                    seconds=math.ceil(start_queue.DEFAULT_SECONDS))
    assert messages[-1] == translate("ja", start_queue.YOUR_TURN)
    assert seen == configured  # the pod's own waits get the configured start_timeout
