"""Single sign-on from a course site, end to end: a real hub and proxy, real
unix accounts and servers, the site's user database in real SQLite (hashed
tokens) or PostgreSQL (a query joining tables; taken down and brought back)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.harness import TEST_PREFIX, Hub, wait_for

from .site_db import SiteDB

SITE = "https://learn.example.com/lessons"
PREFIX = TEST_PREFIX + "s"  # this module's unix accounts, removed by this module only
COURSE = {"ml101": {"title": "ML 101", "learners_group": "ml101", "tutors_group": "ml101-tutors"}}


def start_hub(workdir, database: dict, servers: bool = True) -> Hub:
    hub = Hub.create(workdir, {
        "spawner": {"user_prefix": PREFIX},
        "auth": {"type": "site_token", "site_token": {"site_url": SITE, "database": database,
                                                      "refresh_seconds": 10}},
        "courses": COURSE,
    }, servers=servers)
    hub.up(admin=None)
    return hub


def stop_hub(hub: Hub) -> None:
    if hub.proc and hub.proc.poll() is None:
        hub.down("--stop-servers")
    hub.cleanup_accounts(PREFIX)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return SiteDB(f"sqlite:///{tmp_path_factory.mktemp('site') / 'site.db'}", hashed=True)


@pytest.fixture(scope="module")
def hub(tmp_path_factory, site):
    h = start_hub(tmp_path_factory.mktemp("sso"), site.config())
    try:
        yield h
    finally:
        stop_hub(h)


def sso(hub: Hub, token: str, via: str = "query", next_url: str = "",
        **headers) -> tuple[requests.Session, requests.Response]:
    """Arrive from the site as a browser does: first hub request carries the token."""
    s = requests.Session()
    s.verify = False
    params = {"next": next_url} if next_url else {}
    if via == "query":
        params["token"] = token
    else:
        s.cookies.set("campushub_token", token)
    r = s.get(f"{hub.url}/hub/login", params=params, allow_redirects=False, timeout=30, headers=headers)
    return s, r


def hub_users(hub: Hub) -> set[str]:
    return {u["name"] for u in hub.api("GET", "users").json()}


def test_learner_arrives_with_a_token_and_their_server_starts(hub, site):
    token = site.issue("hanako", groups=["ml101"])
    s, r = sso(hub, token, next_url="/hub/user-redirect/lab")
    assert r.status_code == 302, r.text[:300]
    target = urlparse(r.headers["Location"])
    assert target.path == "/hub/spawn/hanako"
    assert parse_qs(target.query) == {"next": ["/hub/user-redirect/lab"]}
    assert token not in r.headers["Location"]
    r = s.get(hub.url + r.headers["Location"], timeout=60)  # the spawn page starts the server
    assert r.status_code == 200
    wait_for(lambda: hub.server_ready("hanako"), 180, "hanako's server")
    r = s.get(f"{hub.url}/hub/user-redirect/lab", timeout=60)
    assert r.status_code == 200 and r.url.endswith("/user/hanako/lab"), r.url
    model = hub.api("GET", "users/hanako").json()
    assert model["groups"] == ["ml101"] and model["admin"] is False


def test_the_sites_cookie_works_like_the_query_parameter(hub, site):
    token = site.issue("kenji", groups=["ml101"])
    _, r = sso(hub, token, via="cookie")
    assert r.status_code == 302 and r.headers["Location"].startswith("/hub/spawn/kenji")


def test_admin_flag_and_groups_follow_the_site_at_each_login(hub, site):
    token = site.issue("sato", admin=True, groups=["staff"])
    assert sso(hub, token)[1].status_code == 302
    assert hub.api("GET", "users/sato").json()["admin"] is True
    site.set_admin("sato", False)
    site.set_groups("sato", ["ml101-tutors"])
    assert sso(hub, token)[1].status_code == 302
    model = hub.api("GET", "users/sato").json()
    assert model["admin"] is False and model["groups"] == ["ml101-tutors"]


# --- refusals: each a clear page, nothing created, nothing leaked ----------------

BAD = {
    "malformed": "<script>alert(1)</script>",
    "overlong": "a" * 5000,
    "sql-injection": "' OR '1'='1' --",
    "sql-injection-shaped-but-valid-chars": "x'OR'1'='1",
    "unknown": secrets.token_urlsafe(32),
}


@pytest.mark.parametrize("via", ["query", "cookie"])
@pytest.mark.parametrize("kind", list(BAD))
def test_bad_tokens_get_a_403_page_with_a_way_back(hub, kind, via):
    before = hub_users(hub)
    _, r = sso(hub, BAD[kind], via=via)
    assert r.status_code == 403
    assert "Your sign-in link is not valid" in r.text and f'href="{SITE}"' in r.text
    assert "Traceback" not in r.text
    assert hub_users(hub) == before


def test_expired_and_revoked_tokens_are_refused_and_create_no_user(hub, site):
    expired = site.issue("late-user", ttl=-5)
    revoked = site.issue("gone-user")
    site.revoke(revoked)
    for token in (expired, revoked):
        _, r = sso(hub, token)
        assert r.status_code == 403
    assert not {"late-user", "gone-user"} & hub_users(hub)


def test_refusal_page_is_japanese_for_japanese_browsers(hub):
    _, r = sso(hub, BAD["unknown"], **{"Accept-Language": "ja-JP,ja;q=0.9"})
    assert r.status_code == 403 and "サインイン用のリンクが無効です" in r.text and "コースサイトに戻る" in r.text


def test_no_token_at_all_explains_where_to_go(hub):
    r = requests.get(f"{hub.url}/hub/login", timeout=30, verify=False)
    assert r.status_code == 403 and "Please open your notebooks from your course site" in r.text


def test_forged_hub_cookie_is_not_a_login(hub):
    s = requests.Session()
    s.cookies.set("jupyterhub-hub-login", "2|1:0|10:1700000000|20:jupyterhub-hub-login|44:Zm9yZ2Vk|" + "0" * 64)
    r = s.get(f"{hub.url}/hub/home", timeout=30, allow_redirects=True)
    assert r.status_code == 403 and "Please open your notebooks from your course site" in r.text


def test_a_refused_token_logs_out_whoever_was_logged_in(hub, site):
    s, r = sso(hub, site.issue("yumi", groups=["ml101"]))
    assert r.status_code == 302
    assert s.get(f"{hub.url}/hub/api/user", timeout=30).status_code == 200
    r = s.get(f"{hub.url}/hub/login", params={"token": BAD["unknown"]}, allow_redirects=False, timeout=30)
    assert r.status_code == 403
    assert s.get(f"{hub.url}/hub/api/user", timeout=30).status_code == 403


def test_a_token_revoked_on_the_site_ends_the_hub_login_within_refresh_seconds(hub, site):
    token = site.issue("short-stay", groups=["ml101"])
    s, r = sso(hub, token, via="cookie")
    assert r.status_code == 302
    assert s.get(f"{hub.url}/hub/api/user", timeout=30).status_code == 200
    site.revoke(token)
    wait_for(lambda: s.get(f"{hub.url}/hub/api/user", timeout=30).status_code == 403, 40,
             "the revoked token to end the login (refresh_seconds is 10)", interval=1)


def test_tokens_never_reach_the_logs(hub, site):
    # Runs after the tests above (file order): every token they sent must be absent.
    valid = site.issue("log-check")
    sso(hub, valid)
    logs = "".join(p.read_text(errors="replace") for p in (hub.data_dir / "logs").rglob("*.log"))
    assert "Failed login" in logs or "User logged in" in logs  # the log is the right one
    for token in [valid, *BAD.values()]:
        if len(token) >= 8:
            assert token not in logs


# --- roles: tutors and learners --------------------------------------------------

def start_server(hub: Hub, site: SiteDB, name: str, groups) -> requests.Session:
    s, r = sso(hub, site.issue(name, groups=groups))
    assert r.status_code == 302
    s.get(hub.url + r.headers["Location"], timeout=60)
    wait_for(lambda: hub.server_ready(name), 180, f"{name}'s server")
    return s


def open_server(session: requests.Session, hub: Hub, owner: str) -> requests.Response:
    """Open someone's JupyterLab as a browser would (through the hub's OAuth),
    confirming JupyterHub's "Authorize access" page as a person clicks it."""
    r = session.get(f"{hub.url}/user/{owner}/lab", timeout=60)
    if r.status_code == 200 and "/hub/api/oauth2/authorize" in r.url:
        assert "Authorize access" in r.text
        form = dict(re.findall(r'<input type="hidden" name="(_xsrf)" value="([^"]*)"', r.text))
        form["scopes"] = re.findall(r'<input type="hidden" name="scopes" value="([^"]*)"', r.text)
        r = session.post(r.url, data=form, timeout=60)
    return r


