"""Assignments and their files (the source with its answer key, and what
learners fetch), as rows and content-addressed blobs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import blobs, rows
from .models import Assignment, AssignmentFile


def add(session: Session, course: str, name: str, *, title, due, source, release, by: str, released: bool) -> None:
    stamp = rows.now()
    row = Assignment(course=course, name=name, title=title or name, due=rows.utc(due),
                     max_points=float(release.max_points), grade_cells=rows.cells(release.grade_cells),
                     created_at=stamp, created_by=by, released_at=stamp if released else None,
                     released_by=by if released else None)
    session.add(row)
    session.flush()
    # Learners get the student notebooks and the source's data files.
    for kind, files in (("source", {**source.files, **source.notebooks}),
                        ("student", {**source.files, **release.student})):
        hashes = blobs.put(session, files)
        session.add_all(AssignmentFile(assignment_id=row.id, kind=kind, path=p, sha256=h) for p, h in hashes.items())


def describe(session: Session, found) -> list[dict]:
    """assignment dicts, with their student notebooks listed in one query."""
    ids = [a.id for a in found]
    notebooks: dict[int, list[str]] = {}
    if ids:
        for aid, path in session.execute(select(AssignmentFile.assignment_id, AssignmentFile.path).where(
                AssignmentFile.assignment_id.in_(ids), AssignmentFile.kind == "student",
                AssignmentFile.path.like("%.ipynb")).order_by(AssignmentFile.path)):
            notebooks.setdefault(aid, []).append(path)
    return [rows.assignment(a, notebooks.get(a.id, [])) for a in found]


def files(session: Session, assignment_id: int, kind: str) -> dict[str, bytes]:
    hashes = dict(session.execute(select(AssignmentFile.path, AssignmentFile.sha256).where(
        AssignmentFile.assignment_id == assignment_id, AssignmentFile.kind == kind)).all())
    return blobs.get(session, hashes)
