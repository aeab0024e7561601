"""`Store`: the one door to the assignments database.

Synchronous and thread-safe; each method is its own transaction, so a caller
that got an answer knows the change is committed (a submission is durable
before the learner is told it was received). Dicts go out, never ORM rows:
callers cannot lazy-load across threads or sessions.
"""

from __future__ import annotations

from datetime import datetime

# Version statuses, exact strings shared with the web pages and the grader.
SUBMITTED = "submitted"
AUTOGRADING = "autograding"
AUTOGRADED = "autograded"
GRADED = "graded"
RESUBMISSION_REQUESTED = "resubmission_requested"
FEEDBACK_RETURNED = "feedback_returned"
STATUSES = (SUBMITTED, AUTOGRADING, AUTOGRADED, GRADED, RESUBMISSION_REQUESTED, FEEDBACK_RETURNED)


class StoreError(Exception):
    """A request the database refuses (unknown assignment, name taken, ...).
    ``message`` is an English source string marked with N_, ``kwargs`` its
    placeholders, so the web layer translates it into a one-line answer."""

    def __init__(self, message: str, **kwargs):
        super().__init__(message.format(**kwargs) if kwargs else message)
        self.message, self.kwargs = message, kwargs


class Store:
    def __init__(self, url: str):
        """Open (and migrate to the newest schema, under a lock) the database
        at the SQLAlchemy ``url``: ``sqlite:////path/file.sqlite`` or
        ``postgresql+psycopg://...`` (a plain ``postgresql://`` is taken as psycopg 3)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection pool."""
        raise NotImplementedError

    # -- assignments ----------------------------------------------------------

    def create_assignment(self, course: str, name: str, *, title: str, due: datetime | None, source,
                          release, by: str, released: bool) -> dict:
        """Store a new assignment: the source (format.source.Source: notebooks
        and data files, the answer key) and its release (format.release.Release:
        student files, grade cells, max points). ``due`` naive = UTC.
        Raises StoreError if (course, name) exists. Returns assignment()'s dict."""
        raise NotImplementedError

    def release(self, course: str, name: str, by: str) -> dict:
        """Make the assignment visible to learners (idempotent: an already
        released one keeps its first released_at). StoreError if unknown."""
        raise NotImplementedError

    def assignments(self, course: str | None = None) -> list[dict]:
        """Every assignment (of ``course``), ordered by course, due, name; dicts as assignment()."""
        raise NotImplementedError

    def assignment(self, course: str, name: str) -> dict | None:
        """{id, course, name, title, due (aware UTC | None), released_at (aware
        UTC | None), created_at, created_by, max_points, notebooks (list of
        paths), grade_cells ({notebook: [{grade_id, kind, points, cell_index,
        locked}]})} or None."""
        raise NotImplementedError

    def assignment_by_id(self, assignment_id: int) -> dict | None:
        """As assignment(), by id."""
        raise NotImplementedError

    def source_files(self, assignment_id: int) -> dict[str, bytes]:
        """The instructor's source (answer key included): notebooks and data files by path."""
        raise NotImplementedError

    def student_files(self, assignment_id: int) -> dict[str, bytes]:
        """What learners fetch: the student notebooks and the data files by path."""
        raise NotImplementedError

    # -- submissions ----------------------------------------------------------

    def submit(self, assignment_id: int, learner: str, files: dict[str, bytes], *, late: bool) -> dict:
        """Store a new immutable version and queue its autograding job in the
        same transaction. Returns the version dict (as version()) plus
        ``duplicate``: True when ``files`` equal the learner's latest version,
        which is then returned and nothing new is stored (a double click).
        Concurrent calls never produce two versions with one number."""
        raise NotImplementedError

    def versions(self, assignment_id: int, learner: str) -> list[dict]:
        """The learner's versions, oldest first (dicts as version())."""
        raise NotImplementedError

    def version(self, version_id: int) -> dict | None:
        """{id, assignment_id, learner, number, sha256, submitted_at (aware UTC),
        late, status, reason (resubmission reason | None), auto, manual, total
        (float | None), max_points, feedback (bool: released), files (list of paths)}."""
        raise NotImplementedError

    def version_by_number(self, assignment_id: int, learner: str, number: int) -> dict | None:
        """As version(), by the learner's version number."""
        raise NotImplementedError

    def version_files(self, version_id: int) -> dict[str, bytes]:
        """The files the learner submitted in this version."""
        raise NotImplementedError

    def executed_files(self, version_id: int) -> dict[str, bytes]:
        """The notebooks as the autograder executed them (empty before grading)."""
        raise NotImplementedError

    # -- grading queue ----------------------------------------------------------

    def claim_job(self, worker: str) -> dict | None:
        """Atomically take the oldest queued job (no two workers, in any
        process, get the same one) and mark its version "autograding".
        {id, version_id, assignment_id, learner, number, attempts} or None."""
        raise NotImplementedError

    def finish_job(self, job_id: int, *, scores: list[dict], executed: dict[str, bytes],
                   error: str | None) -> None:
        """Record the outcome: ``scores`` as format.scoring.CellScore dicts
        (grade_id, kind, max_points, auto_points, passed), the executed
        notebooks, or ``error`` (one line; the version is still "autograded",
        with no auto points). Manual grades already given are kept."""
        raise NotImplementedError

    def requeue_stale(self) -> int:
        """Put jobs left "running" (by a process that died or stopped) back in
        the queue; call once at start, before any worker runs. Returns how many."""
        raise NotImplementedError

    def release_job(self, job_id: int) -> None:
        """Put one running job back in the queue (a worker stopping cleanly)."""
        raise NotImplementedError

    # -- tutors ------------------------------------------------------------------

    def gradebook(self, assignment_id: int, learners: list[str]) -> list[dict]:
        """One row per learner (in ``learners``' order, learners without a
        version included): {learner, version_id, number, versions (count),
        submitted_at, status, auto, manual, total, max_points, late,
        needs_grading, resubmission_requested}. A constant number of queries."""
        raise NotImplementedError

    def cell_grades(self, version_id: int) -> list[dict]:
        """{notebook, grade_id, kind, max_points, auto_points, passed,
        manual_points, comment, graded_by, points (manual if given else auto)}
        for each grade cell of the version, in notebook order."""
        raise NotImplementedError

    def set_manual(self, version_id: int, grade_id: str, points: float | None, comment: str | None,
                   by: str, notebook: str | None = None) -> dict:
        """Give manual points (0..max, None clears) and/or a comment to one
        grade cell. When every manual cell has points the version becomes
        "graded". StoreError on unknown cell or points out of range."""
        raise NotImplementedError

    def request_resubmission(self, version_id: int, reason: str, by: str) -> dict:
        """Status "resubmission_requested" with the tutor's reason (one line, required)."""
        raise NotImplementedError

    def release_feedback(self, version_id: int, html: str, by: str) -> dict:
        """Store the feedback HTML and mark the version "feedback_returned"."""
        raise NotImplementedError

    def feedback(self, version_id: int) -> str | None:
        """The released feedback HTML, or None."""
        raise NotImplementedError

    def export_rows(self, course: str, learners: list[str]) -> list[dict]:
        """One row per learner and assignment of the course: {learner,
        assignment, version (number | None), submitted_at, status, auto,
        manual, total, max_points, late}. A constant number of queries."""
        raise NotImplementedError
