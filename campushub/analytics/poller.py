"""What the service learns from the hub every analytics.poll_interval
seconds, with its own token (role campushub-analytics), for the platform page:

- who was active since the last poll (the users' last_activity, paged
  through GET /users), from which the store counts daily and hourly users;
- how many servers run and how many are starting (the same user models'
  ``servers``: ready, or pending);
- the hub's spawn-duration histogram from /hub/metrics
  (jupyterhub_server_spawn_duration_seconds, successful spawns), parsed
  with prometheus_client's own parser; the store turns the cumulative
  buckets into spawns per day and their p50 and p95.

A hub that is down or answers badly costs one log line; the next poll tries
again. Old records are purged once a day (analytics.retention_days).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from prometheus_client.parser import text_string_to_metric_families
from tornado.httpclient import AsyncHTTPClient
from tornado.ioloop import IOLoop, PeriodicCallback

log = logging.getLogger("campushub.analytics")
PAGINATION = "application/jupyterhub-pagination+json"
SPAWN_HISTOGRAM = "jupyterhub_server_spawn_duration_seconds"
PAGE = 200
DAY_S = 24 * 3600


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def tally(users: list[dict], since: datetime) -> tuple[list[str], int, int]:
    """(names active since ``since``, servers running, servers starting) of the hub's user models."""
    active, running, pending = [], 0, 0
    for user in users:
        last = parse_time(user.get("last_activity"))
        if last is not None and last >= since:
            active.append(user["name"])
        for server in (user.get("servers") or {}).values():
            if server.get("ready"):
                running += 1
            elif server.get("pending"):
                pending += 1
    return sorted(active), running, pending


def spawn_buckets(text: str) -> dict[str, float] | None:
    """{le: cumulative count} of successful spawns in the hub's metrics text; None if it has no such histogram."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != SPAWN_HISTOGRAM:
            continue
        for sample in family.samples:
            if sample.name.endswith("_bucket") and sample.labels.get("status", "success") == "success":
                le = sample.labels["le"]
                found[le] = found.get(le, 0.0) + sample.value
    return found or None


class Poller:
    def __init__(self, store, api_url: str, token: str, interval: int, retention_days: int):
        self.store, self.token = store, token
        self.api_url = api_url.rstrip("/")
        # /hub/api -> /hub/metrics
        self.metrics_url = self.api_url.rsplit("/", 1)[0] + "/metrics"
        self.interval, self.retention_days = interval, retention_days
        self.last_poll: datetime | None = None
        self.last_purge: datetime | None = None
        self._timer: PeriodicCallback | None = None

    async def _get(self, url: str, accept: str = "application/json") -> str:
        r = await AsyncHTTPClient().fetch(url, headers={"Authorization": f"token {self.token}", "Accept": accept},
                                          request_timeout=max(5, min(30, self.interval)))
        return r.body.decode("utf-8")

    async def users(self) -> list[dict]:
        found, offset = [], 0
        while True:
            page = json.loads(await self._get(f"{self.api_url}/users?{urlencode({'offset': offset, 'limit': PAGE})}",
                                              PAGINATION))
            items = page["items"] if isinstance(page, dict) else page
            found += items
            following = page.get("_pagination", {}).get("next") if isinstance(page, dict) else None
            if not following or not items:
                return found
            offset = following["offset"]

    async def poll(self) -> None:
        now = datetime.now(UTC)
        since = self.last_poll or now - timedelta(seconds=self.interval)
        try:
            active, running, pending = tally(await self.users(), since)
            buckets = spawn_buckets(await self._get(self.metrics_url, "text/plain"))
        except Exception as e:  # noqa: BLE001 -- the hub away or odd: one line, try at the next poll
            log.warning("polling the hub failed (%s: %s); trying again in %d s", type(e).__name__, e, self.interval)
        else:
            loop = IOLoop.current()
            await loop.run_in_executor(None, self.store.record_poll, now, active, running, pending, buckets)
            self.last_poll = now
        await self.purge(now)  # retention holds also while the hub cannot be asked

    async def purge(self, now: datetime) -> None:
        if not self.retention_days or (self.last_purge and (now - self.last_purge).total_seconds() < DAY_S):
            return
        self.last_purge = now
        cutoff = now - timedelta(days=self.retention_days)
        removed = await IOLoop.current().run_in_executor(None, self.store.purge, cutoff)
        log.info("retention: removed %d records older than %s", removed, cutoff.date())

    async def _tick(self) -> None:
        try:
            await self.poll()
        except Exception:  # noqa: BLE001 -- a database hiccup must not stop the polling
            log.exception("poll failed")

    def start(self) -> None:
        IOLoop.current().add_callback(self._tick)
        self._timer = PeriodicCallback(self._tick, self.interval * 1000)
        self._timer.start()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
