"""/hub/login for site tokens: check, log in, start the server, go on.

Replaces JupyterHub's login page: there is nothing to type, the browser
already carries the token. Every refusal is a page of its own (403 with a
way back to the site, 503 while the site cannot answer), never a traceback,
and never a user created on the way.

A token in the address can be planted by any other site (a link or an
image): someone already logged in is asked before it switches their browser
to another account, and only a POST with the XSRF check switches.
"""

from __future__ import annotations

from urllib.parse import quote

from jupyterhub.handlers import BaseHandler, LogoutHandler
from jupyterhub.utils import url_path_join

from .authenticator import LOGIN_TOKEN_COOKIE
from .sources import SiteUnavailable


class SiteTokenLoginHandler(BaseHandler):
    async def get(self):
        auth = self.authenticator
        token = auth.token_from(self)
        user = self.current_user
        if not token:
            if user:  # already logged in and nothing new to check
                return self.redirect(self._next_url(user))
            return self._refuse(403, "missing")
        if user and self.get_argument(auth.query_parameter, None):
            try:
                info = await auth.check_token(token)
            except SiteUnavailable as e:
                self.log.error("Site token check failed, the site is unavailable: %s", e)
                return self._refuse(503, "unavailable")
            if info is not None and auth.normalize_username(info.username) != user.name:
                return self._ask_before_switching(user, info.username, token)
        await self._log_in(token)

    async def post(self):
        # Only the confirmation form posts here; tornado has checked its _xsrf.
        token = self.get_body_argument("token", "")
        if not token:
            return self._refuse(403, "missing")
        await self._log_in(token)

    async def _log_in(self, token: str) -> None:
        try:
            user = await self.login_user({"token": token})
        except SiteUnavailable as e:
            self.log.error("Site token check failed, the site is unavailable: %s", e)
            return self._refuse(503, "unavailable")
        if user is None:
            # Whoever was logged in before must not stay logged in on a
            # browser that now presents a token we refuse.
            self.clear_login_cookie()
            return self._refuse(403, "refused")
        # Re-checked at every refresh (authenticator.refresh_user), so a
        # token the site revokes ends this login whichever way it came.
        self._set_cookie(LOGIN_TOKEN_COOKIE, token, encrypted=True, path=self.hub.base_url)
        self.redirect(self._next_url(user))

    def clear_login_cookie(self, name=None):
        super().clear_login_cookie(name)
        self.clear_cookie(LOGIN_TOKEN_COOKIE, path=self.hub.base_url)

    def _next_url(self, user) -> str:
        """Where to go, with the token left behind (it is only in this request's URL)."""
        next_url = self._validate_next_url(self.get_argument("next", ""))
        if user.spawner.active:
            return next_url or user.url
        # Learners come to work, not to press "start": spawn now, then go on.
        spawn_url = url_path_join(self.hub.base_url, "spawn", user.escaped_name)
        return spawn_url + (f"?next={quote(next_url, safe='')}" if next_url else "")

    def _private_page(self, status: int) -> None:
        self.set_status(status)
        # The token may be in this page's URL or form: keep it out of
        # Referer headers and caches.
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/html; charset=UTF-8")

    def _ask_before_switching(self, user, other: str, token: str) -> None:
        self._private_page(200)
        next_url = self._validate_next_url(self.get_argument("next", ""))
        self.finish(self.render_template(
            "site-token-switch.html", sync=True, current=user.name, other=other, token=token,
            next_url=next_url, stay_url=next_url or url_path_join(self.hub.base_url, "home"),
            site_url=self.authenticator.site_url,
        ))

    def _refuse(self, status: int, reason: str) -> None:
        self._private_page(status)
        html = self.render_template(
            "site-token-error.html", sync=True, status_code=status, reason=reason,
            site_url=self.authenticator.site_url,
        )
        self.finish(html)


class SiteTokenLogoutHandler(LogoutHandler):
    def clear_login_cookie(self, name=None):
        super().clear_login_cookie(name)
        self.clear_cookie(LOGIN_TOKEN_COOKIE, path=self.hub.base_url)

    async def render_logout_page(self):
        # Our login page would log the browser straight back in with the
        # site's cookie, so signing out ends on the site (or says so).
        if self.authenticator.site_url:
            return self.redirect(self.authenticator.site_url)
        self.finish(await self.render_template(
            "site-token-error.html", status_code=200, reason="signed_out", site_url=""))
