"""Tutors' side of the database: gradebook, manual grades, resubmission
requests, feedback, export. The gradebook and the export read a constant
number of queries whatever the number of learners (latest version per
learner by one grouped subquery over the (assignment, learner, number) index)."""

from __future__ import annotations

import math

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ...i18n import N_
from . import jobs, rows
from .errors import StoreError
from .models import Assignment, CellGrade, Feedback, Version

NO_CELL = N_("This submission has no grade cell \"{grade_id}\".")
BAD_POINTS = N_("Points for {grade_id} must be a number from 0 to {max}.")
NO_REASON = N_("Say why a resubmission is needed (the learner reads the reason).")


def _latest(assignment_ids):
    last = (select(Version.assignment_id, Version.learner, func.max(Version.number).label("number"),
                   func.count().label("versions"))
            .where(Version.assignment_id.in_(assignment_ids)).group_by(Version.assignment_id, Version.learner)
            .subquery())
    return (select(Version, last.c.versions)
            .join(last, and_(Version.assignment_id == last.c.assignment_id, Version.learner == last.c.learner,
                             Version.number == last.c.number)))


def _row(learner: str, version: Version | None, count: int, max_points: float) -> dict:
    base = {"learner": learner, "version_id": None, "number": None, "versions": count, "submitted_at": None,
            "status": None, "auto": None, "manual": None, "total": None, "max_points": max_points, "late": False,
            "needs_grading": False, "resubmission_requested": False, "reason": None}
    if version is not None:
        base.update(version_id=version.id, number=version.number, submitted_at=rows.aware(version.submitted_at),
                    status=version.status, auto=version.auto, manual=version.manual, total=version.total,
                    late=version.late, reason=version.reason,
                    needs_grading=version.pending_manual > 0 and version.status in ("autograded", "submitted",
                                                                                       "autograding"),
                    resubmission_requested=version.status == "resubmission_requested")
    return base


def gradebook(session: Session, assignment_id: int, learners: list[str]) -> list[dict]:
    max_points = session.scalar(select(Assignment.max_points).where(Assignment.id == assignment_id))
    found = {v.learner: (v, n) for v, n in session.execute(_latest([assignment_id]))}
    return [_row(name, *found.get(name, (None, 0)), max_points) for name in learners]


def export_rows(session: Session, course: str, learners: list[str]) -> list[dict]:
    assignments = session.scalars(select(Assignment).where(Assignment.course == course)
                                  .order_by(Assignment.due, Assignment.name)).all()
    ids = [a.id for a in assignments]
    found = {(v.assignment_id, v.learner): (v, n) for v, n in session.execute(_latest(ids))} if ids else {}
    out = []
    for name in learners:
        for a in assignments:
            row = _row(name, *found.get((a.id, name), (None, 0)), a.max_points)
            out.append({"learner": name, "assignment": a.name, "title": a.title, "version": row["number"],
                        **{k: row[k] for k in ("submitted_at", "status", "auto", "manual", "total", "max_points",
                                               "late")}})
    return out


def cell_grades(session: Session, version_id: int) -> list[dict]:
    cells = session.scalars(select(CellGrade).where(CellGrade.version_id == version_id)
                            .order_by(CellGrade.position)).all()
    return [{"notebook": c.notebook, "grade_id": c.grade_id, "kind": c.kind, "max_points": c.max_points,
             "auto_points": c.auto_points, "passed": c.passed, "manual_points": c.manual_points,
             "comment": c.comment, "graded_by": c.graded_by, "graded_at": rows.aware(c.graded_at),
             "points": c.manual_points if c.manual_points is not None else c.auto_points} for c in cells]


def set_manual(session: Session, version: Version, grade_id: str, points, comment, by: str, notebook) -> None:
    cells = session.scalars(select(CellGrade).where(CellGrade.version_id == version.id)).all()
    cell = next((c for c in cells if c.grade_id == grade_id and (notebook is None or c.notebook == notebook)), None)
    if cell is None:
        raise StoreError(NO_CELL, grade_id=grade_id)
    if points is not None:
        try:
            points = float(points)
        except (TypeError, ValueError):
            points = math.nan
        if not (0 <= points <= cell.max_points):  # NaN fails this too
            raise StoreError(BAD_POINTS, grade_id=grade_id, max=f"{cell.max_points:g}")
    cell.manual_points = points
    cell.comment = (comment or "").strip() or None
    cell.graded_by, cell.graded_at = by, rows.now()
    jobs.totals(version, cells)
    if version.status == "autograded" and version.pending_manual == 0:
        version.status = "graded"


def request_resubmission(version: Version, reason: str, by: str) -> None:
    reason = " ".join((reason or "").split())
    if not reason:
        raise StoreError(NO_REASON)
    version.status, version.reason, version.reason_by = "resubmission_requested", reason[:2000], by


def release_feedback(session: Session, version: Version, html: str, by: str) -> None:
    row = session.get(Feedback, version.id)
    if row is None:
        session.add(Feedback(version_id=version.id, html=html, released_by=by, released_at=rows.now()))
    else:
        row.html, row.released_by, row.released_at = html, by, rows.now()
    version.status = "feedback_returned"
