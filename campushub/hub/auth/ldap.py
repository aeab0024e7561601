"""auth.ldap in campushub.yaml -> ldapauthenticator, plus group sync.

ldapauthenticator 2.0 only tests membership of configured group DNs, one
search per group, and never tells the hub which groups someone is in. Course
roles (roles.py) hang off hub groups by name, so at every login we search the
user's groups under group_search_base and hand their names to JupyterHub
(manage_groups), which replaces the user's hub groups with them.
"""

from __future__ import annotations

import ssl
from contextvars import ContextVar

import ldap3
from ldap3.core.exceptions import LDAPException, LDAPSocketOpenError, LDAPSSLConfigurationError, LDAPStartTLSError
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn
from ldapauthenticator import LDAPAuthenticator
from traitlets import Bool, Set, Unicode, default

from ...i18n import N_
from .identity import IdentityMixin, refuse
from .registry import NEUTRAL, Deployment, auth_type

NOT_ALLOWED = N_("You signed in correctly, but you are not allowed to use this hub: you are in none of its "
                 "groups. Please ask your instructor or the hub's administrator for access.")
UNREACHABLE = N_("Sign-in is temporarily unavailable: the hub cannot reach the directory or cannot verify "
                 "its certificate. Please try again later; if it persists, tell the hub's administrator.")

# One login's state, from authenticate() into the parent's flow and back.
# A ContextVar because the authenticator is shared by concurrent logins, each
# running in its own asyncio task.
_login: ContextVar[dict | None] = ContextVar("campushub_ldap_login", default=None)


class CampusHubLDAPAuthenticator(IdentityMixin, LDAPAuthenticator):
    group_search_base = Unicode(
        None, allow_none=True,
        help="Where the groups live (subtree search), e.g. ou=groups,dc=example,dc=org. None: no group sync.",
    ).tag(config=True)
    group_search_filter_template = Unicode(
        "(|(member={userdn})(uniqueMember={userdn})(memberUid={username}))",
        help="Filter for a user's groups; {userdn} and {username} are filled in, escaped.",
    ).tag(config=True)
    group_name_attribute = Unicode("cn", help="Attribute of a group entry that names the hub group.").tag(config=True)
    allowed_group_names = Set(
        help="Only members of one of these groups (by name) may log in; empty: no group restriction.",
    ).tag(config=True, allow_config=True)
    ca_file = Unicode(
        "", help="PEM CA bundle for the directory's certificate; empty: the system's CAs.",
    ).tag(config=True)
    tls_insecure_skip_verify = Bool(
        False, help="Accept any certificate from the directory. Dangerous: passwords can be intercepted.",
    ).tag(config=True)

    # ldapauthenticator hands tls_kwargs to ldap3.Tls, whose default is
    # CERT_NONE: a StartTLS or LDAPS connection to anyone at all.
    @default("tls_kwargs")
    def _tls_kwargs_default(self):
        if self.tls_insecure_skip_verify:
            return {"validate": ssl.CERT_NONE}
        return {"validate": ssl.CERT_REQUIRED, **({"ca_certs_file": self.ca_file} if self.ca_file else {})}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.tls_insecure_skip_verify and self.tls_strategy.name != "insecure":
            self.log.warning("auth.ldap.tls_insecure_skip_verify is on: the directory's certificate is NOT "
                             "checked, so anyone between the hub and %s can read passwords", self.server_address)

    def get_connection(self, userdn, password):
        try:
            return super().get_connection(userdn, password)
        except (LDAPSocketOpenError, LDAPStartTLSError, LDAPSSLConfigurationError, ssl.SSLError) as e:
            # Mostly a certificate the hub cannot verify (or a ca_file that is
            # not there): the operator's problem, not a wrong password, and no
            # traceback for anyone.
            self.log.error("Cannot open a verified connection to the LDAP server %s: %s", self.server_address, e)
            raise refuse(None, 503, UNREACHABLE) from None

    # Without a group search the hub's own group APIs stay usable.
    @default("manage_groups")
    def _manage_groups_default(self):
        return self.group_search_base is not None

    async def authenticate(self, handler, data):
        # People type "Ann" or "ann " for uid=ann; uid matching in directories
        # is case-insensitive, but the parent's name check accepts lower case only.
        if isinstance(data.get("username"), str):
            data = {**data, "username": data["username"].strip().lower()}
        state = {"username": data.get("username"), "groups": None, "failed": False}
        token = _login.set(state)
        try:
            model = await super().authenticate(handler, data)
        finally:
            _login.reset(token)
        if model is None:
            return None
        if state["failed"]:
            self.log.warning("Login of %r refused: its LDAP groups could not be read", model["name"])
            return None
        # None leaves the hub's groups alone; a list (even empty) replaces them.
        return {**model, "groups": state["groups"]}

    def resolve_username(self, username_supplied_by_user):
        username, userdn = super().resolve_username(username_supplied_by_user)
        state = _login.get()
        if state is not None and username:
            # The directory's spelling of the name is what memberUid holds.
            state["username"] = username
        return username, userdn

    def get_user_attributes(self, conn, userdn):
        # The parent calls this once, after the user's bind succeeded, with
        # the DN it settled on: the one place where that DN is at hand.
        attributes = super().get_user_attributes(conn, userdn)
        state = _login.get()
        if state is not None and self.group_search_base is not None:
            try:
                state["groups"] = self.search_groups(conn, userdn, state["username"])
            except LDAPException as e:
                self.log.error("LDAP group search for %s failed: %s", userdn, e)
                state["failed"] = True
        return attributes

    def search_groups(self, user_conn, userdn: str, username: str) -> list[str]:
        """Names of the groups of `userdn`, read as the search user if there is one."""
        opened = self.lookup_dn_search_user is not None
        conn = self.get_connection(self.lookup_dn_search_user, self.lookup_dn_search_password) if opened else user_conn
        if conn is None:
            raise LDAPException(f"could not bind as {self.lookup_dn_search_user}")
        try:
            search_filter = self.group_search_filter_template.format(
                userdn=escape_filter_chars(userdn), username=escape_filter_chars(username),
            )
            conn.search(search_base=self.group_search_base, search_scope=ldap3.SUBTREE,
                        search_filter=search_filter, attributes=[self.group_name_attribute])
            # Anything but success, even "no such object" from a mistyped
            # base, must not pass for "in no groups": that would wipe them.
            if conn.result.get("result") != 0:
                raise LDAPException(conn.result.get("description") or str(conn.result))
            names = {name for entry in conn.entries if (name := self._group_name(entry))}
        finally:
            if opened:
                conn.unbind()
        return sorted(names)

    def _group_name(self, entry) -> str | None:
        wanted = self.group_name_attribute.lower()
        found = {k.lower(): v for k, v in entry.entry_attributes_as_dict.items()}
        values = [str(v) for v in found.get(wanted) or []]
        if len(values) <= 1:
            return values[0] if values else None
        # A multi-valued cn: the one in the entry's own DN is the stable one.
        attr, value, _ = parse_dn(entry.entry_dn)[0]
        if attr.lower() == wanted:
            for v in values:
                if escape_rdn(v) == value:
                    return v
        return sorted(values)[0]

    async def check_allowed(self, username, auth_model):
        if await super().check_allowed(username, auth_model):
            return True
        if self.allowed_group_names:
            groups = set((auth_model or {}).get("groups") or ())
            if groups & self.allowed_group_names:
                return True
            self.log.info("%s is in none of the allowed LDAP groups", username)
            # JupyterHub would say "Invalid username or password": the
            # password was right, so say what is really wrong.
            raise refuse(None, 403, NOT_ALLOWED)
        return False


