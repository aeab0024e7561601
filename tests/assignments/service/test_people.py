"""Course roles come from the site's courses and the hub's groups (no second
list of people): checked against the real hub with the service's own token,
and through the service with a browser's OAuth cookie, whose POSTs need the
XSRF token."""

from __future__ import annotations

from campushub.deploy.local.layout import Layout
from campushub.webservice.people import People

from ...harness import Browserless, wait_for
from .conftest import COURSE


def _people(site) -> People:
    layout = Layout(site.hub.data_dir)
    config = site.config()
    api = f"http://127.0.0.1:{config['hub']['hub_port']}/hub/api"
    return People(config["courses"], api, layout.assignments_token.read_text().strip(), ttl=0)


def test_roles_and_learners_from_the_hubs_groups(site):
    people = _people(site)
    assert people.learners(COURSE) == ["ann", "ben"]
    assert [people.role(n, COURSE) for n in ("ann", "tess", "otto", "admin")] == ["learner", "tutor", None, "tutor"]
    assert people.role("ann", "no-such-course") is None and people.learners("no-such-course") == []
    assert people.role("nobody-here", COURSE) is None


def test_a_group_change_reaches_the_service(site, service_ps1):
    def listed() -> list:
        return [a["name"] for a in site.call("otto", "GET", "api/assignments").json()["assignments"]]

    assert listed() == []
    assert site.hub.api("POST", "groups/c1-learners/users", json={"users": ["otto"]}).status_code == 200
    try:
        wait_for(lambda: "ps1" in listed(), 60, "otto to see the course's assignment")
    finally:
        site.hub.api("DELETE", "groups/c1-learners/users", json={"users": ["otto"]})
    wait_for(lambda: listed() == [], 60, "otto to lose it again")


def test_cookie_posts_need_the_xsrf_token(site, service_ps1):
    admin = Browserless(site.hub, "admin", site.hub.admin_password)
    assert admin.login().status_code == 302
    r = admin.session.get(site.prefix, timeout=60)  # the OAuth round trip through the hub
    assert r.status_code == 200 and r.url.startswith(site.prefix), r.url
    listed = admin.session.get(site.prefix + "api/assignments", timeout=30).json()["assignments"]
    assert ("ps1", "tutor") in [(a["name"], a["role"]) for a in listed]  # hub admins tutor every course
    assert {a["role"] for a in listed} == {"tutor"}
    url = site.prefix + f"api/course/{COURSE}/assignments"
    forged = admin.session.post(url, data="[1]", timeout=30)
    assert forged.status_code == 403 and "did not come from this site" in forged.json()["message"]
    token = admin.session.cookies.get("_xsrf", path="/services/assignments/")
    assert token
    ok = admin.session.post(url, data="[1]", headers={"X-XSRFToken": token}, timeout=30)
    assert ok.status_code == 400 and "JSON object" in ok.json()["message"]
