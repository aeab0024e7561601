"""`campushub up` runs the assignments service beside the hub and the proxy:
started once the hub answers, reachable through the proxy under
/services/assignments/, usable by every user with their own token and by
nobody without the scope, shown by `status`, started again when it dies,
stopped by `down`. All real: the hub, the proxy, the service process.
(Stopped while starting, or left by a killed `up`: the same code runs both
hub services, and tests/cli/test_lifecycle.py checks it with the analytics
service that every site runs.)"""

from __future__ import annotations

import pytest
import requests

from ...harness import Hub
from . import hub_service_site as checks

LEARNER = "alice-assign"


@pytest.fixture(scope="module")
def site(course_hub):
    # The course hub (tests/conftest.py) has course ml. Its end is this module's "`down` stops it":
    # `down` exits 0, the service's process is gone, its pid file removed and its port free.
    return course_hub


def _port(hub: Hub) -> int:
    return checks.port(hub, "assignments")


def _pid(hub: Hub) -> int | None:
    return checks.pid(hub, "assignments")


def _answers(hub: Hub) -> bool:
    r = requests.get(f"{hub.url}/services/assignments/", allow_redirects=False, timeout=10)
    return r.status_code == 302


def _token(hub: Hub, scopes: list[str]) -> requests.Response:
    return hub.api("POST", f"users/{LEARNER}/tokens", json={"note": "assignments test", "expires_in": 600,
                                                            "scopes": scopes})


def test_up_starts_it_after_the_hub(site):
    checks.check_started_after_the_hub(site, "assignments")


def test_the_proxy_routes_to_it_and_a_browser_is_sent_to_log_in(site):
    r = requests.get(f"{site.url}/services/assignments/", allow_redirects=False, timeout=10)
    assert r.status_code == 302
    assert "/hub/api/oauth2/authorize" in r.headers["Location"]
    assert "client_id=service-assignments" in r.headers["Location"]


def test_every_user_may_use_it_with_their_own_token(site):
    assert site.api("POST", f"users/{LEARNER}").status_code in (201, 409)
    # the hub grants a token only scopes its user holds: every user holds this one
    r = _token(site, ["access:services!service=assignments"])
    assert r.status_code == 201, r.text
    ok = requests.get(f"{site.url}/services/assignments/api/assignments",
                      headers={"Authorization": f"token {r.json()['token']}"}, timeout=30)
    assert ok.status_code == 200, ok.text
    # a token of the same user without that scope gets nowhere
    other = _token(site, ["read:users:name!user"])
    assert other.status_code == 201, other.text
    refused = requests.get(f"{site.url}/services/assignments/api/assignments",
                           headers={"Authorization": f"token {other.json()['token']}"}, timeout=30,
                           allow_redirects=False)
    assert refused.status_code in (302, 403), refused.text


def test_status_shows_it(site):
    checks.check_status_shows(site, "assignments")


def test_a_killed_service_is_started_again(site):
    checks.check_killed_and_started_again(site, "assignments", _answers)

