"""The hub poller (analytics/poller.py) on the real Store on SQLite.

The hub's answers are stood in by a small tornado app serving JupyterHub's
paginated GET /hub/api/users and GET /hub/metrics (a real hub runs in
tests/analytics/test_end_to_end*.py); the metrics text is the real one,
rendered by prometheus_client from JupyterHub's own spawn histogram."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from campushub.analytics import poller
from campushub.analytics.store import Store


def hub_metrics_text() -> str:
    """The hub's histogram as /hub/metrics renders it: same name, labels and buckets as jupyterhub.metrics."""
    from jupyterhub.metrics import SERVER_SPAWN_DURATION_SECONDS as hubs

    registry = CollectorRegistry()
    mine = Histogram("server_spawn_duration_seconds", hubs._documentation, ["status"], namespace="jupyterhub",
                     buckets=hubs._kwargs["buckets"], registry=registry)
    for seconds in (0.4, 0.8, 3.0):
        mine.labels(status="success").observe(seconds)
    mine.labels(status="failure").observe(100)
    return generate_latest(registry).decode()


def user(name, minutes_ago, servers=None):
    last = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")
    return {"kind": "user", "name": name, "last_activity": last, "servers": servers or {}}


def users() -> list[dict]:
    """The hub's users as of now (made at each call: a list made at import would age while the tests
    collected before these ones run, and ann's half minute would pass the one-minute window)."""
    return [user("ann", 0.5, {"": {"ready": True, "pending": None}}),
            user("bob", 0.2, {"": {"ready": False, "pending": "spawn"}}),
            user("cat", 90), {"kind": "user", "name": "dan", "last_activity": None, "servers": {}}]


class Users(web.RequestHandler):
    def get(self):
        offset, limit = int(self.get_argument("offset")), int(self.get_argument("limit"))
        assert "pagination" in self.request.headers["Accept"]
        everyone = users()
        following = {"offset": offset + limit, "limit": limit} if offset + limit < len(everyone) else None
        self.write(json.dumps({"items": everyone[offset:offset + limit],
                               "_pagination": {"offset": offset, "limit": limit, "total": len(everyone),
                                               "next": following}}))


class Metrics(web.RequestHandler):
    def get(self):
        self.write(hub_metrics_text())


def test_the_spawn_histogram_is_read_from_the_hubs_metrics_text():
    buckets = poller.spawn_buckets(hub_metrics_text())
    assert buckets["+Inf"] == 3 and buckets["0.5"] == 1 and buckets["1.0"] == 2  # failures left out
    assert poller.spawn_buckets("# nothing here\n") is None


def test_tally_counts_recent_users_and_servers():
    active, running, pending = poller.tally(users(), datetime.now(UTC) - timedelta(minutes=1))
    assert (active, running, pending) == (["ann", "bob"], 1, 1)


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'analytics.sqlite'}")
    yield s
    s.close()


def test_a_poll_pages_through_users_and_records_servers(store, monkeypatch):
    monkeypatch.setattr(poller, "PAGE", 3)  # two pages of users

    async def run():
        sockets = bind_sockets(0, "127.0.0.1")
        server = HTTPServer(web.Application([("/hub/api/users", Users), ("/hub/metrics", Metrics)]))
        server.add_sockets(sockets)
        try:
            p = poller.Poller(store, f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hub/api", "t", 60, 0)
            await p.poll()
            return p
        finally:
            server.stop()

    p = asyncio.run(run())
    assert p.last_poll is not None
    data = store.platform(1)
    assert [(running, pending) for _, running, pending in data["servers"]] == [(1, 1)]
    assert data["daily_active"][-1][1] == 2
    assert sum(count for _, count, _, _ in data["spawns"]) == 3


def test_a_hub_that_is_down_costs_one_log_line_and_nothing_is_recorded(store, caplog):
    p = poller.Poller(store, "http://127.0.0.1:9/hub/api", "t", 60, 365)
    with caplog.at_level(logging.WARNING, logger="campushub.analytics"):
        asyncio.run(p.poll())
    lines = [r.getMessage() for r in caplog.records if r.name == "campushub.analytics"]
    assert len(lines) == 1 and "polling the hub failed" in lines[0] and "\n" not in lines[0]
    assert p.last_poll is None and store.platform(1)["servers"] == []


def test_retention_is_applied_by_the_running_service_once_a_day_and_zero_keeps_all(store):
    """analytics.retention_days reaches the Store through the poller: records older than it go, at most once a
    day; 0 keeps them for ever."""
    from uuid import uuid4

    from campushub.analytics.records import validate

    def executions():
        return sum(n["executions"] for n in store.learner_activity("ann", None)["notebooks"])

    def ingest(*times):
        store.ingest("ann", validate([{"id": uuid4().hex, "kind": "execution", "path": "c/x.ipynb",
                                       "course": "c", "notebook": "x.ipynb", "cell": "a", "status": "ok",
                                       "duration_ms": 1, "time": t.isoformat().replace("+00:00", "Z")}
                                      for t in times]))

    now = datetime.now(UTC)
    ingest(now - timedelta(days=40), now - timedelta(days=1))
    asyncio.run(poller.Poller(store, "http://127.0.0.1:9/hub/api", "t", 60, 0).purge(now))
    assert executions() == 2
    p = poller.Poller(store, "http://127.0.0.1:9/hub/api", "t", 60, 30)
    asyncio.run(p.purge(now))
    assert executions() == 1
    ingest(now - timedelta(days=35))
    asyncio.run(p.purge(now + timedelta(hours=1)))
    assert executions() == 2  # purged less than a day ago: not again yet
    asyncio.run(p.purge(now + timedelta(days=1, seconds=1)))
    assert executions() == 1
    # also when the hub cannot be polled (here: nothing listens at its address)
    ingest(now - timedelta(days=35))
    asyncio.run(poller.Poller(store, "http://127.0.0.1:9/hub/api", "t", 60, 30).poll())
    assert executions() == 1
