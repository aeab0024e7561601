"""auth.google in campushub.yaml -> CampusHubGoogleAuthenticator (oauth.py) traits."""

from __future__ import annotations

from .oauth import callback_url
from .registry import NEUTRAL, Deployment, auth_type


@auth_type("google")
def configure(c, config: dict, deployment: Deployment = NEUTRAL) -> None:
    google = config["auth"]["google"]
    c.JupyterHub.authenticator_class = "campushub.hub.auth.oauth.CampusHubGoogleAuthenticator"
    a = c.CampusHubGoogleAuthenticator
    a.oauth_callback_url = callback_url(config)
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
