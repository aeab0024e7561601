"""`campushub up` runs the assignments service beside the hub and the proxy:
started once the hub answers, reachable through the proxy under
/services/assignments/, usable by every user with their own token and by
nobody without the scope, shown by `status`, started again when it dies,
stopped by `down`. All real: the hub, the proxy, the service process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import requests

from campushub.deploy.local import pids

from ...harness import Hub, campushub, site_processes, wait_for
from . import hub_service_site as checks

COURSES = {"ml": {"title": "Machine learning", "learners_group": "ml", "tutors_group": "ml-tutors"}}
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


def _ours(hub: Hub) -> list[int]:
    return site_processes(hub.data_dir)


def test_stopped_while_starting_it_or_after_up_was_killed_nothing_is_left(tmp_path):
    hub = Hub.create(tmp_path, {"courses": COURSES})
    hub.cleanup_accounts()
    out = open(hub.output, "w")
    env = {**os.environ, "TERM": "dumb", "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "campushub", "up", "--config", str(hub.config_file)],
                            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    out.close()
    try:
        line = "] Starting the assignments service"  # the last step, whatever its number
        wait_for(lambda: line in hub.output.read_text() or proc.poll() is not None, 300, f"up to reach {line!r}")
        assert proc.poll() is None, hub.output.read_text()
        proc.send_signal(signal.SIGTERM)
        wait_for(lambda: proc.poll() is not None, 90, "up to exit after SIGTERM")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = hub.output.read_text()
    assert "Traceback" not in text, text
    assert _ours(hub) == [], text
    assert not list((hub.data_dir / "run").glob("*.pid")), text
    # an `up` killed outright leaves the service running; `down` finds it by its pid file
    try:
        hub.up(admin=None)
        service = _pid(hub)
        assert service in _ours(hub)
        hub.proc.kill()
        hub.proc.wait()
        assert pids.start_time(service) is not None
        result = campushub("down", "--data-dir", str(hub.data_dir))
        assert result.returncode == 0 and "CampusHub stopped" in result.stdout, result.stdout + result.stderr
        wait_for(lambda: _ours(hub) == [], 30, "the service, the hub and the proxy to be gone")
        assert checks.port_free(_port(hub))
    finally:
        campushub("down", "--data-dir", str(hub.data_dir))
        hub.cleanup_accounts()
