"""`campushub up` runs the analytics service beside the hub and the proxy,
by the same code as the assignments service (hub_services_local.py):
started once the hub answers and counted started only when the proxy routes
its prefix, its token a 0600 file, its folder private, its port privileged
and kept across `down`/`up`, shown by `status`, started again when it dies,
stopped by `down`; turned off, it is neither started nor announced. All
real: the hub, the proxy, the service process."""

from __future__ import annotations

import json

import pytest
import requests

from campushub.deploy.local.layout import Layout

from ...harness import Hub, campushub, run_code, running, server_environ, wait_for
from . import hub_service_site as checks

NAME = "analytics"
LEARNER = "ana-learner"
SCOPE = "access:services!service=analytics"


@pytest.fixture(scope="module")
def site(course_hub):
    # The course hub (tests/conftest.py), which runs analytics as every site does; its end is this
    # service's "`down` stops it" (process gone, pid file removed, port free), and that the next `up`
    # keeps its port is checked on test_lifecycle's site, which goes down and up several times.
    return course_hub


def _answers(hub: Hub) -> bool:
    # its own answer (a browser is sent to log in through the hub), not the hub's 404 for an unrouted prefix
    r = requests.get(f"{hub.url}/services/analytics/", allow_redirects=False, timeout=10)
    return r.status_code == 302 and "client_id=service-analytics" in r.headers.get("Location", "")


def _token(hub: Hub, scopes: list[str]) -> requests.Response:
    assert hub.api("POST", f"users/{LEARNER}").status_code in (201, 409)
    return hub.api("POST", f"users/{LEARNER}/tokens", json={"note": "analytics test", "expires_in": 600,
                                                            "scopes": scopes})


def test_up_starts_it_after_the_hub_and_the_proxy_routes_to_it(site):
    checks.check_started_after_the_hub(site, NAME)
    assert _answers(site)  # `up` said it was running only once the proxy routed the prefix


def test_every_user_may_send_it_records(site):
    # the hub grants a token only scopes its user holds: every user holds this one
    r = _token(site, [SCOPE])
    assert r.status_code == 201, r.text


def test_a_users_server_is_told_where_it_answers_and_its_token_gets_in(site):
    assert site.api("POST", f"users/{LEARNER}").status_code in (201, 409)
    r = site.api("POST", f"users/{LEARNER}/server")
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: site.server_ready(LEARNER), 180, f"{LEARNER}'s server")
    env = server_environ(site, LEARNER)
    assert env["CAMPUSHUB_ANALYTICS_URL"] == f"http://127.0.0.1:{checks.port(site, NAME)}/services/analytics/"
    assert env["CAMPUSHUB_ANALYTICS_FLUSH_S"] == "5"  # analytics.flush_interval
    # from inside the server, with the server's own token: past the service's login to its own check of
    # the batch (an empty one is refused, 400 with a message: nothing stored), not a 403 or a redirect
    code = (
        "import json, os, urllib.request, urllib.error\n"
        "req = urllib.request.Request(os.environ['CAMPUSHUB_ANALYTICS_URL'] + 'api/records', method='POST',\n"
        "    data=b'{\"records\": []}', headers={'Authorization': 'token ' + os.environ['JUPYTERHUB_API_TOKEN'],\n"
        "    'Content-Type': 'application/json'})\n"
        "try:\n    r = urllib.request.urlopen(req, timeout=30); print(r.status, r.read().decode())\n"
        "except urllib.error.HTTPError as e:\n    print(e.code, e.read().decode())\n"
    )
    try:
        status, _, body = run_code(site, LEARNER, site.user_token(LEARNER), code)["stream"].strip().partition(" ")
        assert status == "400" and json.loads(body)["message"], body
    finally:  # a shared hub: nothing of this test keeps running
        site.api("DELETE", f"users/{LEARNER}/server")
        wait_for(lambda: "" not in site.api("GET", f"users/{LEARNER}").json()["servers"], 90,
                 f"{LEARNER}'s server to stop")


def test_status_shows_it(site):
    checks.check_status_shows(site, NAME)


def test_a_killed_service_is_started_again(site):
    checks.check_killed_and_started_again(site, NAME, _answers)


def test_turned_off_it_is_neither_started_nor_announced(tmp_path):
    with running(Hub.create(tmp_path, {"analytics": {"enabled": False}})) as hub:
        assert "analytics" not in hub.output.read_text()
        assert checks.pid(hub, NAME) is None and not Layout(hub.data_dir).service_token(NAME).exists()
        # not announced: nobody is given the scope, and the proxy does not route the prefix to a service
        assert _token(hub, [SCOPE]).status_code == 400  # JupyterHub: scopes the user does not hold
        assert not _answers(hub)
        info = json.loads(campushub("status", "--data-dir", str(hub.data_dir), "--json").stdout)
        assert NAME not in info and NAME not in info["ports"]