def test_tutor_opens_their_learners_servers_and_no_one_elses(hub, site):
    start_server(hub, site, "learner-a", ["ml101"])
    outsider = start_server(hub, site, "outsider", ["other-course"])
    tutor, r = sso(hub, site.issue("tutor-t", groups=["ml101-tutors"]))
    assert r.status_code == 302
    r = open_server(tutor, hub, "learner-a")
    assert r.status_code == 200 and r.url.endswith("/user/learner-a/lab"), (r.status_code, r.url)
    assert open_server(tutor, hub, "outsider").status_code == 403
    # a learner of the same course is not a tutor
    assert open_server(outsider, hub, "learner-a").status_code == 403


def test_learner_gets_403_on_another_learners_server(hub, site):
    learner_b = start_server(hub, site, "learner-b", ["ml101"])
    wait_for(lambda: hub.server_ready("learner-a"), 180, "learner-a's server")
    assert open_server(learner_b, hub, "learner-a").status_code == 403
    assert open_server(learner_b, hub, "learner-b").status_code == 200


def test_admin_from_the_site_opens_any_server_until_the_site_says_otherwise(hub, site):
    token = site.issue("boss", admin=True)
    admin, r = sso(hub, token)
    assert r.status_code == 302
    assert open_server(admin, hub, "learner-a").status_code == 200
    site.set_admin("boss", False)
    admin, r = sso(hub, token)  # next login
    assert r.status_code == 302
    assert hub.api("GET", "users/boss").json()["admin"] is False
    assert open_server(admin, hub, "learner-b").status_code == 403


