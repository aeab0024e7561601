"""Password accounts with sign-up and admin approval (jupyterhub-nativeauthenticator).

Four additions to the upstream authenticator:
- approving, refusing and discarding sign-ups are POSTs with the XSRF
  check, not GETs (native_approval.py);
- its login handler calls `self.statsd`, which JupyterHub 6 removed (5.5
  still has it), and its
  `_render` rejects the `sync` argument JupyterHub passes when it renders a
  failed form post; our handler subclass fixes both for 5.5 and 6.x alike;
- the first-admin bootstrap: `campushub up --admin NAME` hands over a bcrypt
  hash in a 0600 file, turned into an approved account the first time the
  hub starts and then deleted, so the plaintext password exists nowhere but
  on the admin's screen;
- a sign-up under a name listed in admin_users, or under the name of a
  user the hub has already (imported, added by an admin), waits for
  approval like any other, with open_signup too (upstream pre-approves it,
  so the first to sign up under such a name became that person).
"""

from __future__ import annotations

import contextlib
import json
import os

from jupyterhub import orm
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator import handlers as native_handlers
from nativeauthenticator.orm import UserInfo
from tornado.escape import url_escape
from tornado.httputil import url_concat
from traitlets import Unicode

from .. import merge
from . import native_approval
from .registry import NEUTRAL, Deployment, auth_type


class _NoStats:
    def timer(self, *args, **kwargs):
        return self

    def start(self):
        return self

    def stop(self, *args, **kwargs):
        return self


class LoginHandler(native_handlers.LoginHandler):
    @property
    def statsd(self):
        # JupyterHub 5.5 keeps a statsd client in its settings and its own
        # handlers call incr/timing on it; 6.x removed it, but
        # nativeauthenticator still calls .timer().
        client = self.settings.get("statsd")
        return client if client is not None else _NoStats()

    def _render(self, login_error=None, username=None, sync=False, **kwargs):
        return self.render_template(
            "native-login.html",
            sync=sync,
            next=url_escape(self.get_argument("next", default="")),
            username=username,
            login_error=login_error,
            custom_html=self.authenticator.custom_html,
            login_url=self.settings["login_url"],
            enable_signup=self.authenticator.enable_signup,
            two_factor_auth=self.authenticator.allow_2fa,
            authenticator_login_url=url_concat(
                self.authenticator.login_url(self.hub.base_url), {"next": self.get_argument("next", "")}
            ),
        )


REPLACED = {
    native_handlers.LoginHandler: LoginHandler,
    native_handlers.ToggleAuthorizationHandler: native_approval.AuthorizeHandler,
    native_handlers.DiscardHandler: native_approval.DiscardHandler,
}


class CampusHubAuthenticator(NativeAuthenticator):
    bootstrap_admin_file = Unicode(
        "", help="JSON file {username, password_hash} to create the first admin from."
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.bootstrap_admin_file and os.path.exists(self.bootstrap_admin_file):
            self._bootstrap_admin()

    def get_authed_users(self):
        # Upstream adds admin_users (and allowed_users) here, and create_user
        # pre-approves a sign-up under any name in this set: whoever signed
        # up first as a listed admin who had no account yet became an approved
        # admin with a password of their choosing. Only approved accounts
        # count; a listed admin signs up and is approved like anyone (the
        # first one is created by `campushub up --admin`).
        return {info.username for info in UserInfo.all_users(self.db) if info.is_authorized}

    def create_user(self, username, password, **kwargs):
        # open_signup approves every sign-up, a listed admin's name included:
        # the first to sign up under it would be an admin. Such a sign-up
        # waits for approval (or first_admin on Kubernetes) like without it,
        # and so does one under a name the hub has a user for already (made
        # by the people import, an admin or a declared project, with its admin
        # flag, groups, projects and files): the sign-up would take them over.
        info = super().create_user(username, password, **kwargs)
        if info is not None and info.is_authorized and (
                info.username in self.admin_users or orm.User.find(self.db, info.username) is not None):
            info.is_authorized = False
            self.db.commit()
        return info

    def get_handlers(self, app):
        return [(path, REPLACED.get(handler, handler)) for path, handler in super().get_handlers(app)]

    def _bootstrap_admin(self) -> None:
        with open(self.bootstrap_admin_file) as f:
            data = json.load(f)
        name = self.normalize_username(data["username"])
        if UserInfo.find(self.db, name) is None:
            self.db.add(UserInfo(username=name, password=data["password_hash"].encode(), is_authorized=True))
            self.db.commit()
            self.log.info("Created the first admin account %s", name)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.bootstrap_admin_file)


@auth_type("native", admin_groups_trait=False)
def configure(c, config: dict, deployment: Deployment = NEUTRAL) -> None:
    native = config["auth"]["native"]
    c.JupyterHub.authenticator_class = "campushub.hub.auth.native.CampusHubAuthenticator"
    a = c.CampusHubAuthenticator
    a.open_signup = native["open_signup"]
    a.enable_signup = native["enable_signup"]
    a.minimum_password_length = native["minimum_password_length"]
    a.check_common_password = True
    if deployment.bootstrap_admin_file:
        a.bootstrap_admin_file = deployment.bootstrap_admin_file
    if config["roles"]["admin_groups"]:
        # The hub keeps these accounts' groups: a hook, not IdentityMixin.
        from .identity import admin_hook

        a.post_auth_hook = admin_hook(config["roles"]["admin_groups"])
    # Approval by an admin is the gate; every approved account may log in.
    c.Authenticator.allow_all = True
    merge.update_dict(c.JupyterHub, "template_vars", {"native_accounts": True})
