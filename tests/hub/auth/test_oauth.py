"""OpenID Connect login end to end, and the Google login's configuration.

OIDC: a real hub and proxy, and a real provider (oidc-provider-mock in its own
process, registered client, claims set over its HTTP API). A requests session
follows the real redirects and submits the provider's sign-in form, as a
browser would. Google: no Google endpoint can run here, so only the
configuration that `configure()` produces is checked.
"""

from __future__ import annotations

import base64
import importlib.util
import json
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from traitlets.config import Config

from campushub.config import ConfigError, validate
from campushub.hub.auth import oauth
from tests.harness import TEST_PREFIX, Hub
from tests.oidc_provider import OIDCProvider

PREFIX = TEST_PREFIX + "o"  # this module's unix accounts, removed by this module only
ALLOWED = ["ml101", "staff"]


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    if importlib.util.find_spec("oidc_provider_mock") is None:
        pytest.skip("oidc-provider-mock is not installed (pip install .[test])")

    p = OIDCProvider.start(tmp_path_factory.mktemp("oidc"))
    yield p
    p.stop()


@pytest.fixture(scope="module")
def hub(tmp_path_factory, provider):
    oidc = {"authorize_url": provider.authorize_url, "token_url": provider.token_url,
            "userdata_url": provider.userinfo_url, "client_id": "pending", "client_secret": "pending",
            "groups_claim": "groups", "allowed_groups": ALLOWED, "login_service": "Campus SSO"}
    h = Hub.create(tmp_path_factory.mktemp("oidc-hub"),
                   {"spawner": {"user_prefix": PREFIX}, "auth": {"type": "oidc", "oidc": oidc}}, servers=False)
    # The redirect URI holds the hub's port, known only now; the provider
    # accepts exactly this URI for the client it issues.
    client_id, secret = provider.register_client(f"{h.url}/hub/oauth_callback")
    config = json.loads(h.config_file.read_text())
    config["auth"]["oidc"].update(client_id=client_id, client_secret=secret)
    h.config_file.write_text(json.dumps(config, indent=1))
    try:
        h.up(admin=None)
        yield h
    finally:
        if h.proc and h.proc.poll() is None:
            h.down("--stop-servers")
        h.cleanup_accounts(PREFIX)


