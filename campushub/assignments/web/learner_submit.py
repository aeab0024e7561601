"""POST course/{course}/a/{name}/submit: a learner's notebooks uploaded from
the assignment page (the fallback to JupyterLab's "Submit assignment").
Everything is checked first (web/submission_check.py); the learner is told
"received" only by the page that reads the committed version back."""

from __future__ import annotations

from urllib.parse import quote

from tornado import web
from tornado.ioloop import IOLoop

from ..format.errors import AssignmentError
from .base import BaseHandler
from .submission_check import check_deadline, match_uploads


class SubmitHandler(BaseHandler):
    @web.authenticated
    async def post(self, course: str, name: str):
        self.require_role(course, "learner")
        assignment = self.assignment_or_404(course, name, released_only=True)
        policy = self.site.get("assignments") or {}
        uploads = [(f["filename"], f["body"]) for f in self.request.files.get("files", [])]
        try:
            late = check_deadline(assignment["due"], policy.get("late", "accept"))
            # seconds of schema validation near the size limit: off the loop, other pages keep answering
            files = await IOLoop.current().run_in_executor(
                None, match_uploads, assignment["notebooks"], uploads,
                self.notebook_limit())
        except AssignmentError as e:
            self.fail(400, e.source, **e.params)
        version = self.store.submit(assignment["id"], self.user_name, files, late=late)
        key = "unchanged" if version["duplicate"] else "received"
        url = f"{self.prefix}course/{quote(course, safe='')}/a/{quote(name, safe='')}/"
        self.redirect(f"{url}?{key}={version['number']}", status=303)
