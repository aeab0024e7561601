"""The OAuth logins' authenticators (auth.oidc: oidc.py, auth.google: google.py).

Group sync works without enable_auth_state (and so without a crypt key):
oauthenticator reads the groups from the auth model it builds in memory at
login, and JupyterHub syncs them before it decides not to store auth_state.
The price is that groups change on the next login, not in between.
"""

from __future__ import annotations

from oauthenticator.generic import GenericOAuthenticator
from oauthenticator.google import GoogleOAuthenticator
from traitlets import HasTraits, observe

from ...config import public_url
from .identity import IdentityMixin


class _OneSpelling:
    # oauthenticator normalises the name inside authenticate(): the claim as
    # the provider spelled it is only seen here.
    def user_info_to_username(self, user_info):
        return self.one_spelling(None, super().user_info_to_username(user_info))


class _AdminGroupsWithoutSync(HasTraits):
    # Upstream refuses admin_groups unless the provider's groups are synced
    # (manage_groups), so a hub with roles.admin_groups and no groups claim or
    # Workspace access failed to start. Ours (IdentityMixin) also reads the
    # hub-owned groups, so only the other two still need the sync.
    @observe("allowed_groups", "auth_state_groups_key")
    def _requires_manage_groups(self, change):
        if change.new and not self.manage_groups:
            cls = type(change.owner).__name__
            raise ValueError(f"{cls}.{change.name} requires {cls}.manage_groups to also be set")


class CampusHubOIDCAuthenticator(_OneSpelling, _AdminGroupsWithoutSync, IdentityMixin, GenericOAuthenticator):
    """GenericOAuthenticator under a stable name of ours (config section, entry point)."""


# Google addresses are case-insensitive (one account whatever the case), so
# lower-casing them merges no one: like LDAP, no spelling check.
class CampusHubGoogleAuthenticator(_AdminGroupsWithoutSync, IdentityMixin, GoogleOAuthenticator):
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
