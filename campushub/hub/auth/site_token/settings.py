"""auth.site_token in campushub.yaml -> SiteTokenAuthenticator traits."""

from __future__ import annotations

from ... import logscrub
from ..registry import NEUTRAL, Deployment, auth_type

_COLUMNS = {"token": "token_column", "username": "username_column", "is_admin": "admin_column",
            "groups": "groups_column", "expires_at": "expires_column", "revoked": "revoked_column"}


@auth_type("site_token")
def configure(c, config: dict, deployment: Deployment = NEUTRAL) -> None:
    site = config["auth"]["site_token"]
    # Tokens under a site-chosen parameter name must stay out of the logs too.
    logscrub.install([site["query_parameter"]])
    db, http = site["database"], site["http"]
    c.JupyterHub.authenticator_class = "campushub.hub.auth.site_token.SiteTokenAuthenticator"
    a = c.SiteTokenAuthenticator
    a.site_url = site["site_url"] or ""
    a.cookie_name = site["cookie_name"]
    a.query_parameter = site["query_parameter"]
    a.max_token_length = site["max_token_length"]
    a.timeout = float(site["timeout_seconds"])
    a.auth_refresh_age = site["refresh_seconds"]
    if http["url"]:
        a.http_url = http["url"]
        a.http_api_key_file = http["api_key_file"] or ""
        a.http_ca_file = http["ca_file"] or ""
    else:
        a.database_url = db["url"]
        a.database_query = db["query"] or ""
        a.database_table = db["table"]
        a.database_columns = {name: db[key] for name, key in _COLUMNS.items() if db[key]}
        a.token_hash = db["token_hash"]
        # Without a groups column the site says nothing about groups; leave
        # them to admins instead of emptying them on every login.
        a.manage_groups = bool(db["query"] or db["groups_column"])
