"""The culler's hook (hub/culling/arbiter.py) deciding on servers as
jupyterhub-idle-culler hands them over: the owners' groups and admin flags
come from a listing of the hub's users, given here as data of the API's
shape (tests/hub/test_culling_stack.py runs it on a real hub). Also the
culler's own config file installing the hook, loaded by the culler itself."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from campushub.config import validate
from campushub.hub.culling import arbiter, command

NOW = datetime.now(UTC)


def _server(user: str, started_ago: float = 60) -> dict:
    return {"name": "", "full_name": f"{user}/", "url": f"/user/{user}/", "ready": True,
            "started": (NOW - timedelta(seconds=started_ago)).isoformat()}


def _user(name: str, groups=(), admin=False, **server) -> dict:
    return {"name": name, "admin": admin, "groups": list(groups), "servers": {"": _server(name, **server)}}


PEOPLE = [_user("ann"), _user("ana", ["analysts"]), _user("root", admin=True),
          _user("old", ["analysts"], started_ago=90000)]


class Listing:
    """The hub's listing of ready users, counting how often it was read."""

    def __init__(self, users):
        self.users, self.calls = users, 0

    async def __call__(self):
        self.calls += 1
        return self.users


def _hook(culling: dict, listing: Listing, clock=lambda: 0.0) -> arbiter.Arbiter:
    config = validate({"culling": {"warning": 0, **culling}})
    return arbiter.Arbiter(command.rules(config), listing, logging.getLogger("test"), clock)


def _decide(hook, user: str, idle: float) -> bool:
    server = _server(user, started_ago=90000 if user == "old" else 60)
    return asyncio.run(hook(inactive=timedelta(seconds=idle), inactive_limit=30, server=server))


GROUPS = {"timeout": 600, "max_age": 86400, "cull_admins": False, "groups": {"analysts": {"timeout": 7200}}}


@pytest.mark.parametrize("user, idle, culled", [
    ("ann", 599, False), ("ann", 600, True),
    ("ana", 3600, False), ("ana", 7200, True),  # the analysts' longer timeout
    ("root", 10**6, False),  # an admin's server is kept
    ("old", 10, True),  # running longer than max_age: stopped though in use
    ("gone", 10**6, False),  # no longer among the ready servers: stopping already
])
def test_each_server_gets_its_owners_limits(user, idle, culled):
    assert _decide(_hook(GROUPS, Listing(PEOPLE)), user, idle) is culled


def test_one_listing_per_round_and_a_fresh_one_the_next_round():
    now = [0.0]
    listing = Listing(PEOPLE)
    hook = _hook({**GROUPS, "interval": 60}, listing, clock=lambda: now[0])

    async def round_():
        return [await hook(inactive=timedelta(seconds=700), server=_server(u)) for u in ("ann", "ana", "root")]

    assert asyncio.run(round_()) == [True, False, False] and listing.calls == 1
    listing.users = [_user("ann"), _user("ana"), _user("root", admin=True)]  # ana left the analysts
    now[0] = 61
    assert asyncio.run(round_()) == [True, True, False] and listing.calls == 2


def test_without_overrides_nobody_is_looked_up():
    listing = Listing([])
    hook = _hook({"timeout": 600}, listing)
    assert _decide(hook, "root", 600) is True and _decide(hook, "ann", 599) is False
    assert listing.calls == 0


def test_the_culler_installs_the_hook_from_its_config_file(monkeypatch):
    from jupyterhub_idle_culler import IdleCuller

    entry = command.spec(validate({"culling": GROUPS | {"warning": 0}}))
    for key, value in entry["environment"].items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("JUPYTERHUB_API_URL", "http://127.0.0.1:1/hub/api")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "unused")
    config_file = next(a.split("=", 1)[1] for a in entry["command"] if a.startswith("--config="))
    app = IdleCuller()
    app.load_config_file(config_file)
    hook = app.cull_arbiter_hook
    assert isinstance(hook, arbiter.Arbiter)
    assert hook.rules == json.loads(entry["environment"][command.RULES_ENV])


def test_named_servers_get_their_owners_limits_too():
    ana = _user("ana", ["analysts"])
    ana["servers"]["gpu"] = {**_server("ana"), "name": "gpu", "full_name": "ana/gpu", "url": "/user/ana/gpu/"}
    hook = _hook(GROUPS, Listing([ana]))
    server = ana["servers"]["gpu"]
    assert asyncio.run(hook(inactive=timedelta(seconds=3600), server=server)) is False
    assert asyncio.run(hook(inactive=timedelta(seconds=7200), server=server)) is True


def test_a_hub_that_cannot_list_its_users_gets_no_server_culled():
    async def failing():
        raise ConnectionError("hub down")

    hook = _hook(GROUPS, failing)
    # the culler logs the error for that user and stops nothing of theirs this round
    with pytest.raises(ConnectionError):
        asyncio.run(hook(inactive=timedelta(days=1), server=_server("ann")))
