"""Approving, refusing and discarding sign-ups as POSTs with JupyterHub's
XSRF check.

nativeauthenticator changes state on GET: /hub/authorize/<name> toggles a
person's approval and /hub/discard/<name> deletes a pending account, so any
page an admin visits could do either with a link or an <img>. Here the GETs
change nothing (they lead to the authorization page) and the form POSTs do
the work; JupyterHub refuses a cookie-authenticated POST without the _xsrf
token (tornado's xsrf_cookies), and the admin scope is checked as upstream.
The action is explicit (authorize / unauthorize) rather than a toggle, so a
resubmitted form cannot undo itself.
"""

from __future__ import annotations

from types import SimpleNamespace

from nativeauthenticator.handlers import LocalBase, admin_users_scope
from nativeauthenticator.orm import UserInfo
from tornado import web
from tornado.escape import url_escape

from ...i18n import N_, negotiate, translate
from ...i18n.jinja import fixed_language

ACTIONS = {"authorize": True, "unauthorize": False}
BAD_ACTION = N_("Unknown action: use the Approve or Revoke approval button on the authorization page.")


class _ToAuthorizationArea(LocalBase):
    def get(self, user_name):
        # Old links and cross-site requests land on the page, changing nothing.
        self.redirect(self.hub.base_url + "authorize")

    def _back(self, user_name: str) -> None:
        self.redirect(self.hub.base_url + "authorize#" + url_escape(user_name, plus=False))

    def _info(self, user_name: str) -> UserInfo:
        info = UserInfo.find(self.db, user_name)
        if info is None:
            raise web.HTTPError(404)
        return info


class AuthorizeHandler(_ToAuthorizationArea):
    """POST /hub/authorize/<name> with action=authorize|unauthorize."""

    @admin_users_scope
    async def post(self, user_name):
        action = self.get_body_argument("action", "")
        if action not in ACTIONS:
            lang = negotiate(self.request.headers.get("Accept-Language"), fixed_language())
            raise web.HTTPError(400, "%s", translate(lang, BAD_ACTION))
        info = self._info(user_name)
        info.is_authorized = ACTIONS[action]
        self.db.commit()
        self.log.info("%s %sd %s", self.current_user.name, action, user_name)
        self._back(user_name)


class DiscardHandler(_ToAuthorizationArea):
    """POST /hub/discard/<name>: deletes a sign-up not approved (yet), as upstream."""

    @admin_users_scope
    async def post(self, user_name):
        info = self._info(user_name)
        if not info.is_authorized:
            self.authenticator.delete_user(SimpleNamespace(name=user_name))
            if self.users.get(user_name) is not None:
                self.users.delete(user_name)
            self.log.info("%s discarded the sign-up of %s", self.current_user.name, user_name)
        self.redirect(self.hub.base_url + "authorize")
