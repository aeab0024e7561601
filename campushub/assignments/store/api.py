"""`Store`: the one door to the assignments database.

Synchronous and thread-safe; each method is its own transaction, so a caller
that got an answer knows the change is committed (a submission is durable
before the learner is told it was received). Dicts go out, never ORM rows:
callers cannot lazy-load across threads or sessions. The work is done in
submissions.py, jobs.py and grades.py; this module holds transactions.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...i18n import N_
from ...webservice.db import Database
from . import catalog, db, grades, jobs, rows, submissions
from .errors import StoreError
from .models import Assignment, Feedback, Version

# Version statuses, exact strings shared with the web pages and the grader.
SUBMITTED = "submitted"
AUTOGRADING = "autograding"
AUTOGRADED = "autograded"
GRADED = "graded"
RESUBMISSION_REQUESTED = "resubmission_requested"
FEEDBACK_RETURNED = "feedback_returned"
STATUSES = (SUBMITTED, AUTOGRADING, AUTOGRADED, GRADED, RESUBMISSION_REQUESTED, FEEDBACK_RETURNED)

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
BAD_NAME = N_("\"{name}\" cannot name an assignment: use letters, digits, dot, dash and underscore (up to 128).")
EXISTS = N_("Course {course} already has an assignment \"{name}\".")
UNKNOWN = N_("Course {course} has no assignment \"{name}\".")
NO_VERSION = N_("There is no such submission.")
NO_FILES = N_("A submission needs at least one file.")

__all__ = ["STATUSES", "Store", "StoreError"]


class Store(Database):
    def __init__(self, url: str):
        super().__init__(url, db.SCHEMA)

    @contextmanager
    def _write(self):
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _read(self):
        with Session(self._reader) as session, session.begin():
            yield session

    # -- assignments ----------------------------------------------------------

    def create_assignment(self, course: str, name: str, *, title: str, due: datetime | None, source,
                          release, by: str, released: bool) -> dict:
        """Store a new assignment: the source (format.source.Source: notebooks
        and data files, the answer key) and its release (format.release.Release:
        student notebooks, grade cells, max points); learners get the student
        notebooks plus the source's data files. ``due`` naive = UTC. Raises
        StoreError if the name is bad or taken. Returns assignment()'s dict."""
        if not NAME.match(name or ""):
            raise StoreError(BAD_NAME, name=name)
        try:
            with self._write() as session:
                if session.scalar(select(Assignment.id).where(Assignment.course == course, Assignment.name == name)):
                    raise StoreError(EXISTS, course=course, name=name)
                catalog.add(session, course, name, title=title, due=due, source=source, release=release, by=by,
                            released=released)
        except IntegrityError as e:  # created at the same moment by someone else
            raise StoreError(EXISTS, course=course, name=name) from e
        return self.assignment(course, name)

    def release(self, course: str, name: str, by: str) -> dict:
        """Make the assignment visible to learners (idempotent: an already
        released one keeps its first released_at). StoreError if unknown."""
        with self._write() as session:
            row = session.scalars(select(Assignment).where(Assignment.course == course,
                                                           Assignment.name == name)).first()
            if row is None:
                raise StoreError(UNKNOWN, course=course, name=name)
            if row.released_at is None:
                row.released_at, row.released_by = rows.now(), by
        return self.assignment(course, name)

    def assignments(self, course: str | None = None) -> list[dict]:
        """Every assignment (of ``course``), ordered by course, due, name; dicts as assignment()."""
        with self._read() as session:
            query = select(Assignment).order_by(Assignment.course, Assignment.due, Assignment.name)
            found = session.scalars(query.where(Assignment.course == course) if course else query).all()
            return self._describe(session, found)

    def assignment(self, course: str, name: str) -> dict | None:
        """{id, course, name, title, due (aware UTC | None), released_at (aware
        UTC | None), created_at, created_by, max_points, notebooks (list of
        paths), grade_cells ({notebook: [{grade_id, kind, points, cell_index,
        locked}]})} or None."""
        with self._read() as session:
            found = session.scalars(select(Assignment).where(Assignment.course == course,
                                                             Assignment.name == name)).all()
            return (self._describe(session, found) or [None])[0]

    def assignment_by_id(self, assignment_id: int) -> dict | None:
        """As assignment(), by id."""
        with self._read() as session:
            row = session.get(Assignment, assignment_id)
            return self._describe(session, [row])[0] if row else None

    def _describe(self, session: Session, found) -> list[dict]:
        return catalog.describe(session, found)

    def _files(self, assignment_id: int, kind: str) -> dict[str, bytes]:
        with self._read() as session:
            return catalog.files(session, assignment_id, kind)

    def source_files(self, assignment_id: int) -> dict[str, bytes]:
        """The instructor's source (answer key included): notebooks and data files by path."""
        return self._files(assignment_id, "source")

    def student_files(self, assignment_id: int) -> dict[str, bytes]:
        """What learners fetch: the student notebooks and the data files by path."""
        return self._files(assignment_id, "student")

    # -- submissions ----------------------------------------------------------

    def submit(self, assignment_id: int, learner: str, files: dict[str, bytes], *, late: bool) -> dict:
        """Store a new immutable version and queue its autograding job in the
        same transaction. Returns the version dict (as version()) plus
        ``duplicate``: True when ``files`` equal the learner's latest version,
        which is then returned and nothing new is stored (a double click).
        Concurrent calls never produce two versions with one number."""
        if not files:
            raise StoreError(NO_FILES)
        for attempt in range(20):
            try:
                with self._write() as session:
                    assignment = session.get(Assignment, assignment_id)
                    if assignment is None:
                        raise StoreError(NO_VERSION)
                    version, duplicate = submissions.add(session, assignment, learner, files, late)
                    vid = version.id
                break
            except IntegrityError:
                # PostgreSQL: a concurrent submission took this number first (SQLite's
                # BEGIN IMMEDIATE serialises writers, so it never gets here). Try again.
                if attempt == 19:
                    raise
        return {**self.version(vid), "duplicate": duplicate}

    def versions(self, assignment_id: int, learner: str) -> list[dict]:
        """The learner's versions, oldest first (dicts as version())."""
        with self._read() as session:
            found = session.scalars(select(Version).where(Version.assignment_id == assignment_id,
                                                          Version.learner == learner).order_by(Version.number)).all()
            return submissions.describe(session, list(found))

    def version(self, version_id: int) -> dict | None:
        """{id, assignment_id, learner, number, sha256, submitted_at (aware UTC),
        late, status, reason (resubmission reason | None), reason_by, auto, manual,
        total (float | None), pending_manual, error, max_points, feedback (bool:
        released), files (list of paths)}."""
        with self._read() as session:
            row = session.get(Version, version_id)
            return submissions.describe(session, [row])[0] if row else None

    def version_by_number(self, assignment_id: int, learner: str, number: int) -> dict | None:
        """As version(), by the learner's version number."""
        with self._read() as session:
            row = session.scalars(select(Version).where(Version.assignment_id == assignment_id,
                                                        Version.learner == learner, Version.number == number)).first()
            return submissions.describe(session, [row])[0] if row else None

    def version_files(self, version_id: int) -> dict[str, bytes]:
        """The files the learner submitted in this version."""
        with self._read() as session:
            return submissions.files_of(session, version_id, "submitted")

    def executed_files(self, version_id: int) -> dict[str, bytes]:
        """The notebooks as the autograder executed them (empty before grading)."""
        with self._read() as session:
            return submissions.files_of(session, version_id, "executed")

    # -- grading queue ----------------------------------------------------------

    def claim_job(self, worker: str) -> dict | None:
        """Atomically take the oldest queued job (no two workers, in any
        process, get the same one) and mark its version "autograding".
        {id, version_id, assignment_id, learner, number, attempts} or None."""
        with self._write() as session:
            return jobs.claim(session, worker)

    def finish_job(self, job_id: int, *, scores: list[dict], executed: dict[str, bytes],
                   error: str | None) -> None:
        """Record the outcome: ``scores`` as format.scoring.CellScore dicts
        (grade_id, kind, max_points, auto_points, passed; "notebook" when the
        assignment has several), the executed notebooks, or ``error`` (one
        line; the version is still "autograded", with no auto points). Manual
        grades already given are kept."""
        with self._write() as session:
            jobs.finish(session, job_id, scores, executed, error)

    def requeue_stale(self) -> int:
        """Put jobs left "running" (by a process that died or stopped) back in
        the queue; call once at start, before any worker runs. Returns how many."""
        with self._write() as session:
            return jobs.requeue(session)

    def release_job(self, job_id: int) -> None:
        """Put one running job back in the queue (a worker stopping cleanly)."""
        with self._write() as session:
            jobs.requeue(session, job_id)

    def queue_length(self) -> int:
        """Jobs waiting or running."""
        with self._read() as session:
            return session.scalar(select(func.count()).select_from(jobs.jobs).where(jobs.jobs.c.status != jobs.DONE))

    def metric_counts(self) -> dict:
        """For /metrics: {"submissions": {course: versions}, "jobs": {"queued": n, "running": n}}."""
        with self._read() as session:
            return submissions.metric_counts(session)

    # -- tutors ------------------------------------------------------------------

    def gradebook(self, assignment_id: int, learners: list[str]) -> list[dict]:
        """One row per learner (in ``learners``' order, learners without a
        version included): {learner, version_id, number, versions (count),
        submitted_at, status, auto, manual, total, max_points, late, reason,
        needs_grading, resubmission_requested}. A constant number of queries."""
        with self._read() as session:
            return grades.gradebook(session, assignment_id, learners)

    def cell_grades(self, version_id: int) -> list[dict]:
        """{notebook, grade_id, kind, max_points, auto_points, passed,
        manual_points, comment, graded_by, graded_at, points (manual if given
        else auto)} for each grade cell of the version, in notebook order."""
        with self._read() as session:
            return grades.cell_grades(session, version_id)

    def _version_row(self, session: Session, version_id: int) -> Version:
        row = session.get(Version, version_id)
        if row is None:
            raise StoreError(NO_VERSION)
        return row

    def set_manual(self, version_id: int, grade_id: str, points: float | None, comment: str | None,
                   by: str, notebook: str | None = None) -> dict:
        """Give manual points (0..max, None clears) and a comment to one grade
        cell. When every manual cell has points an "autograded" version becomes
        "graded". StoreError on an unknown cell or points out of range."""
        with self._write() as session:
            grades.set_manual(session, self._version_row(session, version_id), grade_id, points, comment, by,
                              notebook)
        return self.version(version_id)

    def request_resubmission(self, version_id: int, reason: str, by: str) -> dict:
        """Status "resubmission_requested" with the tutor's reason (one line, required)."""
        with self._write() as session:
            grades.request_resubmission(self._version_row(session, version_id), reason, by)
        return self.version(version_id)

    def release_feedback(self, version_id: int, html: str, by: str) -> dict:
        """Store the feedback HTML and mark the version "feedback_returned"."""
        with self._write() as session:
            grades.release_feedback(session, self._version_row(session, version_id), html, by)
        return self.version(version_id)

    def feedback(self, version_id: int) -> str | None:
        """The released feedback HTML, or None."""
        with self._read() as session:
            return session.scalar(select(Feedback.html).where(Feedback.version_id == version_id))

    def export_rows(self, course: str, learners: list[str]) -> list[dict]:
        """One row per learner and assignment of the course: {learner,
        assignment, title, version (number | None), submitted_at, status, auto,
        manual, total, max_points, late}. A constant number of queries."""
        with self._read() as session:
            return grades.export_rows(session, course, learners)
