"""auth.oidc in campushub.yaml -> CampusHubOIDCAuthenticator (oauth.py) traits."""

from __future__ import annotations

from .oauth import callback_url
from .registry import NEUTRAL, Deployment, auth_type


@auth_type("oidc")
def configure(c, config: dict, deployment: Deployment = NEUTRAL) -> None:
    oidc = config["auth"]["oidc"]
    c.JupyterHub.authenticator_class = "campushub.hub.auth.oauth.CampusHubOIDCAuthenticator"
    a = c.CampusHubOIDCAuthenticator
    a.oauth_callback_url = callback_url(config)
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
