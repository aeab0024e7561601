"""The feedback a tutor releases: format.feedback's HTML for each notebook of
the version (student sources only, test outputs never shown), one document."""

from __future__ import annotations

import html
import re

import nbformat

from ...i18n import N_
from ..format.feedback import feedback_html
from ..format.scoring import CellScore
from .tutor_access import MANUAL_KINDS

NOT_GRADED_YET = N_("Version {number} is still being autograded: wait until it is autograded, then release feedback.")
UNREADABLE = N_("The learner's {notebook} cannot be read as a notebook: request a resubmission instead.")
MANUAL_MISSING = N_("Give points to {grade_id} (and every other manually graded cell) before releasing feedback.")
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)


class NotReady(Exception):
    def __init__(self, message: str, **kwargs):
        super().__init__(message.format(**kwargs))
        self.message, self.kwargs = message, kwargs


def _notebook(raw: bytes):
    return nbformat.reads(raw.decode("utf-8"), as_version=4)


def _join(documents: list[tuple[str, str]]) -> str:
    """Several feedback documents as one: the first one's head (the same
    nbconvert styles for all), then each body under its notebook's name."""
    if len(documents) == 1:
        return documents[0][1]
    first = documents[0][1]
    bodies = []
    for path, document in documents:
        found = _BODY.search(document)
        body = found.group(1) if found else ""
        bodies.append(f'<section class="campushub-notebook"><h2>{html.escape(path)}</h2>{body}</section>')
    found = _BODY.search(first)
    if not found:
        return "".join(doc for _, doc in documents)
    return first[:found.start(1)] + "".join(bodies) + first[found.end(1):]


def build_feedback(store, assignment: dict, version: dict, lang: str) -> str:
    if version["status"] in ("submitted", "autograding"):
        raise NotReady(NOT_GRADED_YET, number=version["number"])
    grades = store.cell_grades(version["id"])
    for grade in grades:
        if grade["kind"] in MANUAL_KINDS and grade.get("manual_points") is None:
            raise NotReady(MANUAL_MISSING, grade_id=grade["grade_id"])
    executed = store.executed_files(version["id"])
    submitted = store.version_files(version["id"])
    student = store.student_files(assignment["id"])
    documents = []
    for path in assignment["notebooks"]:
        raw = executed.get(path) or submitted.get(path)
        if raw is None or path not in student:
            continue  # the learner did not hand this notebook in: nothing to show
        mine = [g for g in grades if g.get("notebook") == path]
        scores = [CellScore(grade_id=g["grade_id"], kind=g["kind"], max_points=g["max_points"],
                            auto_points=g.get("auto_points"), passed=g.get("passed")) for g in mine]
        manual = {g["grade_id"]: (g.get("manual_points"), g.get("comment"))
                  for g in mine if g.get("manual_points") is not None or g.get("comment")}
        try:
            learner_nb = _notebook(raw)
        except Exception:  # nbformat raises several kinds on malformed JSON
            raise NotReady(UNREADABLE, notebook=path) from None
        documents.append((path, feedback_html(learner_nb, _notebook(student[path]), scores, manual, lang,
                                                 title=assignment.get("title") or assignment["name"])))
    return _join(documents) if documents else ""
