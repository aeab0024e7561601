"""The admin page: /hub/campushub/users, a form (upload a CSV file or paste
it, dry run, sync groups) and the result of the same import as the REST
API's, line by line. The POST carries the _xsrf token (JupyterHub checks it
for every cookie-authenticated POST); the export link downloads the CSV."""

from __future__ import annotations

from jupyterhub.handlers.base import BaseHandler
from tornado import web

from ...i18n import N_, negotiate, translate
from ...i18n.jinja import fixed_language
from . import core
from .csvfile import MAX_BYTES, FileProblem, Problem

LINE = N_("Line {line}: {message}")
NOTHING_GIVEN = N_("Choose a CSV file or paste its lines, then press Import.")
TEMPLATE = "people-import.html"


class _Page(BaseHandler):
    def _language(self) -> str:
        return negotiate(self.request.headers.get("Accept-Language"), fixed_language())

    def _check(self) -> None:
        if not core.allowed(self):
            raise web.HTTPError(403, translate(self._language(), core.NOT_ALLOWED))


class ImportPageHandler(_Page):
    @web.authenticated
    async def get(self):
        self._check()
        self.finish(await self.render_template(TEMPLATE, result=None, problem=None, pasted="", dry_run=True,
                                               sync_groups=False))

    @web.authenticated
    async def post(self):
        self._check()
        upload = (self.request.files.get("file") or [None])[0]
        pasted = self.get_body_argument("csv", "")
        data = upload["body"] if upload and upload["body"] else pasted.encode("utf-8")
        dry_run = bool(self.get_body_argument("dry_run", ""))
        sync_groups = bool(self.get_body_argument("sync_groups", ""))
        result, problem = None, None
        if not data.strip():
            problem = translate(self._language(), NOTHING_GIVEN)
        else:
            try:
                result = await core.run_import(self, data[: MAX_BYTES + 1], dry_run=dry_run, sync_groups=sync_groups)
            except FileProblem as e:
                problem = self._line(e.problem)
        if result:
            lang = self._language()
            for error in result["errors"]:
                error["text"] = core.translated(lang, error)
            for line in result["lines"]:
                line["changes"] = [core.translated(lang, change) for change in line["change_sources"]]
        self.finish(await self.render_template(TEMPLATE, result=result, problem=problem,
                                               pasted=pasted if len(pasted) < 100_000 else "",
                                               dry_run=dry_run, sync_groups=sync_groups))

    def _line(self, problem: Problem) -> str:
        lang = self._language()
        return translate(lang, LINE, line=problem.line,
                         message=translate(lang, problem.source, **problem.params))


class ExportPageHandler(_Page):
    @web.authenticated
    def get(self):
        self._check()
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", 'attachment; filename="people.csv"')
        self.finish(core.export(self))
