"""Probe findings on site-token SSO, each attack replayed against a real hub
and a real site database (SQLite): revoked URL-token logins, tokens under
another parameter name in the log, names differing only in case, cross-site
account switching; and the first start with roles.admin_groups."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import requests

from tests.harness import TEST_PREFIX, Hub, running, wait_for

from .site_db import SiteDB

SITE = "https://learn.example.com/lessons"
PREFIX = TEST_PREFIX + "p"  # this module's unix accounts, removed by this module only
PARAM = "sso"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return SiteDB(f"sqlite:///{tmp_path_factory.mktemp('site') / 'site.db'}", hashed=True)


@pytest.fixture(scope="module")
def hub(tmp_path_factory, site):
    # A new data dir with roles.admin_groups: JupyterHub used to crash here
    # ("'NoneType' object has no attribute 'admin'"), and only a second start worked.
    h = Hub.create(tmp_path_factory.mktemp("sso-probe"), {
        "spawner": {"user_prefix": PREFIX},
        "auth": {"type": "site_token", "site_token": {"site_url": SITE, "database": site.config(),
                                                      "refresh_seconds": 10, "query_parameter": PARAM}},
        "roles": {"admin_groups": ["hub-staff"]},
    }, servers=False)
    with running(h, PREFIX, admin=None):
        yield h


def arrive(hub: Hub, token: str, session: requests.Session | None = None, **headers):
    s = session or requests.Session()
    r = s.get(f"{hub.url}/hub/login", params={PARAM: token}, allow_redirects=False, timeout=30, headers=headers)
    return s, r


def whoami(hub: Hub, s: requests.Session) -> str | None:
    r = s.get(f"{hub.url}/hub/api/user", timeout=30)
    return r.json()["name"] if r.status_code == 200 else None


@dataclass
class Login:
    token: str
    session: requests.Session
    response: requests.Response
    who: str | None  # the hub's answer right after the login
    minted: requests.Session | None = None  # an API token the person made with that login


@pytest.fixture(scope="module")
def logins(hub, site) -> dict[str, Login]:
    """The logins of the tests that wait for a re-check, made together when the first of them runs.
    A login is re-checked refresh_seconds (10) after it was made: made at once, one wait of 10 s is
    due for them all, instead of one per test. (A request as one of them before its test would
    re-check it early and, the token being valid still, only start that test's 10 s again.)"""
    made = {}
    for name, groups in (("rev-url", ["ml101"]), ("rev-api", []), ("no-proof", []), ("casey", [])):
        token = site.issue(name, groups=groups)
        s, r = arrive(hub, token)
        made[name] = Login(token, s, r, whoami(hub, s) if r.status_code == 302 else None)
    # A learner expecting to be removed mints an API token with their browser login first
    s = made["rev-api"].session
    s.get(f"{hub.url}/hub/token", timeout=30)
    r = s.post(f"{hub.url}/hub/api/users/rev-api/tokens", json={"note": "kept"}, timeout=30,
               headers={"X-XSRFToken": s.cookies.get("_xsrf")})
    assert r.status_code == 201, r.status_code
    made["rev-api"].minted = requests.Session()
    made["rev-api"].minted.headers["Authorization"] = f"token {r.json()['token']}"
    made["rev-api"].who = whoami(hub, made["rev-api"].minted)
    return made


def test_a_url_token_login_ends_when_the_site_revokes_the_token(hub, site, logins):
    login = logins["rev-url"]
    s = login.session
    assert login.response.status_code == 302 and login.who == "rev-url"
    assert not s.cookies.get("campushub_token")  # no site cookie: the address carried the token
    site.revoke(login.token)
    wait_for(lambda: whoami(hub, s) is None, 40, "the revoked ?sso= login to end (refresh_seconds is 10)",
             interval=1)


def test_an_api_token_minted_before_revocation_ends_with_the_login(hub, site, logins):
    # The API token minted with the browser login (logins) must not keep the hub
    # for the learner once the site revokes.
    login = logins["rev-api"]
    minted = login.minted
    assert login.response.status_code == 302 and login.who == "rev-api"
    site.revoke(login.token)
    wait_for(lambda: whoami(hub, minted) is None, 40, "the minted API token to stop working (refresh_seconds is 10)",
             interval=1)
    r = minted.post(f"{hub.url}/hub/api/users/rev-api/tokens", json={"note": "another"}, timeout=30)
    assert r.status_code == 403, r.status_code
    # the learner's next valid login makes the token work again
    assert arrive(hub, site.issue("rev-api"))[1].status_code == 302
    wait_for(lambda: whoami(hub, minted) == "rev-api", 40, "the API token to work after a new login", interval=1)


def test_a_login_without_its_token_cookie_is_not_kept(hub, site, logins):
    s, r = logins["no-proof"].session, logins["no-proof"].response
    assert r.status_code == 302
    stored = [c for c in s.cookies if c.name == "campushub-site-login"]
    assert stored  # the token that made the login, kept to re-check it
    for c in stored:  # a browser that kept the hub cookie only
        s.cookies.clear(c.domain, c.path, c.name)
    wait_for(lambda: whoami(hub, s) is None, 40, "a login that cannot be re-checked to end", interval=1)


def test_tokens_under_another_parameter_name_stay_out_of_the_log(hub, site):
    token = site.issue("log-sso")
    assert arrive(hub, token)[1].status_code == 302
    bad = "unknownToken" + "x" * 30
    assert arrive(hub, bad)[1].status_code == 403
    log = (hub.data_dir / "logs" / "hub.log").read_text(errors="replace")
    assert f"{PARAM}=[secret]" in log  # the access log line is there, scrubbed
    assert token not in log and bad not in log


def test_names_differing_only_in_case_are_not_merged(hub, site):
    s, r = arrive(hub, site.issue("hanako"))
    assert r.status_code == 302
    other, r = arrive(hub, site.issue("Hanako"))
    assert r.status_code == 403, r.status_code
    text = r.content.decode()
    assert "cannot tell apart" in text and "Traceback" not in text
    assert whoami(hub, other) is None and whoami(hub, s) == "hanako"
    _, r = arrive(hub, site.issue("Hanako"), **{"Accept-Language": "ru"})
    assert "Попросите администратора" in r.content.decode()


def test_a_token_of_a_name_differing_in_case_gives_nothing_at_refresh(hub, site, logins):
    # "Casey" is another person of the site (an admin there), refused at the
    # hub's login; their token in the site cookie of casey's browser (a shared
    # computer) must not hand casey Casey's admin flag and groups at the next re-check.
    s, r = logins["casey"].session, logins["casey"].response
    assert r.status_code == 302 and hub.api("GET", "users/casey").json()["admin"] is False
    s.cookies.set("campushub_token", site.issue("Casey", admin=True, groups=["hub-staff"]))
    wait_for(lambda: whoami(hub, s) is None, 40, "the login to end at the re-check (refresh_seconds is 10)",
             interval=1)
    user = hub.api("GET", "users/casey").json()
    assert user["admin"] is False and "hub-staff" not in user["groups"]


def test_a_cross_site_token_link_does_not_switch_a_logged_in_browser(hub, site):
    victim, r = arrive(hub, site.issue("victim"))
    assert r.status_code == 302 and whoami(hub, victim) == "victim"
    attacker_token = site.issue("attacker")
    _, r = arrive(hub, attacker_token, session=victim, **{"Accept-Language": "ja"})
    assert r.status_code == 200 and "アカウントを切り替えますか" in r.content.decode()
    assert whoami(hub, victim) == "victim"
    # a forged POST without the XSRF token (another site cannot read it) switches nothing
    r = victim.post(f"{hub.url}/hub/login", data={"token": attacker_token}, allow_redirects=False, timeout=30)
    assert r.status_code == 403 and whoami(hub, victim) == "victim"
    # the person's own click does
    _, r = arrive(hub, attacker_token, session=victim)
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', r.text))
    assert form["token"] == attacker_token and form["_xsrf"]
    r = victim.post(f"{hub.url}/hub/login", data=form, allow_redirects=False, timeout=30)
    assert r.status_code == 302 and whoami(hub, victim) == "attacker"


def test_the_same_persons_link_needs_no_confirmation(hub, site):
    s, r = arrive(hub, site.issue("twice"))
    assert r.status_code == 302
    _, r = arrive(hub, site.issue("twice"), session=s)
    assert r.status_code == 302 and whoami(hub, s) == "twice"


def test_opening_the_hub_directly_offers_the_site_not_a_dead_login_button(hub):
    r = requests.get(f"{hub.url}/hub/", timeout=30)
    assert r.status_code == 403
    assert 'id="login"' not in r.text
    assert re.search(rf'id="site-login"[^>]*href="{re.escape(SITE)}"', r.text)
    r = requests.get(f"{hub.url}/hub/", timeout=30, headers={"Accept-Language": "ja"})
    assert "コースサイトでサインイン" in r.content.decode()


def test_admin_groups_give_the_admin_flag_and_hub_groups_survive_logins(hub, site):
    token = site.issue("chief", groups=["hub-staff", "ml101"])
    assert arrive(hub, token)[1].status_code == 302
    assert hub.api("GET", "users/chief").json()["admin"] is True  # the site's is_admin is false
    # hub-owned group added by an admin survives the next login; site groups follow the site
    assert hub.api("POST", "groups/project-x").status_code == 201
    assert hub.api("POST", "groups/project-x/users", json={"users": ["chief"]}).status_code == 200
    site.set_groups("chief", ["ml101"])
    s, r = arrive(hub, token)
    assert r.status_code == 302
    model = hub.api("GET", "users/chief").json()
    assert sorted(model["groups"]) == ["ml101", "project-x"] and model["admin"] is False
    # the periodic re-check (refresh_seconds) follows the site the same way
    site.set_groups("chief", ["ml101", "ml102"])

    def refreshed():
        whoami(hub, s)  # browsing is what triggers the re-check
        return "ml102" in hub.api("GET", "users/chief").json()["groups"]

    wait_for(refreshed, 40, "a refresh to bring the site's new group", interval=1)
    assert sorted(hub.api("GET", "users/chief").json()["groups"]) == ["ml101", "ml102", "project-x"]
