"""The tutor's page for one version of one learner's submission: the
rendered notebooks (sandboxed, see notebook_html.py), each grade cell's
scores with a form for the manual ones, the other versions, a diff against
one of them (?diff=M), and the resubmission and feedback actions."""

from __future__ import annotations

from tornado import web
from tornado.ioloop import IOLoop

from ...i18n import N_
from . import status_labels
from .diff import diff_versions
from .notebook_html import notebook_html
from .tutor_access import MANUAL_KINDS, TutorPage, points, when

BAD_DIFF = N_("Cannot compare with version \"{diff}\": pick one of the learner's versions from the list.")


def next_to_grade(rows: list[dict], learner: str) -> dict | None:
    """The gradebook row after ``learner`` (wrapping around) that needs grading."""
    names = [row["learner"] for row in rows]
    start = names.index(learner) + 1 if learner in names else 0
    for row in rows[start:] + rows[:start]:
        if row.get("needs_grading") and row["learner"] != learner:
            return row
    return None


def _by_notebook(grades: list[dict], paths: list[str]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {path: [] for path in paths}
    for grade in grades:
        found.setdefault(grade.get("notebook") or "", []).append(grade)
    return found


class SubmissionHandler(TutorPage):
    @web.authenticated
    async def get(self, course: str, name: str, learner: str, number: str):
        assignment, version = self.tutor_version(course, name, learner, number)
        versions = self.store.versions(assignment["id"], learner)
        diff = None
        other = self.get_argument("diff", None)
        if other is not None:
            match = [v for v in versions if str(v["number"]) == other.strip() and v["id"] != version["id"]]
            if not match:
                self.fail(400, BAD_DIFF, diff=other[:20])
            # off the loop like the rendering below: a learner's notebook decides what the diff costs
            diff = {"number": match[0]["number"], "notebooks": await IOLoop.current().run_in_executor(
                None, diff_versions, self.store.version_files(match[0]["id"]), self.store.version_files(version["id"]))}
        executed = self.store.executed_files(version["id"])
        submitted = self.store.version_files(version["id"])
        grades = _by_notebook(self.store.cell_grades(version["id"]), assignment["notebooks"])
        notebooks = []
        for path in grades:
            raw = executed.get(path) or submitted.get(path)
            # nbconvert takes a while on big notebooks: keep the loop free.
            html = await IOLoop.current().run_in_executor(None, notebook_html, raw) if raw else None
            notebooks.append({"path": path, "html": html, "executed": path in executed,
                              "submitted": path in submitted, "grades": grades[path]})
        here = self.version_url(course, name, learner, version["number"])
        # One gradebook read (constant queries) lets tutors go on to the next learner to grade.
        rows = await self.off_loop(self.store.gradebook, assignment["id"], await self.learners(course))
        following = next_to_grade(rows, learner)
        latest = versions[-1]["number"] if versions else version["number"]
        # Belt and braces with the iframe's sandbox: no inline script on this page at all.
        self.add_header("Content-Security-Policy", "script-src 'self'; object-src 'none'; base-uri 'none'")
        self.render(
            "submission.html", course=course, assignment=assignment, version=version, versions=versions,
            learner=learner, notebooks=notebooks, diff=diff, here=here, latest=latest,
            has_manual=any(g["kind"] in MANUAL_KINDS for nb in notebooks for g in nb["grades"]),
            manual_kinds=MANUAL_KINDS, gradebook_url=self.assignment_url(course, name),
            version_url=lambda n: self.version_url(course, name, learner, n),
            label=lambda status: status_labels.label(self._, status), badge=status_labels.BADGES.get,
            points=points, when=when, saved=self.get_argument("saved", ""), following=following,
            following_url=following and self.version_url(course, name, following["learner"], following["number"]),
        )