def to_callback(hub: Hub, provider, sub: str) -> tuple[requests.Session, str]:
    """Start at the hub, sign in as `sub` at the provider; return the URL it sends the browser back to."""
    s = requests.Session()
    r = s.get(f"{hub.url}/hub/oauth_login", allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text[:300]
    assert r.headers["Location"].startswith(provider.authorize_url + "?")
    callback = provider.authorize(s, r.headers["Location"], sub)
    assert callback.startswith(f"{hub.url}/hub/oauth_callback?"), callback
    return s, callback


def login(hub: Hub, provider, sub: str) -> tuple[requests.Session, requests.Response]:
    s, callback = to_callback(hub, provider, sub)
    return s, s.get(callback, allow_redirects=False, timeout=60)


def logged_in(hub: Hub, s: requests.Session) -> bool:
    r = s.get(f"{hub.url}/hub/home", allow_redirects=False, timeout=30)
    return r.status_code == 200


def hub_groups(hub: Hub, name: str) -> list[str]:
    r = hub.api("GET", f"users/{name}")
    assert r.status_code == 200, r.text
    return sorted(r.json()["groups"])


def test_login_page_offers_the_provider(hub):
    r = requests.get(f"{hub.url}/hub/login", timeout=30)
    assert r.status_code == 200
    assert "Sign in with Campus SSO" in r.text and 'href="/hub/oauth_login' in r.text


def test_provider_login_creates_the_user_and_syncs_groups_on_every_login(hub, provider):
    provider.set_user("sub-hanako", {"preferred_username": "hanako", "groups": ["ml101", "ml101-extra"]})
    s, r = login(hub, provider, "sub-hanako")
    assert r.status_code == 302, r.text[:500]
    assert s.cookies.get("jupyterhub-hub-login")
    assert logged_in(hub, s)
    assert hub_groups(hub, "hanako") == ["ml101", "ml101-extra"]

    # The provider moves her; the hub follows on her next login.
    provider.set_user("sub-hanako", {"preferred_username": "hanako", "groups": ["staff"]})
    s, r = login(hub, provider, "sub-hanako")
    assert r.status_code == 302 and logged_in(hub, s)
    assert hub_groups(hub, "hanako") == ["staff"]

    # Out of every allowed group: the next login is refused.
    provider.set_user("sub-hanako", {"preferred_username": "hanako", "groups": ["alumni"]})
    s, r = login(hub, provider, "sub-hanako")
    assert r.status_code == 403 and not logged_in(hub, s)


def test_user_outside_allowed_groups_is_refused_and_not_created(hub, provider):
    provider.set_user("sub-taro", {"preferred_username": "taro", "groups": ["other"]})
    s, r = login(hub, provider, "sub-taro")
    assert r.status_code == 403
    assert "not currently authorized" in r.text
    assert not s.cookies.get("jupyterhub-hub-login") and not logged_in(hub, s)
    assert hub.api("GET", "users/taro").status_code == 404

    provider.set_user("sub-jiro", {"preferred_username": "jiro"})  # no groups claim at all
    s, r = login(hub, provider, "sub-jiro")
    assert r.status_code == 403
    assert hub.api("GET", "users/jiro").status_code == 404


def test_a_name_that_lower_casing_would_merge_is_refused(hub, provider):
    # Two provider accounts, "Hanako" and "hanako", must not become one hub
    # user (one unix account and home): the one that normalising changes is refused.
    provider.set_user("sub-upper", {"preferred_username": "Hanako", "groups": ["ml101"]})
    s, r = login(hub, provider, "sub-upper")
    assert r.status_code == 403 and "cannot tell apart" in r.text
    assert not logged_in(hub, s) and hub.api("GET", "users/Hanako").status_code == 404


def forged(callback: str, state: str) -> str:
    url = urlparse(callback)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    return url._replace(query=urlencode({**query, "state": state})).geturl()


def test_tampered_or_replayed_callback_is_refused_without_a_server_error(hub, provider):
    provider.set_user("sub-mallory", {"preferred_username": "mallory", "groups": ["staff"]})
    other_state = base64.urlsafe_b64encode(json.dumps({"state_id": "0" * 32}).encode()).decode()
    for bad_state in (other_state, "not-base64!"):
        s, callback = to_callback(hub, provider, "sub-mallory")
        r = s.get(forged(callback, bad_state), allow_redirects=False, timeout=30)
        assert r.status_code == 400, (bad_state, r.status_code, r.text[:300])
        assert "OAuth state mismatch" in r.text
        assert not logged_in(hub, s)

    # A genuine callback URL opened in another browser (login CSRF): no state cookie.
    _, callback = to_callback(hub, provider, "sub-mallory")
    stranger = requests.Session()
    r = stranger.get(callback, allow_redirects=False, timeout=30)
    assert r.status_code == 400 and not logged_in(hub, stranger)
    assert hub.api("GET", "users/mallory").status_code == 404
    code = parse_qs(urlparse(callback).query)["code"][0]
    log = (hub.data_dir / "logs" / "hub.log").read_text()
    assert "OAuth state" in log and code not in log  # refused callbacks are logged without their code


# -- configuration only ------------------------------------------------------

def configured(auth: dict, hub: dict | None = None):
    config = validate({"hub": hub or {"public_url": "https://hub.example.org"}, "auth": auth})
    c = Config()
    oauth.configure(c, config)
    cls = {"oidc": oauth.CampusHubOIDCAuthenticator, "google": oauth.CampusHubGoogleAuthenticator}[auth["type"]]
    assert c.JupyterHub.authenticator_class == f"{cls.__module__}.{cls.__name__}"
    return c, cls(config=c)


OIDC = {"authorize_url": "https://id.example.org/auth", "token_url": "https://id.example.org/token",
        "userdata_url": "https://id.example.org/userinfo", "client_id": "hub", "client_secret": "s3cret"}


def test_oidc_config_maps_claims_and_callback():
    _, a = configured({"type": "oidc", "oidc": {**OIDC, "groups_claim": "realm_access.roles"}},
                      hub={"public_url": "https://hub.example.org", "base_url": "/jh/"})
    assert a.oauth_callback_url == "https://hub.example.org/jh/hub/oauth_callback"
    assert (a.client_id, a.client_secret, a.username_claim) == ("hub", "s3cret", "preferred_username")
    assert a.basic_auth
    assert a.scope == ["openid", "profile", "email"] and a.login_service == "OpenID Connect"
    assert a.manage_groups and a.auth_state_groups_key == "oauth_user.realm_access.roles"
    assert a.allow_all and not a.allowed_groups and not a.enable_auth_state

    _, a = configured({"type": "oidc", "oidc": {**OIDC, "groups_claim": None}})
    assert not a.manage_groups and a.allow_all
    with pytest.raises(ConfigError, match="groups_claim"):
        configured({"type": "oidc", "oidc": {**OIDC, "groups_claim": None, "allowed_groups": ["x"]}})


GOOGLE = {"client_id": "g-id", "client_secret": "g-secret", "hosted_domains": ["Example.org"]}


def test_google_config_without_service_account_restricts_by_domain_only():
    _, a = configured({"type": "google", "google": GOOGLE})
    assert a.authorize_url.startswith("https://accounts.google.com/")
    assert a.hosted_domain == ["example.org"] and a.allow_all  # hd is still enforced
    assert a.oauth_callback_url == "https://hub.example.org/hub/oauth_callback"
    assert not a.manage_groups and not a.allowed_google_groups and not a.google_service_account_keys
    with pytest.raises(ConfigError, match="allowed_groups"):
        configured({"type": "google", "google": {**GOOGLE, "allowed_groups": ["ml101"]}})


def test_google_config_with_service_account_syncs_workspace_groups():
    sa = {**GOOGLE, "hosted_domains": ["example.org", "lab.example.org"],
          "service_account_key_file": "/etc/campushub/sa.json", "workspace_admin": "root@example.org"}
    _, a = configured({"type": "google", "google": sa})
    assert a.manage_groups and a.auth_state_groups_key == "google_user.google_groups"
    assert a.google_service_account_keys == {"example.org": "/etc/campushub/sa.json",
                                             "lab.example.org": "/etc/campushub/sa.json"}
    assert a.gsuite_administrator == {"example.org": "root", "lab.example.org": "root"}
    # non-empty per domain so oauthenticator fetches groups; empty sets restrict no one
    assert a.allowed_google_groups == {"example.org": set(), "lab.example.org": set()} and a.allow_all

    _, a = configured({"type": "google", "google": {**sa, "allowed_groups": ["ml101"]}})
    assert not a.allow_all and a.allowed_google_groups["example.org"] == {"ml101"}
    with pytest.raises(ConfigError, match="together"):
        configured({"type": "google", "google": {**GOOGLE, "workspace_admin": "root"}})


def test_entry_point_names_resolve():
    from jupyterhub.app import JupyterHub

    app = JupyterHub()
    app.authenticator_class = "campushub-oidc"
    assert app.authenticator_class is oauth.CampusHubOIDCAuthenticator
    app.authenticator_class = "campushub-google"
    assert app.authenticator_class is oauth.CampusHubGoogleAuthenticator
