"""GET /hub/login for site tokens: check, log in, start the server, go on.

Replaces JupyterHub's login page: there is nothing to type, the browser
already carries the token. Every refusal is a page of its own (403 with a
way back to the site, 503 while the site cannot answer), never a traceback,
and never a user created on the way.
"""

from __future__ import annotations

from jupyterhub.handlers import BaseHandler, LogoutHandler
from jupyterhub.utils import url_path_join

from .sources import SiteUnavailable


class SiteTokenLoginHandler(BaseHandler):
    async def get(self):
        auth = self.authenticator
        token = auth.token_from(self)
        if not token:
            user = self.current_user
            if user:  # already logged in and nothing new to check
                return self.redirect(self._next_url(user))
            return self._refuse(403, "missing")
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
        self.redirect(self._next_url(user))

    def _next_url(self, user) -> str:
        """Where to go, with the token left behind (it is only in this request's URL)."""
        next_url = self._validate_next_url(self.get_argument("next", ""))
        if user.spawner.active:
            return next_url or user.url
        # Learners come to work, not to press "start": spawn now, then go on.
        spawn_url = url_path_join(self.hub.base_url, "spawn", user.escaped_name)
        return spawn_url + (f"?next={_quote(next_url)}" if next_url else "")

    def _refuse(self, status: int, reason: str) -> None:
        self.set_status(status)
        # The refused token may be in this page's URL: keep it out of Referer.
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        html = self.render_template(
            "site-token-error.html", sync=True, status_code=status, reason=reason,
            site_url=self.authenticator.site_url,
        )
        self.finish(html)


def _quote(url: str) -> str:
    from urllib.parse import quote

    return quote(url, safe="")


class SiteTokenLogoutHandler(LogoutHandler):
    async def render_logout_page(self):
        # Our login page would log the browser straight back in with the
        # site's cookie, so signing out ends on the site (or says so).
        if self.authenticator.site_url:
            return self.redirect(self.authenticator.site_url)
        self.finish(await self.render_template(
            "site-token-error.html", status_code=200, reason="signed_out", site_url=""))
