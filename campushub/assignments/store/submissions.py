"""Submissions as immutable versions, numbered per learner and assignment."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import blobs, rows
from .models import Assignment, CellGrade, Feedback, Job, Version, VersionFile

SUBMITTED = "submitted"
MANUAL_KINDS = ("manual", "task")


def latest(session: Session, assignment_id: int, learner: str) -> Version | None:
    return session.scalars(select(Version).where(Version.assignment_id == assignment_id, Version.learner == learner)
                           .order_by(Version.number.desc()).limit(1)).first()


def add(session: Session, assignment: Assignment, learner: str, files: dict[str, bytes], late: bool) -> tuple:
    """(Version, duplicate). The caller's transaction commits it; on
    PostgreSQL a concurrent twin fails the unique number and is retried."""
    hashes = {path: blobs.sha256(data) for path, data in files.items()}
    digest = blobs.manifest_sha256(hashes)
    previous = latest(session, assignment.id, learner)
    if previous is not None and previous.sha256 == digest:
        return previous, True
    blobs.put(session, files)
    graded = [(nb, c) for nb, found in (assignment.grade_cells or {}).items() for c in found
              if c["kind"] != "autograded"]
    version = Version(assignment_id=assignment.id, learner=learner, number=(previous.number + 1 if previous else 1),
                      sha256=digest, submitted_at=rows.now(), late=late, status=SUBMITTED,
                      pending_manual=sum(1 for _nb, c in graded if c["kind"] in MANUAL_KINDS))
    session.add(version)
    session.flush()  # the unique (assignment, learner, number) is checked here
    session.add_all(VersionFile(version_id=version.id, kind="submitted", path=p, sha256=h) for p, h in hashes.items())
    session.add_all(CellGrade(version_id=version.id, notebook=nb, grade_id=c["grade_id"], position=i, kind=c["kind"],
                              max_points=float(c["points"] or 0)) for i, (nb, c) in enumerate(graded))
    session.add(Job(version_id=version.id, status="queued", attempts=0, queued_at=rows.now()))
    session.flush()
    return version, False


def describe(session: Session, found: list[Version]) -> list[dict]:
    """version dicts for rows, with their file lists and feedback flags in two queries."""
    ids = [v.id for v in found]
    if not ids:
        return []
    files: dict[int, list[str]] = {}
    for vid, path in session.execute(select(VersionFile.version_id, VersionFile.path).where(
            VersionFile.version_id.in_(ids), VersionFile.kind == "submitted").order_by(VersionFile.path)):
        files.setdefault(vid, []).append(path)
    feedback = set(session.scalars(select(Feedback.version_id).where(Feedback.version_id.in_(ids))))
    points = dict(session.execute(select(Assignment.id, Assignment.max_points).where(
        Assignment.id.in_({v.assignment_id for v in found}))).all())
    return [rows.version(v, files.get(v.id, []), v.id in feedback, points.get(v.assignment_id)) for v in found]


def files_of(session: Session, version_id: int, kind: str) -> dict[str, bytes]:
    hashes = dict(session.execute(select(VersionFile.path, VersionFile.sha256).where(
        VersionFile.version_id == version_id, VersionFile.kind == kind)).all())
    return blobs.get(session, hashes)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Version))


def metric_counts(session: Session) -> dict:
    per_course = session.execute(select(Assignment.course, func.count(Version.id))
                                 .join(Version, Version.assignment_id == Assignment.id).group_by(Assignment.course))
    # Job statuses as store/jobs.py names them (which imports this module's neighbours, not this one)
    waiting = ("queued", "running")
    states = dict(session.execute(select(Job.status, func.count()).where(Job.status.in_(waiting))
                                  .group_by(Job.status)).all())
    return {"submissions": dict(per_course.all()), "jobs": {s: states.get(s, 0) for s in waiting}}
