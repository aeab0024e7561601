"""The spawner tests run on both paths a local server starts by (paths.py):
every hub here is parametrized by `spawn_path` ("exec", "fork"). This
package's own hub replaces the session's, with its own account prefix."""

from __future__ import annotations

import pytest

from ....conftest import make_user
from ....harness import Browserless, Hub
from .paths import DEFAULT_PATH, PATHS, PREFIX, running_on, with_path


@pytest.fixture(scope="package", params=PATHS)
def spawn_path(request) -> str:
    return request.param


def pytest_collection_modifyitems(config, items):
    """A test marked one_path("why") runs on the default path only: its
    subject (a refusal before anything starts, hub-side policy) is the same
    whichever way the server would start, so the other path would prove
    nothing new. Deselected, not skipped: nothing was left untested."""
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("one_path")
        if marker is not None and not (marker.args and str(marker.args[0]).strip()):
            raise pytest.UsageError(f"{item.nodeid}: one_path needs the reason the path does not matter")
        path = getattr(item, "callspec", None) and item.callspec.params.get("spawn_path")
        (dropped if marker is not None and path not in (None, DEFAULT_PATH) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def really_forked(request):
    """On the fork path every start of a test with a hub is forked: a start
    that quietly fell back to exec would test the exec path twice. Tests
    about the fallback itself use the fork_only fixture (test_fork_path.py)."""
    checked = ("hub" in request.fixturenames and "fork_only" not in request.fixturenames
               and request.getfixturevalue("spawn_path") == "fork")
    log = request.getfixturevalue("hub").data_dir / "logs" / "hub.log" if checked else None
    before = log.stat().st_size if log is not None and log.exists() else 0
    yield
    if log is None or not log.exists():
        return
    with open(log, "rb") as f:
        f.seek(before if log.stat().st_size >= before else 0)  # a restarted hub may start a new log
        execd = [line for line in f.read().decode(errors="replace").splitlines() if " by exec: " in line]
    assert not execd, "started by exec on the fork path:\n" + "\n".join(execd)


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
