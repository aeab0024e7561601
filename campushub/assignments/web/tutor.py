"""The tutors' pages of the assignments service; web/app.py mounts ROUTES.

The assignment page URL (course/{course}/a/{name}/) is shared with learners:
web/learner.py serves it and calls tutor_gradebook.render_gradebook for tutors."""

from __future__ import annotations

from .export import GradesCsvHandler
from .tutor_actions import FeedbackHandler, GradeHandler, ResubmissionHandler
from .tutor_submission import SubmissionHandler

_VERSION = r"course/(?P<course>[^/]+)/a/(?P<name>[^/]+)/learner/(?P<learner>[^/]+)/v/(?P<number>[0-9]{1,9})"

ROUTES = [
    (_VERSION, SubmissionHandler),
    (_VERSION + "/grade", GradeHandler),
    (_VERSION + "/resubmission", ResubmissionHandler),
    (_VERSION + "/feedback", FeedbackHandler),
    (r"course/(?P<course>[^/]+)/grades\.csv", GradesCsvHandler),
]
