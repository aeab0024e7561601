"""Site configurations, one per auth type, for the hub configuration tests of
both deployments (deploy/local, deploy/kubernetes)."""

from __future__ import annotations

from types import SimpleNamespace

from campushub.config import validate

AUTH = {
    "native": {"minimum_password_length": 12},
    "site_token": {"http": {"url": "https://lms.example.org/api/check-token"}},
    "oidc": {"authorize_url": "https://id.example.org/auth", "token_url": "https://id.example.org/token",
             "userdata_url": "https://id.example.org/userinfo", "client_id": "campushub",
             "client_secret": "oidc-secret"},
    "google": {"client_id": "campushub.apps.googleusercontent.com", "client_secret": "google-secret"},
    "ldap": {"server_address": "ldap.example.org", "user_search_base": "ou=people,dc=example,dc=org"},
}
# The setting each type's configure maps, as the authenticator sees it.
SETTING = {
    "native": ("minimum_password_length", 12),
    "site_token": ("http_url", "https://lms.example.org/api/check-token"),
    "oidc": ("client_secret", "oidc-secret"),
    "google": ("client_secret", "google-secret"),
    "ldap": ("server_address", "ldap.example.org"),
}
CLASSES = {
    "native": "campushub.hub.auth.native.CampusHubAuthenticator",
    "site_token": "campushub.hub.auth.site_token.SiteTokenAuthenticator",
    "oidc": "campushub.hub.auth.oauth.CampusHubOIDCAuthenticator",
    "google": "campushub.hub.auth.oauth.CampusHubGoogleAuthenticator",
    "ldap": "campushub.hub.auth.ldap.CampusHubLDAPAuthenticator",
}
ORIGIN = "https://lms.example.org"


def site(kind: str, **extra) -> dict:
    return validate({
        "hub": {"public_url": "https://hub.example.org", "admin_users": ["root-admin"]},
        "auth": {"type": kind, kind: AUTH[kind]},
        "roles": {"admin_groups": ["staff"]},
        "courses": {"ml101": {"learners_group": "ml101-learners", "tutors_group": "ml101-tutors"}},
        "embedding": {"allowed_origins": [ORIGIN]},
        "policies": {"default": {"max_servers": 1}, "groups": {"researchers": {"max_servers": 3}}},
        **extra,
    })


def authenticator(c):
    """The configured authenticator, built from the config alone (no hub)."""
    from importlib import import_module

    module, name = c.JupyterHub.authenticator_class.rsplit(".", 1)
    return getattr(import_module(module), name)(config=c)


def named_server_limit(c, *groups: str) -> int:
    user = SimpleNamespace(name="someone", groups=[SimpleNamespace(name=g) for g in groups])
    return c.JupyterHub.named_server_limit_per_user(SimpleNamespace(current_user=user))
