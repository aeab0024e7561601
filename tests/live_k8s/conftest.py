"""Fixtures of the live test, one release for the whole session.

`release` installs the rendered chart values in a fresh namespace and
removes everything again at the end; `k8s_hub` is its proxy-public on a local
port; `learner` is a person logged in through the site's auth. A later
issue's service adds one test_*.py here that uses them (README.md).
"""

from __future__ import annotations

import uuid

import pytest

from campushub.config import validate

from ..harness import Browserless
from . import release as releases
from .images import require_loaded
from .portforward import forwarded
from .requirements import require_cluster
from .site import LEARNER, PASSWORD, site_config, write_config


@pytest.fixture(scope="session")
def cluster() -> str:
    """The kubeconfig to use, or one skip naming everything that is missing."""
    return require_cluster()


@pytest.fixture(scope="session")
def live_namespace() -> str:
    return f"campushub-live-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def rendered(tmp_path_factory, live_namespace) -> releases.Release:
    """What `campushub k8s render` wrote for the test's campushub.yaml."""
    work = tmp_path_factory.mktemp("live-k8s")
    releases.render(write_config(work / "campushub.yaml", live_namespace), work / "rendered")
    return releases.Release(validate(site_config(live_namespace)), work / "rendered")


@pytest.fixture(scope="session")
def release(cluster, rendered, tmp_path_factory) -> releases.Release:
    require_loaded(rendered.config, cluster)
    try:
        releases.install(rendered, tmp_path_factory.mktemp("live-k8s-install"))
        yield rendered
    finally:
        left = releases.remove(rendered)
        assert not left, f"the live test left behind: {', '.join(left)}"


@pytest.fixture(scope="session")
def k8s_hub(release, tmp_path_factory):
    log = tmp_path_factory.mktemp("live-k8s-forward") / "port-forward.log"
    with forwarded(release.namespace, log) as hub:
        yield hub


@pytest.fixture(scope="session")
def learner(k8s_hub) -> Browserless:
    """Signed up and logged in through the site's auth (native, open sign-up)."""
    person = Browserless(k8s_hub, LEARNER, PASSWORD)
    r = person.signup()
    assert r.status_code == 200, f"sign-up answered {r.status_code}: {r.text[:300]}"
    r = person.login()
    assert r.status_code == 302, f"{LEARNER} could not log in: {r.status_code} {r.text[:300]}"
    return person
