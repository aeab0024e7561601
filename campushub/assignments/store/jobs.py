"""The autograding queue: a table, claimed atomically by workers of any
process (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one UPDATE ... RETURNING
inside a BEGIN IMMEDIATE transaction, which no other writer interleaves)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import blobs, rows
from .models import CellGrade, Job, Version, VersionFile

QUEUED, RUNNING, DONE = "queued", "running", "done"
jobs = Job.__table__


def claim(session: Session, worker: str) -> dict | None:
    oldest = (select(jobs.c.id).where(jobs.c.status == QUEUED).order_by(jobs.c.id).limit(1)
              .with_for_update(skip_locked=True).scalar_subquery())
    taken = session.execute(
        update(jobs).where(jobs.c.id == oldest, jobs.c.status == QUEUED)
        .values(status=RUNNING, worker=worker[:255], claimed_at=rows.now(), attempts=jobs.c.attempts + 1)
        .returning(jobs.c.id, jobs.c.version_id, jobs.c.attempts)).first()
    if taken is None:
        return None
    version = session.get(Version, taken.version_id)
    if version.status == "submitted":
        version.status = "autograding"
    return {"id": taken.id, "version_id": version.id, "assignment_id": version.assignment_id,
            "learner": version.learner, "number": version.number, "attempts": taken.attempts}


def requeue(session: Session, job_id: int | None = None) -> int:
    """Running jobs (all, or one) back to the queue, their versions back to "submitted"."""
    where = [jobs.c.status == RUNNING] + ([jobs.c.id == job_id] if job_id is not None else [])
    version_ids = list(session.scalars(select(jobs.c.version_id).where(*where)))
    if not version_ids:
        return 0
    session.execute(update(jobs).where(*where).values(status=QUEUED, worker=None, claimed_at=None))
    session.execute(update(Version).where(Version.id.in_(version_ids), Version.status == "autograding")
                    .values(status="submitted").execution_options(synchronize_session=False))
    return len(version_ids)


def finish(session: Session, job_id: int, scores: list[dict], executed: dict[str, bytes], error: str | None) -> None:
    job = session.get(Job, job_id)
    if job is None or job.status == DONE:
        return  # finished twice (a requeued job a stopping worker completed after all)
    job.status, job.finished_at = DONE, rows.now()
    version = session.get(Version, job.version_id)
    cells = session.scalars(select(CellGrade).where(CellGrade.version_id == version.id)).all()
    by_key = {(c.notebook, c.grade_id): c for c in cells}
    by_id: dict[str, list[CellGrade]] = {}
    for c in cells:
        by_id.setdefault(c.grade_id, []).append(c)
    for score in scores if not error else []:
        if score.get("notebook") is not None:
            cell = by_key.get((score["notebook"], score["grade_id"]))
        else:
            cell = (by_id.get(score["grade_id"]) or [None])[0]
        if cell is not None:
            cell.auto_points = score.get("auto_points")
            cell.passed = score.get("passed")
    hashes = blobs.put(session, executed or {})
    session.add_all(VersionFile(version_id=version.id, kind="executed", path=p, sha256=h) for p, h in hashes.items())
    version.error = (" ".join(error.split())[:2000] or None) if error else None
    totals(version, cells)
    if version.status in ("submitted", "autograding"):
        version.status = "graded" if version.pending_manual == 0 and _has_manual(cells) else "autograded"


def _has_manual(cells) -> bool:
    return any(c.kind in ("manual", "task") for c in cells)


def totals(version: Version, cells) -> None:
    """The version's auto / manual / total / pending_manual from its cells."""
    autos = [c.auto_points for c in cells if c.auto_points is not None]
    manuals = [c.manual_points for c in cells if c.manual_points is not None]
    version.auto = sum(autos) if autos else None
    version.manual = sum(manuals) if manuals else None
    given = [c.manual_points if c.manual_points is not None else c.auto_points for c in cells]
    version.total = sum(p for p in given if p is not None) if (autos or manuals) else None
    version.pending_manual = sum(1 for c in cells if c.kind in ("manual", "task") and c.manual_points is None)
