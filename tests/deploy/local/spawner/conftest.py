"""The spawner tests run on both paths a local server starts by (paths.py):
every hub here is parametrized by `spawn_path` ("exec", "fork"). This
package's own hub replaces the session's, with its own account prefix."""

from __future__ import annotations

import pytest

from ....conftest import make_user
from ....harness import Browserless, Hub
from .paths import PATHS, PREFIX, running_on, with_path


@pytest.fixture(scope="package", params=PATHS)
def spawn_path(request) -> str:
    return request.param


@pytest.fixture(scope="package")
def hub(tmp_path_factory, spawn_path):
    h = Hub.create(tmp_path_factory.mktemp(f"spawner-{spawn_path}"),
                   with_path({"spawner": {"user_prefix": PREFIX}}, spawn_path))
    with running_on(h, spawn_path, PREFIX):
        yield h


@pytest.fixture(scope="package")
def admin(hub):
    user = Browserless(hub, "admin", hub.admin_password)
    r = user.login()
    assert r.status_code == 302, f"admin login failed: {r.status_code} {r.text[:300]}"
    return user


@pytest.fixture(scope="package")
def alice(hub, admin):
    return make_user(hub, admin, "alice")


@pytest.fixture(scope="package")
def bob(hub, admin):
    return make_user(hub, admin, "bob")