@auth_type("ldap")
def configure(c, config: dict, deployment: Deployment = NEUTRAL) -> None:
    ldap = config["auth"]["ldap"]
    c.JupyterHub.authenticator_class = "campushub.hub.auth.ldap.CampusHubLDAPAuthenticator"
    a = c.CampusHubLDAPAuthenticator
    a.server_address = ldap["server_address"]
    if ldap["server_port"]:
        a.server_port = ldap["server_port"]
    a.tls_strategy = ldap["tls"]
    a.ca_file = ldap["ca_file"] or ""
    a.tls_insecure_skip_verify = ldap["tls_insecure_skip_verify"]
    a.user_attribute = ldap["user_attribute"]
    if ldap["user_search_base"]:
        a.user_search_base = ldap["user_search_base"]
    if ldap["bind_dn_template"]:
        a.bind_dn_template = list(ldap["bind_dn_template"])
    else:
        # No template: find the DN by searching user_attribute under
        # user_search_base (the config check ensures one of the two is set).
        a.lookup_dn = True
        a.lookup_dn_user_dn_attribute = ldap["user_attribute"]
    if ldap["search_user"]:
        a.lookup_dn_search_user = ldap["search_user"]
        a.lookup_dn_search_password = ldap["search_password"]
    if ldap["group_search_base"]:
        a.group_search_base = ldap["group_search_base"]
    a.group_search_filter_template = ldap["group_search_filter"]
    a.group_name_attribute = ldap["group_name_attribute"]
    if ldap["allowed_groups"]:
        a.allowed_group_names = set(ldap["allowed_groups"])
    else:
        c.Authenticator.allow_all = True
