"""The OAuth logins' authenticators (auth.oidc: oidc.py, auth.google: google.py).

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
    """auth.oidc or auth.google, whichever auth.type names (oidc.py, google.py)."""
    from .registry import get

    kind = config["auth"]["type"]
    if kind not in ("oidc", "google"):
        raise ValueError(f"auth.type {kind!r} is not an OAuth login")
    get(kind).configure(c, config)


def callback_url(config: dict) -> str:
    return public_url(config) + config["hub"]["base_url"] + "hub/oauth_callback"
