"""Names listed as admins (hub.admin_users, `campushub up --admin`) before
their owner has signed up: nativeauthenticator pre-approves any sign-up under
such a name, so whoever signed up first under a listed admin's name was an
approved admin with a password of their choosing. Replayed on a real hub."""

from __future__ import annotations

import pytest

from tests.harness import TEST_PREFIX, Browserless, Hub, campushub, running

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


@pytest.fixture(scope="module")
def open_hub(tmp_path_factory):
    h = Hub.create(tmp_path_factory.mktemp("native-open-signup"), {
        "spawner": {"user_prefix": PREFIX}, "auth": {"native": {"open_signup": True}},
    }, servers=False)
    with running(h, PREFIX):
        yield h


def test_open_signup_does_not_hand_over_accounts_the_hub_has_already(open_hub, tmp_path):
    """`campushub users import` makes hub users before their owners have a password: an admin flag,
    course and project groups. With open_signup, whoever signed up first under such a name was
    approved at once and logged in as that person, an admin included. Such a sign-up waits for an
    admin's approval; a sign-up under a new name is still approved at once."""
    hub = open_hub
    people = tmp_path / "people.csv"
    people.write_text("username,display_name,groups,admin\nsensei,Tutor One,cohort26-tutors,yes\n"
                      "learner7,Learner 7,cohort26,no\n")
    done = campushub("users", "import", str(people), "--data-dir", str(hub.data_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("sensei", "learner7"):
        squatter = Browserless(hub, name, "Squatter-Secret-pw-2026")
        assert squatter.signup().status_code == 200
        assert squatter.login().status_code == 200, name  # the login form again, not into the hub
        assert squatter.session.get(f"{hub.url}/hub/api/user", timeout=30).status_code == 403
    newcomer = Browserless(hub, "newcomer", "Newcomer-Secret-pw-2026")
    assert newcomer.signup().status_code == 200
    assert newcomer.login().status_code == 302  # open_signup as such still works
    assert hub.api("GET", "users/sensei").json()["admin"] is True
