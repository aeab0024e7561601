"""GET {prefix}learners/{name}: a learner's last activity and the notebooks
they ran. The learner sees all of their own. Tutors and admins see it only
for their own courses (issue 13): a tutor the courses they tutor in which the
person is a learner, an admin (tutor of every course) every course's records;
neither sees the person's notebooks outside courses."""

from __future__ import annotations

from tornado import web

from ...i18n import N_
from . import links
from .base import OWN_ONLY, BaseHandler
from .tables import Table


def notebooks_table(prefix: str, rows: list[dict], linked: set[str] | None) -> Table:
    def link(row):
        course = row.get("course")
        if course and row.get("notebook") and (linked is None or course in linked):
            return links.notebook(prefix, course, row["notebook"])
        return None

    return Table("notebooks", N_("Notebooks run"), [
        ("path", N_("Path")), ("course", N_("Course")), ("notebook", N_("Notebook")),
        ("executions", N_("Executions")), ("errors", N_("Errors")), ("last", N_("Last execution"))],
        rows, links={"path": link})


class LearnerHandler(BaseHandler):
    async def visible_courses(self, name: str) -> set[str] | None:
        """None: everything (the person themself); else the courses the viewer may see them in."""
        viewer = self.viewer()
        if viewer == name:
            return None
        if self.is_admin():
            return set(self.tutored())
        shared = {c for c in self.tutored() if name in await self.learners(c)}
        if not shared:
            self.fail(403, OWN_ONLY)
        return shared

    @web.authenticated
    async def get(self, name: str):
        courses = await self.visible_courses(name)
        activity = await self.off_loop(self.store.learner_activity, name, courses)
        # links to the notebook pages the viewer may open: the courses they tutor
        linked = set(self.tutored())
        table = notebooks_table(self.prefix, activity["notebooks"], linked)
        self.show("learner.html", [table], f"learner-{name}", name=name, last=activity["last"],
                  limited=sorted(courses) if courses is not None else None)


ROUTES = [(r"learners/([^/]+)/?", LearnerHandler)]
