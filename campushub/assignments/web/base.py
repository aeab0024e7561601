"""The assignments service's BaseHandler: the shared one (webservice/handler.py:
who is asking, language, XSRF, one-line translated refusals) plus what
assignments adds: what the user may do in a course (webservice/people.py),
the operator's services acting as tutors, and the store's refusals.
"""

from __future__ import annotations

from ...config.units import parse_bytes
from ...i18n import N_
from ...webservice import handler
from ...webservice.handler import NOT_FOUND, Failure, NotFound
from ..store import StoreError

__all__ = ["NOT_FOUND", "BaseHandler", "Failure", "NotFoundHandler"]
NO_COURSE = N_("There is no course \"{course}\".")
NO_ASSIGNMENT = N_("Course {course} has no assignment \"{name}\".")
NOT_IN_COURSE = N_("You are not in course {course}.")
TUTORS_ONLY = N_("Only the tutors of course {course} may do this.")
# hub/services.py: the services of the campushub-operator role.
OPERATOR_SERVICES = ("campushub-cli", "campushub-automation")


class BaseHandler(handler.BaseHandler):
    @property
    def operator(self) -> str | None:
        """The name of the operator's service calling with its token (`campushub assignment create` on the
        hub's machine, automation), which holds the campushub-operator role: it acts as a tutor everywhere."""
        user = self.current_user
        if user and user.get("kind") == "service" and user.get("name") in OPERATOR_SERVICES:
            return user["name"]
        return None

    def notebook_limit(self) -> int:
        """assignments.max_notebook_size in bytes; the schema's default where a hand-made site file has none."""
        return parse_bytes((self.site.get("assignments") or {}).get("max_notebook_size") or "5M")

    @property
    def actor(self) -> str | None:
        """Who did it, for the records: the user's name, or service:NAME for an operator service."""
        return self.user_name or (f"service:{self.operator}" if self.operator else None)

    def role(self, course: str) -> str | None:
        """"tutor", "learner" or None for the current user in ``course``."""
        if self.operator:
            return "tutor"
        return self.people.role(self.user_name, course) if self.user_name else None

    def course_or_404(self, course: str) -> dict:
        spec = self.site.get("courses", {}).get(course)
        if spec is None:
            self.fail(404, NO_COURSE, course=course)
        return spec

    def require_role(self, course: str, *roles: str) -> str:
        """The user's role in ``course`` if it is one of ``roles``; else a refusal."""
        self.course_or_404(course)
        role = self.role(course)
        if role not in roles:
            self.fail(403, TUTORS_ONLY if roles == ("tutor",) else NOT_IN_COURSE, course=course)
        return role

    def assignment_or_404(self, course: str, name: str, *, released_only: bool = False) -> dict:
        found = self.store.assignment(course, name)
        if found is None or (released_only and found["released_at"] is None):
            self.fail(404, NO_ASSIGNMENT, course=course, name=name)
        return found

    def on_finish(self):
        # A POST that succeeded may have queued an autograding job: let an idle worker look now.
        if self.request.method == "POST" and self.get_status() < 400 and self.settings.get("on_change"):
            self.settings["on_change"]()

    def refusal(self, error):
        if isinstance(error, StoreError):  # a request the database refuses: the client's to fix
            return 400, error.message, error.kwargs
        return super().refusal(error)


class NotFoundHandler(NotFound, BaseHandler):
    pass
