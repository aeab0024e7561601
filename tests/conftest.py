"""Shared fixtures: one real CampusHub for the whole session, and approved users in it."""

from __future__ import annotations

import pytest

from .harness import Browserless, Hub, running, wait_for
from .tiers import lean_jsonschema

lean_jsonschema()  # before any test module imports it (tests/tiers.py)


@pytest.fixture(scope="session")
def hub(tmp_path_factory):
    with running(Hub.create(tmp_path_factory.mktemp("campushub"))) as h:
        yield h


@pytest.fixture(scope="session")
def admin(hub):
    user = Browserless(hub, "admin", hub.admin_password)
    r = user.login()
    assert r.status_code == 302, f"admin login failed: {r.status_code} {r.text[:300]}"
    return user


def make_user(hub: Hub, admin: Browserless, name: str) -> Browserless:
    """Sign up through the form, get approved by the admin, log in through the form."""
    user = Browserless(hub, name, f"{name}-Secret-pw-2026")
    r = user.signup()
    assert r.status_code == 200, r.text[:300]
    r = approve(hub, admin, name)
    assert r.status_code == 200, r.text[:300]
    r = user.login()
    assert r.status_code == 302, f"{name} could not log in: {r.status_code}"
    return user


def approve(hub: Hub, admin: Browserless, name: str, action: str = "authorize"):
    """The admin's Approve (or Revoke approval) button on /hub/authorize: a form POST with _xsrf."""
    xsrf = admin._xsrf("/hub/authorize")
    return admin.session.post(f"{hub.url}/hub/authorize/{name}", data={"action": action, "_xsrf": xsrf}, timeout=30)


@pytest.fixture(scope="session")
def alice(hub, admin):
    return make_user(hub, admin, "alice")


@pytest.fixture(scope="session")
def bob(hub, admin):
    return make_user(hub, admin, "bob")


def spawn(hub: Hub, user: Browserless, server: str = "") -> None:
    """Ask for a server as the browser does and wait until the hub says it is ready."""
    path = f"/hub/spawn/{user.name}" + (f"/{server}" if server else "")
    r = user.session.get(hub.url + path, timeout=60)
    assert r.status_code == 200, f"spawn page answered {r.status_code}"
    wait_for(lambda: hub.server_ready(user.name, server), 180, f"{user.name}'s server to be ready")


@pytest.fixture(scope="session")
def postgres():
    from .postgres import Postgres

    server = Postgres.start()
    yield server
    server.stop()


def pytest_collection_modifyitems(config, items):
    from .tiers import mark_stack

    mark_stack(items)  # `pytest -m "not stack"`: the fast tier (tests/tiers.py)
