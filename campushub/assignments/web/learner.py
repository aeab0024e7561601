"""The learners' pages: my assignments, one assignment's history (tutors get
the gradebook at the same address), and their own returned feedback.
Submitting from the page is web/learner_submit.py; web/app.py mounts ROUTES."""

from __future__ import annotations

from urllib.parse import quote

from tornado import web

from ...i18n import N_
from . import due as dues
from . import status_labels
from .base import NOT_FOUND, BaseHandler
from .learner_submit import SubmitHandler
from .tutor_access import TutorPage
from .tutor_gradebook import render_gradebook

RECEIVED = N_("Received: version {number}, hash {hash}.")
UNCHANGED = N_("Unchanged: these files are identical to your latest submission, which stays version {number}; "
               "nothing new was stored.")


def assignment_url(prefix: str, course: str, name: str) -> str:
    return f"{prefix}course/{quote(course, safe='')}/a/{quote(name, safe='')}/"


def score_text(version: dict | None) -> str:
    """"7 / 10" once feedback is returned, else "" (points before then may still change)."""
    if not version or not version.get("feedback") or version.get("total") is None:
        return ""
    return f"{version['total']:g} / {version['max_points'] or 0:g}"


def learner_rows(page: BaseHandler, course: str) -> list[dict]:
    """Each released assignment of ``course`` with the user's latest version."""
    rows = []
    for a in page.store.assignments(course):
        if a["released_at"] is None:
            continue
        versions = page.store.versions(a["id"], page.user_name)
        latest = versions[-1] if versions else None
        status = latest["status"] if latest else None
        rows.append({"assignment": a, "url": assignment_url(page.prefix, course, a["name"]),
                     "due": dues.utc_text(a["due"]), "due_iso": dues.iso(a["due"]),
                     "relative": dues.relative(a["due"], page._), "latest": latest,
                     "status": status_labels.label(page._, status), "badge": status_labels.BADGES.get(status),
                     "score": score_text(latest)})
    return rows


def course_title(page: BaseHandler, course: str) -> str:
    return (page.site.get("courses", {}).get(course) or {}).get("title") or course


class MyAssignmentsHandler(BaseHandler):
    @web.authenticated
    def get(self):
        sections = []
        for course, role in self.people.courses_of(self.user_name).items():
            sections.append({"course": course, "title": course_title(self, course), "role": role,
                             "url": f"{self.prefix}course/{quote(course, safe='')}/",
                             "rows": learner_rows(self, course) if role == "learner" else []})
        self.render("my_assignments.html", sections=sections)


class AssignmentHandler(TutorPage):
    @web.authenticated
    async def get(self, course: str, name: str):
        role = self.require_role(course, "tutor", "learner")
        if role == "tutor":
            await render_gradebook(self, course, self.assignment_or_404(course, name))
            return
        assignment = self.assignment_or_404(course, name, released_only=True)
        versions = self.store.versions(assignment["id"], self.user_name)
        self.render("assignment_learner.html", course=course, course_title=course_title(self, course),
                    assignment=assignment, versions=list(reversed(versions)), notice=self._notice(versions),
                    due=dues.utc_text(assignment["due"]), due_iso=dues.iso(assignment["due"]),
                    relative=dues.relative(assignment["due"], self._), when=dues.utc_text,
                    label=lambda s: status_labels.label(self._, s), badge=status_labels.BADGES.get,
                    score=score_text, links=self._links(course, name),
                    url=assignment_url(self.prefix, course, name))

    def _notice(self, versions: list[dict]) -> tuple[str, str] | None:
        """The confirmation after a POST, read back from the store: it names
        only a version that really is committed."""
        for key, kind, text in (("received", "success", RECEIVED), ("unchanged", "warning", UNCHANGED)):
            number = self.get_argument(key, "")
            found = [v for v in versions if str(v["number"]) == number]
            if found:
                return kind, self._(text, number=number, hash=found[0]["sha256"][:8])
        return None

    def _links(self, course: str, name: str) -> dict:
        # The learner's own server does fetch and submit (helper extension
        # campushub_assignments); user-redirect finds that server.
        query = f"course={quote(course, safe='')}&assignment={quote(name, safe='')}"
        base = f"{self.settings['hub_prefix']}user-redirect/campushub/assignments/"
        return {"fetch": f"{base}fetch?{query}", "submit": f"{base}submit?{query}"}


class FeedbackHandler(BaseHandler):
    """Only the signed-in learner's own versions can be addressed here (the
    URL holds no learner), and every miss answers the same 404 line, so
    nothing tells whether an assignment, version or feedback exists."""

    @web.authenticated
    def get(self, course: str, name: str, number: str):
        assignment = self.store.assignment(course, name) if self.role(course) else None
        version = None
        if assignment is not None and assignment["released_at"] is not None:
            version = self.store.version_by_number(assignment["id"], self.user_name, int(number))
        html = self.store.feedback(version["id"]) if version and version.get("feedback") else None
        if html is None:
            self.fail(404, NOT_FOUND)
        # Feedback shows learner output: an opaque origin keeps any script in
        # it away from this service's cookies and pages.
        self.set_header("Content-Security-Policy",
                        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(html)


_A = r"course/(?P<course>[^/]+)/a/(?P<name>[^/]+)/"
ROUTES = [
    (r"", MyAssignmentsHandler),
    (_A, AssignmentHandler),
    (_A + r"submit", SubmitHandler),
    (_A + r"feedback/(?P<number>[0-9]{1,9})", FeedbackHandler),
]
