"""The culler's decision on each server (jupyterhub-idle-culler's
cull_arbiter_hook). The culler applies one timeout to everyone and has no
group filter; its --cull-admin-users concerns deleting users, not stopping
servers. So the hook looks up whose server it is (groups, admin flag),
through the hub's API once per round of the culler, and applies that
person's limits (config.culling.limits_for)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from ...config.culling import limits_for
from .command import RULES_ENV
from .people import ready_users

Person = dict  # a user model of the hub's REST API


class Arbiter:
    def __init__(self, rules: dict, fetch: Callable[[], Awaitable[list[Person]]],
                 log: logging.Logger, clock: Callable[[], float] = time.monotonic):
        self.rules, self.fetch, self.log, self.clock = rules, fetch, log, clock
        culling = rules["culling"]
        # without overrides or exempt admins everyone has the site's limits: no lookups
        self.needs_people = bool(culling["groups"]) or not culling["cull_admins"]
        # a round is over well before the next one starts
        self.fresh_for = max(1.0, culling["interval"] / 2)
        self._people: dict[str, Person] = {}
        self._fetched = -float("inf")
        self._lock = asyncio.Lock()

    async def __call__(self, *, inactive: timedelta | None, server: dict, **_) -> bool:
        person: Person | None = {"groups": [], "admin": False, "name": server.get("full_name", "?")}
        if self.needs_people:
            person = await self._person(server)
            if person is None:
                return False  # gone from the hub's ready servers since the culler listed it: stopping already
        limits = limits_for(self.rules, person.get("groups") or (), bool(person.get("admin")))
        if limits.timeout is None:
            return False
        if inactive is not None and inactive.total_seconds() >= limits.timeout:
            return True
        age = _age(server)
        if limits.max_age and age is not None and age >= limits.max_age:
            self.log.info("Culling server of %s: running for %ds, its max_age is %ds",
                          person.get("name"), age, limits.max_age)
            return True
        return False

    async def _person(self, server: dict) -> Person | None:
        async with self._lock:
            if self.clock() - self._fetched > self.fresh_for:
                users = await self.fetch()
                self._people = {s["url"]: u for u in users for s in (u.get("servers") or {}).values()
                                if s.get("url")}
                self._fetched = self.clock()
        return self._people.get(server.get("url"))


def _age(server: dict) -> float | None:
    started = server.get("started")
    if not started:
        return None
    when = datetime.fromisoformat(started.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (datetime.now(UTC) - when).total_seconds()


def from_environment(environ=os.environ) -> Arbiter:
    """The hook as the culler's config file makes it, in the service the hub runs."""
    return Arbiter(json.loads(environ[RULES_ENV]),
                   lambda: ready_users(environ["JUPYTERHUB_API_URL"], environ["JUPYTERHUB_API_TOKEN"]),
                   logging.getLogger("IdleCuller"))
