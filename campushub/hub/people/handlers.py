"""REST API of the import and export, in the hub (JupyterHub's API handlers,
token auth): what `campushub users` calls.

    POST /hub/api/campushub/users/import[?dry_run=1][&sync_groups=1]   body: the CSV
    GET  /hub/api/campushub/users/export                                 the CSV

Both need the admin:users and admin:groups scopes. A file that cannot be
read as a whole (no header, not UTF-8, too big) is a 400 with one message
and changes nothing; a file with bad lines is a 200 whose `errors` name each
line and what to fix, the good lines applied.
"""

from __future__ import annotations

import json

from jupyterhub.apihandlers.base import APIHandler
from tornado import web

from . import core
from .csvfile import MAX_BYTES, FileProblem

TRUE = ("1", "true", "yes", "on")


def flag(handler, name: str) -> bool:
    return handler.get_argument(name, "").strip().lower() in TRUE


class ImportAPIHandler(APIHandler):
    async def post(self):
        if not core.allowed(self):
            raise web.HTTPError(403, core.NOT_ALLOWED)
        if len(self.request.body) > MAX_BYTES:
            raise web.HTTPError(413, f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
        try:
            result = await core.run_import(self, self.request.body, dry_run=flag(self, "dry_run"),
                                           sync_groups=flag(self, "sync_groups"))
        except FileProblem as e:
            raise web.HTTPError(400, "line %d: %s", e.problem.line, str(e)) from None
        self.finish(json.dumps(result))


class ExportAPIHandler(APIHandler):
    def get(self):
        if not core.allowed(self):
            raise web.HTTPError(403, core.NOT_ALLOWED)
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.finish(core.export(self))
