"""`campushub up` runs the assignments service beside the hub and the proxy:
started once the hub answers, reachable through the proxy under
/services/assignments/, usable by every user with their own token and by
nobody without the scope, shown by `status`, started again when it dies,
stopped by `down`. All real: the hub, the proxy, the service process."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys

import pytest
import requests

from campushub.deploy.local import pids
from campushub.deploy.local.layout import Layout

from ...harness import Hub, campushub, site_processes, wait_for

COURSES = {"ml": {"title": "Machine learning", "learners_group": "ml", "tutors_group": "ml-tutors"}}
LEARNER = "alice-assign"


@pytest.fixture(scope="module")
def site(course_hub):
    # The course hub (tests/conftest.py) has course ml. Its end is this module's "`down` stops it":
    # `down` exits 0, the service's process is gone, its pid file removed and its port free.
    return course_hub


def _port(hub: Hub) -> int:
    return json.loads(Layout(hub.data_dir).config_copy.read_text())["assignments"]["port"]


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pid(hub: Hub) -> int | None:
    return pids.read(Layout(hub.data_dir).pid_file("assignments"))


def _answers(hub: Hub) -> bool:
    r = requests.get(f"{hub.url}/services/assignments/", allow_redirects=False, timeout=10)
    return r.status_code == 302


def _token(hub: Hub, scopes: list[str]) -> requests.Response:
    return hub.api("POST", f"users/{LEARNER}/tokens", json={"note": "assignments test", "expires_in": 600,
                                                            "scopes": scopes})


def test_up_starts_it_after_the_hub(site):
    output = site.output.read_text()
    assert "Starting the assignments service" in output
    assert output.index("Waiting for JupyterHub to answer") < output.index("Starting the assignments service")
    layout = Layout(site.data_dir)
    assert _pid(site) is not None
    assert stat.S_IMODE(os.stat(layout.assignments_token).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(layout.assignments_dir).st_mode) == 0o700
    assert layout.log_file("assignments").exists()
    # privileged (out of learners' reach), as the hub's internal ports
    assert _port(site) < 1024


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
    result = campushub("status", "--data-dir", str(site.data_dir), "--json")
    info = json.loads(result.stdout)
    assert info["assignments"] is True
    assert info["ports"]["assignments"] == _port(site)
    text = campushub("status", "--data-dir", str(site.data_dir)).stdout
    assert "Assignments: running" in text and f"assignments 127.0.0.1:{_port(site)}" in text


def test_a_killed_service_is_started_again(site):
    before = _pid(site)
    seen = len(site.output.read_text())  # the course hub's `up` may have restarted it for another test
    os.kill(before, signal.SIGKILL)
    after = wait_for(lambda: (_pid(site) not in (None, before)) and _pid(site), 60,
                     "campushub up to start the assignments service again")
    assert after != before
    wait_for(lambda: _answers(site), 60, "the restarted assignments service to answer")
    assert "the assignments service exited; starting it again" in site.output.read_text()[seen:]


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
        assert _port_free(_port(hub))
    finally:
        campushub("down", "--data-dir", str(hub.data_dir))
        hub.cleanup_accounts()
