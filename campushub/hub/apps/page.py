"""/hub/campushub/apps: the person's apps, the start form and, per app, its
shares. Every change is a POST carrying the hub's _xsrf (JupyterHub checks it
on every cookie-authenticated POST), acts on the person's own apps only, and
answers a refusal with one translated line and no change."""

from __future__ import annotations

from jupyterhub.handlers.base import BaseHandler
from tornado import web

from ...apps.model import AppError
from ...config import apps as apps_config
from ...i18n import N_, negotiate, translate
from ...i18n.jinja import fixed_language
from ...projects import model as projects
from . import forms, servers, sharing
from .forms import Problem

TEMPLATE = "campushub-apps.html"
SETTINGS_KEY = "campushub_apps"  # tornado_settings: the site configuration (check() reads `apps`)
DONE = {
    "started": N_("The app is starting; its link works once it is running."),
    "stopped": N_("The app was stopped."),
    "deleted": N_("The app was deleted, and its shares with it."),
    "shared": N_("Shared: they can open the app's link now, after logging in."),
    "revoked": N_("Share revoked: their next request to the app is refused."),
}
UNKNOWN_ACTION = N_("Unknown action: reload the page and try again.")
START_FAILED = N_("The app could not start: {reason}")


class AppsPageHandler(BaseHandler):
    def _language(self) -> str:
        return negotiate(self.request.headers.get("Accept-Language"), fixed_language())

    @property
    def site_config(self) -> dict:
        return self.settings.get(SETTINGS_KEY) or {"apps": {"enabled": False}}

    async def _page(self, problem: str = "", form: dict | None = None, status: int = 200):
        user = self.current_user
        config = self.site_config
        path = (form or {}).get("path", self.get_query_argument("path", ""))[:500]
        kinds = [k for k in apps_config.kinds(config) if k != "command"]
        form = form or {"path": path, "name": forms.slug_for(path) if path else "",
                        "kind": forms.default_kind(path, kinds), "title": "", "command": ""}
        done = DONE.get(self.get_query_argument("done", ""))
        self.set_status(status)
        self.finish(await self.render_template(
            TEMPLATE, apps=servers.apps_of(user), shared=sharing.shared_with(self, user), problem=problem,
            form=form, kinds=kinds,
            allow_command="command" in apps_config.kinds(config), max_apps=apps_config.max_per_person(config),
            done=translate(self._language(), done) if done else "",
            sharing_off="" if apps_config.sharing_allowed(config) else translate(self._language(), sharing.SHARING_OFF),
            groups=[(g.name, projects.title(g.properties, g.name) if projects.is_project(g.properties) else "")
                    for g in sorted(user.groups, key=lambda g: g.name)]))

    @web.authenticated
    async def get(self):
        if self.current_user.kind != "user":
            raise web.HTTPError(403)
        await self._page()

    @web.authenticated
    async def post(self):
        user = self.current_user
        if user.kind != "user":
            raise web.HTTPError(403)
        action = self.get_body_argument("action", "")
        fields = {k: self.get_body_argument(k, "")[:2000] for k in
                  ("kind", "path", "name", "title", "command", "app", "share_kind", "share_name")}
        try:
            done = await self._act(user, action, fields)
        except (Problem, AppError) as e:
            await self._page(e.translated(self._language()),
                             fields if action == "start" else None, status=400)
            return
        except web.HTTPError as e:  # the spawner refused within the hub's slow_spawn_timeout
            reason = e.reason or (e.log_message % e.args if e.log_message else str(e.status_code))
            await self._page(translate(self._language(), START_FAILED, reason=reason.splitlines()[0][:300]),
                             fields, status=400)
            return
        self.redirect(self.request.path + "?done=" + done, status=303)

    async def _act(self, user, action: str, f: dict) -> str:
        if action == "start":
            await servers.start(self, user, forms.start_request(f, self.site_config))
            return "started"
        if action == "restart":
            await servers.start_again(self, user, forms.app_server(f["app"]), self.site_config)
            return "started"
        if action in ("stop", "delete"):
            await getattr(servers, action)(self, user, forms.app_server(f["app"]))
            return "stopped" if action == "stop" else "deleted"
        if action in ("share", "revoke"):
            spawner = servers.find(user, forms.app_server(f["app"]))
            kind, name = forms.share_target({"kind": f["share_kind"], "name": f["share_name"]})
            if action == "share":
                sharing.grant(self, spawner.orm_spawner, kind, name, self.site_config)
                return "shared"
            sharing.revoke(self, spawner.orm_spawner, kind, name)
            return "revoked"
        raise Problem(UNKNOWN_ACTION)
