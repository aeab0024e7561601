"""What every tutor page checks first. The role comes before any lookup, so a
learner who guesses a URL gets the same one-line 403 whether or not the
assignment, learner or version exists."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import quote

from ...i18n import N_
from .base import BaseHandler

NO_VERSION = N_("{learner} has no version {number} of this assignment.")
# nbgrader's kinds a tutor scores by hand ("task" cells have no answer cell).
MANUAL_KINDS = ("manual", "task")


class TutorPage(BaseHandler):
    def tutor_course(self, course: str) -> None:
        self.require_role(course, "tutor")

    def tutor_assignment(self, course: str, name: str) -> dict:
        self.require_role(course, "tutor")
        return self.assignment_or_404(course, name)

    def tutor_version(self, course: str, name: str, learner: str, number: str) -> tuple[dict, dict]:
        assignment = self.tutor_assignment(course, name)
        version = self.store.version_by_number(assignment["id"], learner, int(number))
        if version is None:
            self.fail(404, NO_VERSION, learner=learner, number=number)
        return assignment, version

    def assignment_url(self, course: str, name: str) -> str:
        return f"{self.prefix}course/{quote(course, safe='')}/a/{quote(name, safe='')}/"

    def version_url(self, course: str, name: str, learner: str, number) -> str:
        return f"{self.assignment_url(course, name)}learner/{quote(learner, safe='')}/v/{number}"


def points(value) -> str:
    return "" if value is None else f"{float(value):g}"


def when(value) -> str:
    """A stored (aware UTC) time as tutors read it, with its zone spelled out."""
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
