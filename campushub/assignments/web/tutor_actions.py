"""The tutor's POSTs on a version: manual grades, a resubmission request,
releasing feedback. Every field is checked before the first write, so a bad
form answers one line and changes nothing (BaseHandler checks XSRF)."""

from __future__ import annotations

from tornado import web
from tornado.ioloop import IOLoop

from ...i18n import N_
from .feedback_build import NotReady, build_feedback
from .grade_input import InputError, parse_grades, parse_reason
from .tutor_access import MANUAL_KINDS, TutorPage

NOT_LATEST = N_("Only the latest version can get a resubmission request: open version {latest}.")


class _VersionAction(TutorPage):
    def refuse(self, error: InputError):
        self.fail(400, error.message, **error.kwargs)

    def done(self, course, name, learner, number, saved: str):
        self.redirect(f"{self.version_url(course, name, learner, number)}?saved={saved}", status=303)


class GradeHandler(_VersionAction):
    @web.authenticated
    def post(self, course: str, name: str, learner: str, number: str):
        _assignment, version = self.tutor_version(course, name, learner, number)
        manual = {(g["notebook"], g["grade_id"]): g["max_points"]
                  for g in self.store.cell_grades(version["id"]) if g["kind"] in MANUAL_KINDS}
        form = {key: self.get_body_arguments(key) for key in ("notebook", "grade_id", "points", "comment")}
        try:
            parsed = parse_grades(form, manual)
        except InputError as e:
            self.refuse(e)
        for notebook, grade_id, given, comment in parsed:
            self.store.set_manual(version["id"], grade_id, given, comment, self.actor, notebook=notebook)
        self.done(course, name, learner, number, "grades")


class ResubmissionHandler(_VersionAction):
    @web.authenticated
    def post(self, course: str, name: str, learner: str, number: str):
        assignment, version = self.tutor_version(course, name, learner, number)
        try:
            reason = parse_reason(self.get_body_argument("reason", ""))
        except InputError as e:
            self.refuse(e)
        latest = self.store.versions(assignment["id"], learner)[-1]
        if latest["id"] != version["id"]:
            self.fail(400, NOT_LATEST, latest=latest["number"])
        self.store.request_resubmission(version["id"], reason, self.actor)
        self.done(course, name, learner, number, "resubmission")


class FeedbackHandler(_VersionAction):
    @web.authenticated
    async def post(self, course: str, name: str, learner: str, number: str):
        assignment, version = self.tutor_version(course, name, learner, number)
        try:
            # nbconvert runs once per notebook: off the loop, other pages keep answering.
            html = await IOLoop.current().run_in_executor(None, build_feedback, self.store, assignment, version,
                                                          self.lang)
        except NotReady as e:
            self.fail(400, e.message, **e.kwargs)
        self.store.release_feedback(version["id"], html, self.actor)
        self.done(course, name, learner, number, "feedback")
