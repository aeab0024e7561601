"""The culler's hook on app servers (named servers app-*): each is judged by
its own last activity, which its proxy reports only for real traffic
(viewers), under its owner's limits (groups, admin) like any server of theirs.
Data of the hub API's shape, as tests/hub/test_culling_arbiter.py does;
test_sharing_e2e.py runs the real culler on a real app."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from campushub.config import validate
from campushub.hub.culling import arbiter, command

NOW = (datetime.now(UTC) - timedelta(seconds=60)).isoformat()


def _server(user: str, name: str) -> dict:
    return {"name": name, "full_name": f"{user}/{name}", "url": f"/user/{user}/{name}/", "ready": True,
            "started": NOW}


def _user(name: str, groups=(), admin=False) -> dict:
    return {"name": name, "admin": admin, "groups": list(groups),
            "servers": {"": _server(name, ""), "app-churn": _server(name, "app-churn")}}


async def _listing():
    return [_user("ana", ["analysts"]), _user("ann"), _user("root", admin=True)]


def _decide(user: str, idle: float) -> bool:
    config = validate({"culling": {"warning": 0, "timeout": 600, "cull_admins": False,
                                   "groups": {"analysts": {"timeout": 7200}}}})
    hook = arbiter.Arbiter(command.rules(config), _listing, logging.getLogger("test"))
    return asyncio.run(hook(inactive=timedelta(seconds=idle), inactive_limit=600,
                            server=_server(user, "app-churn")))


@pytest.mark.parametrize("user, idle, culled", [
    ("ann", 599, False), ("ann", 600, True),  # the site's timeout
    ("ana", 3600, False), ("ana", 7200, True),  # her group's longer one
    ("root", 10**6, False),  # an admin's apps are left alone, like their servers
])
def test_an_app_is_culled_by_its_own_idleness_under_its_owners_limits(user, idle, culled):
    assert _decide(user, idle) is culled
