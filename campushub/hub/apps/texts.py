"""GET /hub/campushub/apps/texts: the JupyterLab plugin's labels
(labextension/src/apps.js) in the person's language, as JSON. The plugin asks
from the person's JupyterLab tab with the hub login it has; its answer is also
how the plugin learns that this hub runs apps (the route exists only then)."""

from __future__ import annotations

import json

from jupyterhub.handlers.base import BaseHandler
from tornado import web

from ...i18n import N_, negotiate, translate
from ...i18n.jinja import fixed_language

TEXTS = (
    N_("Share an app"),
    N_("Run as app…"),
    N_("Start an app from a file and share its link"),
)


class AppsTextsHandler(BaseHandler):
    def get(self):
        if self.current_user is None:
            raise web.HTTPError(403)  # no login redirect: a script asks
        lang = negotiate(self.request.headers.get("Accept-Language"), fixed_language())
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({text: translate(lang, text) for text in TEXTS}, ensure_ascii=False))
