"""The analytics pages' BaseHandler: the shared one (webservice/handler.py)
plus who may see what. A learner sees only their own page; a course's
tutors see that course's pages and its learners' records for that course
only; hub admins (tutors of every course, webservice/people.py) see
everything and the platform page."""

from __future__ import annotations

import re

from ...i18n import N_
from ...webservice import handler
from ...webservice.handler import NotFound
from ...webservice.people import TUTOR
from .tables import Table

NO_COURSE = N_("There is no course \"{course}\".")
TUTORS_ONLY = N_("Only the tutors of course {course} may see its analytics.")
ADMINS_ONLY = N_("Only the hub's administrators may see the platform's analytics.")
OWN_ONLY = N_("You may see only your own activity, or that of learners in courses you tutor.")
USERS_ONLY = N_("Open this page signed in as a person, not with a service's token.")
NO_TABLE = N_("This page has no table \"{table}\" to download.")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


class BaseHandler(handler.BaseHandler):
    def viewer(self) -> str:
        """The signed-in person's name; service tokens see no pages."""
        if not self.user_name:
            self.fail(403, USERS_ONLY)
        return self.user_name

    def is_admin(self) -> bool:
        return self.people.is_admin(self.viewer())

    def tutored(self) -> list[str]:
        """The courses the viewer tutors (all of them for an admin), in configuration order."""
        return [c for c, role in self.people.courses_of(self.viewer()).items() if role == TUTOR]

    def tutor_course(self, course: str) -> dict:
        spec = (self.site.get("courses") or {}).get(course)
        if spec is None:
            self.fail(404, NO_COURSE, course=course)
        if self.people.role(self.viewer(), course) != TUTOR:
            self.fail(403, TUTORS_ONLY, course=course)
        return spec

    def require_admin(self) -> None:
        if not self.is_admin():
            self.fail(403, ADMINS_ONLY)

    def show(self, template: str, tables: list[Table], filename: str, **ctx) -> None:
        """The page, or with ?csv=NAME that table as CSV (the same cells the page shows)."""
        wanted = self.get_argument("csv", None)
        if wanted is None:
            self.render(template, tables={t.name: t for t in tables}, **ctx)
            return
        found = next((t for t in tables if t.name == wanted), None)
        if found is None:
            self.fail(404, NO_TABLE, table=wanted)
        text = found.csv()
        # Excel reads a CSV without a byte order mark in the machine's legacy code page: ?excel=1 adds one.
        if self.get_argument("excel", "") == "1":
            text = "\ufeff" + text
        name = _UNSAFE_FILENAME.sub("_", f"{filename}-{found.name}").strip("_") or "analytics"
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{name}.csv"')
        self.set_header("Cache-Control", "no-store")
        self.finish(text.encode("utf-8"))


class NotFoundHandler(NotFound, BaseHandler):
    pass
