"""auth.oidc and auth.google in campushub.yaml -> oauthenticator traits.

Group sync works without enable_auth_state (and so without a crypt key):
oauthenticator reads the groups from the auth model it builds in memory at
login, and JupyterHub syncs them before it decides not to store auth_state.
The price is that groups change on the next login, not in between.
"""

from __future__ import annotations

from oauthenticator.generic import GenericOAuthenticator
from oauthenticator.google import GoogleOAuthenticator

from ...config import public_url
from .identity import IdentityMixin


class _OneSpelling:
    # oauthenticator normalises the name inside authenticate(): the claim as
    # the provider spelled it is only seen here.
    def user_info_to_username(self, user_info):
        return self.one_spelling(None, super().user_info_to_username(user_info))


class CampusHubOIDCAuthenticator(_OneSpelling, IdentityMixin, GenericOAuthenticator):
    """GenericOAuthenticator under a stable name of ours (config section, entry point)."""


# Google addresses are case-insensitive (one account whatever the case), so
# lower-casing them merges no one: like LDAP, no spelling check.
class CampusHubGoogleAuthenticator(IdentityMixin, GoogleOAuthenticator):
    """GoogleOAuthenticator under a stable name of ours (config section, entry point)."""


def configure(c, config: dict) -> None:
    kind = config["auth"]["type"]
    callback = public_url(config) + config["hub"]["base_url"] + "hub/oauth_callback"
    if kind == "oidc":
        _oidc(c, config["auth"]["oidc"], callback)
    elif kind == "google":
        _google(c, config["auth"]["google"], callback)
    else:
        raise ValueError(f"auth.type {kind!r} is not an OAuth login")


def _oidc(c, oidc: dict, callback: str) -> None:
    c.JupyterHub.authenticator_class = "campushub.hub.auth.oauth.CampusHubOIDCAuthenticator"
    a = c.CampusHubOIDCAuthenticator
    a.oauth_callback_url = callback
    a.authorize_url = oidc["authorize_url"]
    a.token_url = oidc["token_url"]
    a.userdata_url = oidc["userdata_url"]
    a.client_id = oidc["client_id"]
    a.client_secret = oidc["client_secret"]
    # RFC 6749 obliges providers to accept HTTP Basic client authentication
    # (and OIDC makes it the default for registered clients); the form-post
    # method GenericOAuthenticator defaults to is optional and often refused.
    a.basic_auth = True
    a.scope = list(oidc["scope"])
    a.username_claim = oidc["username_claim"]
    a.login_service = oidc["login_service"]
    groups_claim, allowed = oidc["groups_claim"], oidc["allowed_groups"]
    if groups_claim:
        a.manage_groups = True
        # The userinfo response is kept under "oauth_user" in the auth model.
        a.auth_state_groups_key = f"oauth_user.{groups_claim}"
    if allowed:  # the config check ensures groups_claim is set
        a.allowed_groups = set(allowed)
    else:
        c.Authenticator.allow_all = True


def _google(c, google: dict, callback: str) -> None:
    c.JupyterHub.authenticator_class = "campushub.hub.auth.oauth.CampusHubGoogleAuthenticator"
    a = c.CampusHubGoogleAuthenticator
    a.oauth_callback_url = callback
    a.client_id = google["client_id"]
    a.client_secret = google["client_secret"]
    domains = [d.lower() for d in google["hosted_domains"]]
    # hosted_domain is a block list in disguise (accounts whose `hd` claim is
    # not listed are refused before any allow rule), so allow_all below still
    # admits only those domains.
    a.hosted_domain = domains
    allowed = set(google["allowed_groups"])
    # The config check ensures key file, admin and domains come together.
    if google["service_account_key_file"]:
        # oauthenticator keys the service account and the admin it acts as by
        # the user's email domain, and builds the admin's address itself.
        admin = google["workspace_admin"].split("@")[0]
        a.google_service_account_keys = {d: google["service_account_key_file"] for d in domains}
        a.gsuite_administrator = {d: admin for d in domains}
        # Groups are fetched only when allowed_google_groups is non-empty; an
        # empty set per domain makes it fetch without restricting anyone.
        a.allowed_google_groups = {d: allowed for d in domains}
        a.manage_groups = True
        a.auth_state_groups_key = "google_user.google_groups"
    if not allowed:
        c.Authenticator.allow_all = True