# --- PostgreSQL site database: query mode, down and back ---------------------------

def test_postgresql_site_database_down_gives_503_and_recovers(tmp_path, postgres):
    postgres.psql("CREATE DATABASE course_site")
    site = SiteDB(postgres.url("course_site"))
    with site.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE members (username TEXT, grp TEXT)")
        conn.exec_driver_sql("INSERT INTO members VALUES ('pg-user', 'ml101'), ('pg-user', 'lab')")
    query = ("SELECT s.token, s.username, s.is_admin, m.grp AS groups, s.expires_at, s.revoked "
             "FROM hub_sessions s LEFT JOIN members m ON m.username = s.username WHERE s.token = :token")
    hub = start_hub(tmp_path, {"url": postgres.url("course_site"), "query": query}, servers=False)  # logins only
    try:
        token = site.issue("pg-user")
        _, r = sso(hub, token)
        assert r.status_code == 302
        assert sorted(hub.api("GET", "users/pg-user").json()["groups"]) == ["lab", "ml101"]
        site.engine.dispose()
        postgres.pause()
        try:
            before = hub_users(hub)
            _, r = sso(hub, token)
            assert r.status_code == 503
            assert "Sign-in is temporarily unavailable" in r.text and "Traceback" not in r.text
            _, r = sso(hub, "fresh-" + secrets.token_urlsafe(16))
            assert r.status_code == 503 and hub_users(hub) == before
        finally:
            postgres.resume()
        wait_for(lambda: sso(hub, token)[1].status_code == 302, 30, "login to work again")
        log = (hub.data_dir / "logs" / "hub.log").read_text()
        assert "the site is unavailable" in log and token not in log
    finally:
        stop_hub(hub)
