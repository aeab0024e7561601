"""Names listed as admins (hub.admin_users, `campushub up --admin`) before
their owner has signed up: nativeauthenticator pre-approves any sign-up under
such a name, so whoever signed up first under a listed admin's name was an
approved admin with a password of their choosing. Replayed on a real hub."""

from __future__ import annotations

import pytest

from tests.harness import TEST_PREFIX, Browserless, Hub, running

PREFIX = TEST_PREFIX + "n"  # this module's unix accounts, removed by this module only


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    h = Hub.create(tmp_path_factory.mktemp("native-admin-names"), {
        "spawner": {"user_prefix": PREFIX}, "hub": {"admin_users": ["teacher"]},
    }, servers=False)
    with running(h, PREFIX):
        yield h


def test_signing_up_under_a_listed_admins_name_needs_approval(hub):
    squatter = Browserless(hub, "teacher", "Squatter-Secret-pw-2026")
    assert squatter.signup().status_code == 200
    r = squatter.login()
    assert r.status_code == 200, r.status_code  # the login form again, not a redirect into the hub
    assert squatter.session.get(f"{hub.url}/hub/api/user", timeout=30).status_code == 403
    # the real admin sees the sign-up waiting, and approving it is their decision
    admin = Browserless(hub, "admin", hub.admin_password)
    assert admin.login().status_code == 302
    page = admin.session.get(f"{hub.url}/hub/authorize", timeout=30).text
    assert '<tr id="teacher" data-authorized="no"' in page
