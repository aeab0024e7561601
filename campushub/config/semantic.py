"""Checks the schema cannot express: settings that need each other."""

from __future__ import annotations

from typing import Any

from . import kubernetes_checks, resource_checks
from .errors import ConfigError, line_of
from .units import parse_bytes


def check(config: dict, doc: Any, path: str | None) -> None:
    def fail(key: str, message: str):
        keys = key.split(".")
        line = None
        while keys and line is None:  # the key itself may be absent: point at its parent
            line = line_of(doc, keys)
            keys = keys[:-1]
        raise ConfigError(message, path=path, key=key, line=line)

    mem = config["limits"]["memory"]
    if parse_bytes(mem) < 64 * 1024**2:
        fail("limits.memory", f"got {mem!r}; must be at least 64M")
    https = config["hub"]["https"]
    if bool(https["cert"]) != bool(https["key"]):
        fail("hub.https", "set both cert and key, or neither")
    if config["embedding"]["allowed_origins"] and not (
        https["cert"] or (config["hub"]["public_url"] or "").startswith("https://")
    ):
        fail("embedding.allowed_origins",
             "embedding needs HTTPS (browsers send iframe cookies only over HTTPS); "
             "set hub.https.cert and hub.https.key, or hub.public_url to the https:// "
             "address of the TLS proxy in front")
    auth = config["auth"]
    # A file for Kubernetes (it has a kubernetes: section) leaves its secrets
    # out: the release's Secret supplies them (deploy/kubernetes/secrets.py).
    from_secret = isinstance(doc, dict) and "kubernetes" in doc
    for key in REQUIRED_BY_AUTH.get(auth["type"], ()):
        section, _, name = key.partition(".")
        if not auth[section][name] and not (from_secret and key in SECRET_BY_AUTH):
            fail(f"auth.{key}", f"auth.type is {auth['type']}, which needs auth.{key}")
    if auth["type"] == "site_token":
        site = auth["site_token"]
        if site["database"]["url"] and site["http"]["url"] or not (
                site["database"]["url"] or site["http"]["url"] or from_secret):
            fail("auth.site_token", "set exactly one of database.url and http.url")
    if auth["type"] == "oidc" and auth["oidc"]["allowed_groups"] and not auth["oidc"]["groups_claim"]:
        fail("auth.oidc.allowed_groups", "needs groups_claim: without it nobody's groups are known")
    google = auth["google"]
    workspace = [google["service_account_key_file"], google["workspace_admin"], google["hosted_domains"]]
    if auth["type"] == "google" and any(workspace[:2]) and not all(workspace):
        fail("auth.google", "reading Workspace groups needs hosted_domains, service_account_key_file "
             "and workspace_admin together")
    if auth["type"] == "google" and google["allowed_groups"] and not all(workspace):
        fail("auth.google.allowed_groups", "needs hosted_domains, service_account_key_file and "
             "workspace_admin, to read Workspace groups")
    if auth["type"] == "ldap" and not (auth["ldap"]["bind_dn_template"] or auth["ldap"]["user_search_base"]):
        fail("auth.ldap", "set bind_dn_template or user_search_base, so users can be found")
    ldap = auth["ldap"]
    if auth["type"] == "ldap" and ldap["allowed_groups"] and not ldap["group_search_base"]:
        fail("auth.ldap.allowed_groups", "needs group_search_base: without it nobody's groups are known")
    if auth["type"] == "ldap" and (ldap["search_password"] and not ldap["search_user"] or ldap["search_user"]
                                   and not (ldap["search_password"] or from_secret)):
        fail("auth.ldap.search_user", "set search_user and search_password together")
    resource_checks.check(config, fail)
    kubernetes_checks.check(config, fail)


REQUIRED_BY_AUTH = {
    "oidc": ("oidc.authorize_url", "oidc.token_url", "oidc.userdata_url", "oidc.client_id", "oidc.client_secret"),
    "google": ("google.client_id", "google.client_secret"),
    "ldap": ("ldap.server_address",),
}
SECRET_BY_AUTH = ("oidc.client_secret", "google.client_secret")
