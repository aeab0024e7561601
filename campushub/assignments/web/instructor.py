"""The tutors' course page and the web side of `campushub assignment
create`: upload a source folder, validate it with the format package (the
same checks as the CLI), store it as a draft or released, release drafts.
Learners opening the course page see their own list. web/app.py mounts ROUTES."""

from __future__ import annotations

from urllib.parse import quote

from tornado import web

from ...i18n import N_
from ..format.errors import AssignmentError
from ..format.release import make_release
from ..store import StoreError
from ..store.api import EXISTS
from . import due as dues
from .base import BaseHandler
from .learner import course_title, learner_rows
from .source_upload import parse_form

CREATED = N_("Assignment {name} was created.")
CREATED_RELEASED = N_("Assignment {name} was created and released to the learners.")
RELEASED = N_("Assignment {name} was released to the learners.")


def course_url(prefix: str, course: str) -> str:
    return f"{prefix}course/{quote(course, safe='')}/"


def assignment_books(store, course: str, learners: list[str]) -> list[tuple[dict, list[dict]]]:
    """(assignment, gradebook rows) for each of the course's assignments: run off the loop (BaseHandler.off_loop)."""
    return [(a, store.gradebook(a["id"], learners)) for a in store.assignments(course)]


class CourseHandler(BaseHandler):
    @web.authenticated
    async def get(self, course: str):
        role = self.require_role(course, "tutor", "learner")
        title = course_title(self, course)
        if role == "learner":
            section = {"course": course, "title": title, "role": role, "url": course_url(self.prefix, course),
                       "rows": learner_rows(self, course)}
            self.render("my_assignments.html", sections=[section])
            return
        learners = await self.learners(course)
        rows = []
        for a, book in await self.off_loop(assignment_books, self.store, course, learners):
            rows.append({"assignment": a, "url": f"{course_url(self.prefix, course)}a/{quote(a['name'], safe='')}/",
                         "due": dues.utc_text(a["due"]), "due_iso": dues.iso(a["due"]),
                         "relative": dues.relative(a["due"], self._),
                         "submitted": sum(1 for r in book if r.get("number")),
                         "versions": sum(r.get("versions") or 0 for r in book),
                         "needs_grading": sum(1 for r in book if r.get("needs_grading"))})
        self.render("course.html", course=course, course_title=title, rows=rows, learners=len(learners),
                    notice=self._notice(), url=course_url(self.prefix, course))

    def _notice(self) -> str | None:
        for key, text in (("created", CREATED), ("created_released", CREATED_RELEASED), ("released", RELEASED)):
            name = self.get_argument(key, "")
            if name and self.store.assignment(self.path_kwargs["course"], name):
                return self._(text, name=name)
        return None


class NewAssignmentHandler(BaseHandler):
    @web.authenticated
    def get(self, course: str):
        self.require_role(course, "tutor")
        self._form(course, {"name": "", "title": "", "due": "", "release": False}, None)

    @web.authenticated
    def post(self, course: str):
        self.require_role(course, "tutor")
        values = {"name": self.get_body_argument("name", "").strip(),
                  "title": self.get_body_argument("title", "").strip(),
                  "due": self.get_body_argument("due", "").strip(),
                  "release": self.get_body_argument("release", "") == "on"}
        try:
            form = parse_form(values, self.request.files.get("files", []), self.request.files.get("folder", []))
            if self.store.assignment(course, form.name) is not None:
                raise AssignmentError(EXISTS, course=course, name=form.name)
            release = make_release(form.source)
            self.store.create_assignment(course, form.name, title=form.title, due=form.due, source=form.source,
                                         release=release, by=self.actor, released=form.release)
        except AssignmentError as e:
            self._form(course, values, self._(e.source, **e.params), status=400)
            return
        except StoreError as e:  # e.g. the same name created a moment ago by someone else
            self._form(course, values, self._(e.message, **e.kwargs), status=400)
            return
        key = "created_released" if form.release else "created"
        self.redirect(f"{course_url(self.prefix, course)}?{key}={quote(form.name, safe='')}", status=303)

    def _form(self, course: str, values: dict, error: str | None, status: int = 200) -> None:
        self.set_status(status)
        self.render("new_assignment.html", course=course, course_title=course_title(self, course),
                    values=values, error=error, url=course_url(self.prefix, course))


class ReleaseHandler(BaseHandler):
    @web.authenticated
    def post(self, course: str, name: str):
        self.require_role(course, "tutor")
        self.assignment_or_404(course, name)
        self.store.release(course, name, self.actor)
        self.redirect(f"{course_url(self.prefix, course)}?released={quote(name, safe='')}", status=303)


ROUTES = [
    (r"course/(?P<course>[^/]+)/", CourseHandler),
    (r"course/(?P<course>[^/]+)/new", NewAssignmentHandler),
    (r"course/(?P<course>[^/]+)/a/(?P<name>[^/]+)/release", ReleaseHandler),
]
