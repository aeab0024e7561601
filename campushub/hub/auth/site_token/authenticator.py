"""SiteTokenAuthenticator: learners arrive from an existing site with a token and
never see a login page; the site stays the authority on who they are, whether
they are admins and which groups they belong to."""

from __future__ import annotations

from jupyterhub.auth import Authenticator
from traitlets import Bool, Dict, Enum, Float, Integer, Unicode, default

from ..identity import IdentityMixin, settle
from .sources import DatabaseSource, HttpSource, SiteUnavailable, TokenInfo, well_formed


class SiteTokenAuthenticator(IdentityMixin, Authenticator):
    site_url = Unicode("", help="The site's page learners go back to when their token is refused.").tag(config=True)
    cookie_name = Unicode("campushub_token", help="Cookie the site sets with the token.").tag(config=True)
    query_parameter = Unicode("token", help="Query parameter that may carry the token.").tag(config=True)
    max_token_length = Integer(512, help="Longer tokens are refused without asking the site.").tag(config=True)
    timeout = Float(5.0, help="Seconds to wait for the site's database or endpoint.").tag(config=True)

    database_url = Unicode("", help="SQLAlchemy URL of the site's database.").tag(config=True)
    database_query = Unicode("", help="Parameterised SELECT using :token (overrides table/columns).").tag(config=True)
    database_table = Unicode("sessions", help="Table with one row per token.").tag(config=True)
    database_columns = Dict(
        {"token": "token", "username": "username"},
        help="Result name (token, username, is_admin, groups, expires_at, revoked) -> column.",
    ).tag(config=True)
    token_hash = Enum(["none", "sha256"], "none", help="How the site stores tokens.").tag(config=True)

    http_url = Unicode("", help="Endpoint that answers for a token (POST JSON).").tag(config=True)
    http_api_key_file = Unicode("", help="File with the Bearer key sent to the endpoint.").tag(config=True)
    http_ca_file = Unicode("", help="CA bundle for the endpoint's certificate.").tag(config=True)

    # The site decides who may come in: a valid token is the permission.
    @default("allow_all")
    def _allow_all(self):
        return True

    @default("manage_groups")
    def _manage_groups(self):
        return True

    @default("refresh_pre_spawn")
    def _refresh_pre_spawn(self):
        return True

    # A request whose re-check fails and cannot be sent to a login (an API
    # token) is refused, not served: JupyterHub 6.1 made that optional
    # (5.5 always refuses), and a revoked learner must not keep the hub
    # through an API token minted before the revocation.
    auth_refresh_strict = Bool(True, help="Refuse API requests of people whose site login ended.").tag(config=True)

    _source = None

    @property
    def source(self):
        if self._source is None:
            if self.http_url:
                key = None
                if self.http_api_key_file:
                    with open(self.http_api_key_file) as f:
                        key = f.read().strip()
                self._source = HttpSource(self.http_url, api_key=key, ca_file=self.http_ca_file or None,
                                          timeout=self.timeout)
            elif self.database_url:
                self._source = DatabaseSource(
                    self.database_url, query=self.database_query or None, table=self.database_table,
                    columns=self.database_columns, token_hash=self.token_hash, timeout=self.timeout,
                )
            else:
                raise ValueError("SiteTokenAuthenticator needs database_url or http_url")
        return self._source

    def get_handlers(self, app):
        from .handlers import SiteTokenLoginHandler, SiteTokenLogoutHandler

        return [("/login", SiteTokenLoginHandler), ("/logout", SiteTokenLogoutHandler)]

    def token_from(self, handler) -> str | None:
        """The token the browser carries: the query parameter wins over the cookie."""
        return handler.get_argument(self.query_parameter, None) or handler.get_cookie(self.cookie_name)

    async def check_token(self, token: str | None) -> TokenInfo | None:
        """None for a refused token; raises SiteUnavailable when the site cannot tell."""
        if not well_formed(token, self.max_token_length):
            return None
        return await self.source.check(token)

    async def authenticate(self, handler, data):
        token = (data or {}).get("token")
        info = await self.check_token(token)
        if not info:
            return None
        model = self.one_spelling(handler, _auth_model(info))
        self._remember(self.normalize_username(info.username), token)
        return model

    def _remember(self, name: str, token: str) -> None:
        """The site tokens of a person's recent logins (in memory, newest last)."""
        tokens = self.__dict__.setdefault("_login_tokens", {}).setdefault(name, {})
        tokens.pop(token, None)
        tokens[token] = True
        while len(tokens) > 8:
            tokens.pop(next(iter(tokens)))

    async def _recheck_logins(self, user):
        """API requests carry no site token: they stand while one of the
        person's remembered logins does. Nothing remembered (no login since
        the hub started): nothing to check."""
        tokens = list(self.__dict__.get("_login_tokens", {}).get(user.name, ()))
        for token in tokens:
            try:
                info = await self.check_token(token)
            except SiteUnavailable as e:
                self.log.warning("Site unavailable while re-checking %s's login: %s", user.name, e)
                return True
            if info is not None and info.username == user.name:
                return True
        if tokens:
            self.log.info("Every site login of %s has ended; refusing their API requests", user.name)
        return not tokens

    async def refresh_user(self, user, handler=None):
        # Servers' requests for someone else and an admin acting on someone keep their login.
        if handler is None or getattr(handler, "_jupyterhub_user", user) is not user:
            return True
        if getattr(handler, "_token_authenticated", False):
            return await self._recheck_logins(user)
        # The token that made this login (kept in a signed cookie, whether it
        # came in the address or in the site's cookie), and the site's cookie
        # if it now holds another one: each must still be this person's.
        tokens = [t for t in (handler.get_cookie(self.cookie_name), login_token(handler)) if t]
        if not tokens:
            self.log.info("Login of %s carries no site token to re-check; logging out", user.name)
            return False
        info = None
        for token in dict.fromkeys(tokens):
            try:
                info = await self.check_token(token)
            except SiteUnavailable as e:
                self.log.warning("Site unavailable while re-checking %s's login: %s", user.name, e)
                return True  # a site outage must not throw everyone out
            # Exactly the hub name: "Hanako" is another site user than
            # "hanako" (refused at login), whose admin flag and groups must
            # not reach hanako's login through a token in the site's cookie.
            if info is None or info.username != user.name:
                self.log.info("Site token of %s no longer valid for them; logging out", user.name)
                return False
            # remembered as soon as it is confirmed, so that a fresh token in
            # the site's cookie keeps API requests going even if the older one fails
            self._remember(user.name, token)
        # This method replaces IdentityMixin's: apply its group and admin rules here.
        return settle(self, handler, _auth_model(info), user)


LOGIN_TOKEN_COOKIE = "campushub-site-login"


def login_token(handler) -> str | None:
    value = handler.get_secure_cookie(LOGIN_TOKEN_COOKIE, max_age_days=handler.cookie_max_age_days)
    return value.decode() if value else None


def _auth_model(info: TokenInfo) -> dict:
    # admin/groups None: the site does not say, so the hub keeps what it has
    return {"name": info.username, "admin": info.is_admin, "groups": info.groups}
