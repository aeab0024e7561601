"""Shared fixtures: one real CampusHub for the whole session, approved users in it, and one with courses."""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

import pytest

from .harness import TEST_PREFIX, Browserless, Hub, running, wait_for
from .tiers import lean_jsonschema

# With PYTHONDONTWRITEBYTECODE (set on this project's machines) every run compiled every module again,
# pytest's assertion rewriting of ~200 test modules included: 5-6 s of the fast tier's CPU. Compiled
# files go to a cache outside the checkout instead, unless a PYTHONPYCACHEPREFIX was chosen already.
if sys.dont_write_bytecode and sys.pycache_prefix is None:
    sys.pycache_prefix = str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") /
                             "campushub" / "pycache")
    sys.dont_write_bytecode = False

lean_jsonschema()  # before any test module imports it (tests/tiers.py)

# The machine's own default projects root: a test's `up` claiming it (for its tmp data dir) refuses every
# later site there, this machine's real one and the next run's tests included.
DEFAULT_SITE = (Path("/srv/campushub"), Path("/srv/campushub/projects/.campushub-site"))


@pytest.fixture(scope="session", autouse=True)
def default_projects_root_untouched():
    before = {path: os.path.lexists(path) for path in DEFAULT_SITE}
    yield
    appeared = [str(path) for path in DEFAULT_SITE if os.path.lexists(path) and not before[path]]
    assert not appeared, f"a test made {appeared}: give its site a projects.root of its own"


@pytest.fixture(scope="session")
def hub(tmp_path_factory):
    # apps shared on the hub's own origin (tests/hub/apps/test_page_stack.py, tests/browser/test_apps_*.py
    # share them): every app here is a test's own; the default, owner only, is test_sharing_refused.py's
    with running(Hub.create(tmp_path_factory.mktemp("campushub"), {"apps": {"share_on_hub_origin": True}})) as h:
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


# The course hub lives from its first use to the end of the session, while other modules' hubs come
# and go, each removing TEST_PREFIX's accounts (running()): its accounts have a prefix of their own.
COURSE_PREFIX = "chq" + TEST_PREFIX[3:]
COURSES = {  # one course per test module that uses the course hub, so none sees another's assignments
    "c1": {"title": "Course one", "learners_group": "c1-learners", "tutors_group": "c1-tutors"},
    "stack1": {"title": "Learner's stack", "learners_group": "stack1-learners", "tutors_group": "stack1-tutors"},
    "ml": {"title": "Machine learning", "learners_group": "ml", "tutors_group": "ml-tutors"},
    "prog1": {"title": "Programming 1", "learners_group": "prog1-learners", "tutors_group": "prog1-tutors"},
    "da101": {"title": "Data analysis 101", "learners_group": "da101-learners", "tutors_group": "da101-tutors"},
}
# Members of this group get ranges to choose from, so the spawn form shows (the help portal's screenshot,
# tests/help); everybody else keeps the fixed limits, so a spawn starts at once without a form.
FORM_GROUP = "form-shown"


@pytest.fixture(scope="session")
def course_hub(tmp_path_factory):
    """One real CampusHub with courses, whose `campushub up` runs the assignments service: shared by the
    service's tests, the learner's server, the browser's assignment flow and `up`'s supervision of it,
    instead of a hub each; the analytics service's tests and the help portal's browser tests use it too.
    Stopped by `down` at the end, which must stop its services: their processes gone, their pid files
    removed, their ports free (the check tests/deploy/local/test_{assignments,analytics}_service.py would
    otherwise make on hubs of their own)."""
    from campushub.deploy.local import pids
    from campushub.deploy.local.layout import Layout

    hub = Hub.create(tmp_path_factory.mktemp("course-hub"), {
        "spawner": {"user_prefix": COURSE_PREFIX},
        "courses": COURSES,
        "assignments": {"max_notebook_size": "256K", "workers": 1, "timeout": 120},
        "analytics": {"enabled": True},
        "help": {"enabled": True},  # the help portal's browser tests (tests/help), and its Help links in the pages
        "policies": {"groups": {FORM_GROUP: {"cpu": {"min": 0.5, "max": 2, "default": 1},
                                             "memory": {"min": "512M", "max": "2G", "default": "1G"}}}},
    })
    layout = Layout(hub.data_dir)
    services = ("assignments", "analytics", "help")
    with running(hub, COURSE_PREFIX):
        ports = {name: json.loads(layout.config_copy.read_text())[name]["port"] for name in services}
        yield hub
        # a test may have just killed one: `up` starts it again, then `down` must stop that one
        running_pids = {name: wait_for(lambda name=name: pids.read(layout.pid_file(name)), 60,
                                       f"the {name} service to run") for name in services}
        result = hub.down("--stop-servers")
        assert result.returncode == 0, result.stdout + result.stderr
    for name in services:
        assert pids.start_time(running_pids[name]) is None, f"`down` left the {name} service running"
        assert not layout.pid_file(name).exists(), f"`down` left the {name} service's pid file"
        with socket.socket() as s:  # and its port free
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", ports[name]))


@pytest.fixture(scope="session")
def analytics_site(tmp_path_factory):
    """One real site with the analytics service, two courses and their people (tests/analytics/e2e_site.py),
    shared by the analytics end-to-end tests and its browser tests instead of a hub each."""
    from .analytics.e2e_site import site

    with site(tmp_path_factory.mktemp("analytics-hub")) as found:
        yield found


@pytest.fixture(scope="session")
def jobs_site(tmp_path_factory):
    """One real site with the jobs service and three people with servers (tests/jobs/web/site.py), shared by
    the jobs page's stack tests and its browser tests instead of a hub each."""
    from .jobs.web.site import jobs_site as site

    with site(tmp_path_factory.mktemp("jobs-hub")) as found:
        yield found


# Bulk import (tests/hub/people, tests/browser/test_people_import.py) adds hundreds of people and
# groups: a hub of its own, so the shared hub's user listings stay as other tests expect them.
PEOPLE_PREFIX = "chp" + TEST_PREFIX[3:]


@pytest.fixture(scope="session")
def people_hub(tmp_path_factory):
    with running(Hub.create(tmp_path_factory.mktemp("people-hub"), {"spawner": {"user_prefix": PEOPLE_PREFIX}},
                            servers=False), PEOPLE_PREFIX) as h:
        yield h


@pytest.fixture(scope="session")
def postgres():
    from .postgres import Postgres

    server = Postgres.start()
    yield server
    server.stop()


def pytest_collection_modifyitems(config, items):
    from .tiers import mark_stack
    from .xdist_groups import record_groups

    mark_stack(items)  # `pytest -m "not stack"`: the fast tier (tests/tiers.py)
    record_groups(config, items)  # `-n 2 --dist loadgroup`: a shared hub on one worker (tests/workers.py)


# pytest-xdist's hooks (optional: `-p no:xdist` runs without them)
@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    from .xdist_groups import configure_node

    configure_node(node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from .xdist_groups import make_scheduler

    return make_scheduler(config, log)
