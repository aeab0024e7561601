"""An app server: jupyter-server-proxy's standalone proxy (its
StandaloneProxyServer, HubOAuth-authenticated with JupyterHub's access
scopes, so people the owner shared the server with get in) in front of the
app. Laid into every user environment as campushub_app_proxy
(singleuser/files.py); apps/kinds.py builds its command line. Our changes:

- No cached user model: HubAuth caches the hub's answer for a token for
  cache_max_age seconds (300), and 0 there means "forever", so a revoked
  share would keep working. Every request is checked with the hub instead.
- Activity: the standalone proxy's own loop reports "active now" every
  interval whether anyone came or not, which would keep every app from the
  culler forever. It is turned off; we report, like jupyterhub-singleuser
  does, the time of the last proxied request or websocket message (what
  jupyter-server-proxy records for authenticated traffic), and only when
  there was some since the last report.
- Websocket upgrades are authenticated like HTTP requests. The standalone
  handler authenticates only HTTP (its proxy() is @web.authenticated and its
  prepare() does nothing), so an upgrade reached the app with no login at
  all: now nobody logged in, or someone the server is not shared with, gets
  403 before anything is proxied (and so records no activity).
- Open websockets of someone whose access is gone (share revoked, user
  removed) are closed at the next check, every WEBSOCKET_CHECK seconds: a
  Streamlit or Panel page otherwise keeps its one websocket for hours.
- The server's hub token stays in this process: it is taken out of the
  environment before the app is started (jupyter-server-proxy gives the app
  a copy of os.environ), and this process is made non-dumpable, so the app,
  running as the same user, cannot read it from /proc/<pid>/environ (whose
  initial copy keeps it) or /proc/<pid>/mem.
"""

import ctypes
import json
import os
import sys
from datetime import UTC

from jupyter_server_proxy.standalone.app import StandaloneProxyServer
from jupyterhub.services.auth import HubOAuth, UserNotAllowed
from jupyterhub.utils import isoformat
from tornado import httpclient, ioloop, web
from tornado.log import app_log

WEBSOCKET_CHECK = 30
SECRETS = ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")
PR_SET_DUMPABLE = 4  # <linux/prctl.h>


class FreshHubOAuth(HubOAuth):
    """Asks the hub about every request's token (no cache at all)."""

    def user_for_token(self, token, use_cache=True, session_id="", *, sync=True):
        return super().user_for_token(token, use_cache=False, session_id=session_id, sync=sync)


class AppProxy(StandaloneProxyServer):
    name = "campushub-app-proxy"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.web_app = None
        self._sent = None
        self.sockets = {}  # open websocket handler -> the token it was opened with

    def start(self):
        _not_dumpable()
        # the one HubOAuth instance every handler uses (HubOAuthenticated.hub_auth_class.instance()),
        # holding the token from now on: the app's environment is a copy of os.environ
        token = os.environ.pop(SECRETS[0], "")
        for name in SECRETS[1:]:
            os.environ.pop(name, None)
        FreshHubOAuth.instance(api_token=token)
        self.activity_interval = 0  # the standalone loop: see the module's docstring
        super().start()

    def get_proxy_base_class(self):
        cls, kwargs = super().get_proxy_base_class()
        if cls is None:
            return cls, kwargs
        sockets = self.sockets

        class Handler(cls):
            def prepare(self, *args, **kwargs):
                # the same condition as WebSocketHandlerMixin.get's, which hands the request to open()
                upgrade = self.request.headers.get("Upgrade", "").lower() == "websocket"
                # current_user: the hub's answer and check_hub_user (the access scopes); None when
                # nobody is logged in or they may not use this server. 403 as jupyter-server-proxy's
                # own ProxyHandler.prepare answers upgrades: a websocket cannot follow a login redirect
                if upgrade and not self.no_authentication and self.current_user is None:
                    raise web.HTTPError(403)
                return super().prepare(*args, **kwargs)

            async def open(self, *args, **kwargs):
                sockets[self] = self.hub_auth.get_token(self)
                return await super().open(*args, **kwargs)

            def on_close(self):
                sockets.pop(self, None)
                return super().on_close()

        return Handler, kwargs

    def create_app(self):
        self.web_app = super().create_app()
        interval = int(os.environ.get("JUPYTERHUB_ACTIVITY_INTERVAL") or 300)
        ioloop.PeriodicCallback(self.report_activity, 1000 * interval, jitter=0.1).start()
        ioloop.PeriodicCallback(self.close_revoked, 1000 * WEBSOCKET_CHECK).start()
        return self.web_app

    async def report_activity(self):
        url, token = os.environ.get("JUPYTERHUB_ACTIVITY_URL"), FreshHubOAuth.instance().api_token
        last = self.web_app.settings.get("last_activity_times", {}).get("jupyter-server-proxy")
        if not (url and token and last) or (self._sent is not None and last <= self._sent):
            return
        when = isoformat(last if last.tzinfo else last.replace(tzinfo=UTC))
        body = {"servers": {os.environ.get("JUPYTERHUB_SERVER_NAME", ""): {"last_activity": when}},
                "last_activity": when}
        try:
            await httpclient.AsyncHTTPClient().fetch(
                url, method="POST", body=json.dumps(body),
                headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
        except Exception as e:  # the next interval tries again with the newest time
            app_log.error("Error notifying Hub of activity: %s", e)
            return
        self._sent = last

    async def close_revoked(self):
        auth = FreshHubOAuth.instance()
        for handler, token in list(self.sockets.items()):
            try:
                model = await auth.user_for_token(token, sync=False) if token else None
                allowed = model is not None and handler.check_hub_user(model) is not None
            except UserNotAllowed:
                allowed = False
            except Exception as e:  # the hub unreachable: keep the socket, ask again next time
                app_log.warning("Could not check a websocket's user with the hub: %s", e)
                continue
            if not allowed:
                self.sockets.pop(handler, None)
                app_log.info("Closing a websocket: its user may no longer use this app")
                handler.close(code=1008)  # policy violation


def _not_dumpable():
    """Only root may read this process's /proc/<pid>/environ and memory from
    now on (the kernel gives root a non-dumpable process's /proc/<pid>/ files)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        app_log.warning("prctl(PR_SET_DUMPABLE, 0) failed: %s", os.strerror(ctypes.get_errno()))


def main(argv=None):
    AppProxy.launch_instance(argv)


if __name__ == "__main__":
    sys.exit(main())
