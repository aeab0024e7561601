"""GET {prefix}courses/{course}: for the course's tutors, its notebooks
(executions, errors, learners) and each learner's progress through them."""

from __future__ import annotations

from tornado import web

from ...i18n import N_
from . import links
from .base import BaseHandler
from .tables import Table


def tables(store, prefix: str, course: str, learners: list[str]) -> list[Table]:
    notebooks = Table("notebooks", N_("Notebooks"), [
        ("notebook", N_("Notebook")), ("cells", N_("Cells")), ("learners", N_("Learners")),
        ("executions", N_("Executions")), ("errors", N_("Errors")), ("last", N_("Last execution"))],
        store.course_notebooks(course, learners),
        links={"notebook": lambda r: links.notebook(prefix, course, r["notebook"])})
    progress = Table("progress", N_("Learners' progress"), [
        ("learner", N_("Learner")), ("notebook", N_("Notebook")), ("cells_run", N_("Cells run")),
        ("cells_total", N_("Cells in the notebook")), ("last", N_("Last execution"))],
        store.course_progress(course, learners),
        links={"learner": lambda r: links.learner(prefix, r["learner"]),
               "notebook": lambda r: links.notebook(prefix, course, r["notebook"]) if r.get("notebook") else None})
    return [notebooks, progress]


class CourseHandler(BaseHandler):
    @web.authenticated
    async def get(self, course: str):
        spec = self.tutor_course(course)
        found = await self.off_loop(tables, self.store, self.prefix, course, await self.learners(course))
        self.show("course.html", found, f"{course}", course=course, title=spec.get("title") or course)


ROUTES = [(r"courses/([^/]+)/?", CourseHandler)]
