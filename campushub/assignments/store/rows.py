"""ORM rows -> plain dicts (what Store hands out), and UTC handling: SQLite
keeps no time zone, so every stored time is UTC and comes back aware."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from .models import Assignment, Version


def now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    """For storing: naive means UTC already."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def aware(value: datetime | None) -> datetime | None:
    return utc(value)


def cells(grade_cells: dict) -> dict:
    """{notebook: [GradeCell or dict]} -> JSON-ready {notebook: [dict]}."""
    out = {}
    for notebook, found in (grade_cells or {}).items():
        out[notebook] = [dataclasses.asdict(c) if dataclasses.is_dataclass(c) else dict(c) for c in found]
    return out


def assignment(row: Assignment, notebooks: list[str]) -> dict:
    return {
        "id": row.id, "course": row.course, "name": row.name, "title": row.title, "due": aware(row.due),
        "released_at": aware(row.released_at), "released_by": row.released_by,
        "created_at": aware(row.created_at), "created_by": row.created_by, "max_points": row.max_points,
        "notebooks": notebooks, "grade_cells": row.grade_cells,
    }


def version(row: Version, files: list[str], feedback: bool, max_points: float | None) -> dict:
    return {
        "id": row.id, "assignment_id": row.assignment_id, "learner": row.learner, "number": row.number,
        "sha256": row.sha256, "submitted_at": aware(row.submitted_at), "late": row.late, "status": row.status,
        "reason": row.reason, "reason_by": row.reason_by, "auto": row.auto, "manual": row.manual,
        "total": row.total, "pending_manual": row.pending_manual, "error": row.error, "max_points": max_points,
        "feedback": feedback, "files": files,
    }
