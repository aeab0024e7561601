"""`Store`: the one door to the analytics database.

Synchronous and thread-safe; each method is its own transaction (a batch is
stored whole or not at all). Plain dicts and tuples go out, times as aware
UTC datetimes. The work is done in ingest.py, notebooks.py, platform.py and
retention.py; this module holds connections and transactions.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

from ...webservice import db as shared
from . import ingest, notebooks, platform, retention, totals
from .db import SCHEMA


class Store(shared.Database):
    def __init__(self, url: str):
        super().__init__(url, SCHEMA)

    @contextmanager
    def _write(self):
        with self._writer.begin() as connection:
            yield connection

    @contextmanager
    def _read(self):
        with self._reader.begin() as connection:
            yield connection

    def ingest(self, user: str, records: list[dict]) -> tuple[int, int]:
        """Store ``user``'s records (already checked by analytics.records.validate);
        (accepted, duplicates): a record id this user sent before is a duplicate."""
        with self._write() as connection:
            return ingest.ingest(connection, user, records, datetime.now(UTC))

    def purge(self, older_than: datetime) -> int:
        """Remove records and poll data older than ``older_than``; how many rows went."""
        with self._write() as connection:
            return retention.purge(connection, shared.utc(older_than))

    def record_poll(self, time: datetime, active_users: list[str], running: int, pending: int,
                    spawn_buckets: dict[str, float] | None) -> None:
        """One poll of the hub: who was active, servers running and pending, and
        the spawn-duration histogram's cumulative buckets {le: count} (None if unread)."""
        with self._write() as connection:
            platform.record_poll(connection, time, active_users, running, pending, spawn_buckets)

    def notebook_stats(self, course: str, notebook: str, learners: list[str] | None = None) -> dict:
        """Cells in canonical order (then cells outside it, "canonical": False),
        each with executions, learners, reached (the funnel), errors and
        error_rate (0.0 where nothing ran); learners; median_time_s (None: nobody).
        ``learners``: count only their executions (None: everybody's)."""
        with self._read() as connection:
            return notebooks.notebook_stats(connection, course, notebook, learners)

    def course_notebooks(self, course: str, learners: list[str] | None = None) -> list[dict]:
        """A row per notebook of the course that was run or reported, by name (executions: as above)."""
        with self._read() as connection:
            return notebooks.course_notebooks(connection, course, learners)

    def course_progress(self, course: str, learners: list[str]) -> list[dict]:
        """A row per learner (sorted) and course notebook: canonical cells run of all."""
        with self._read() as connection:
            return notebooks.course_progress(connection, course, learners)

    def notebooks_of(self, user: str) -> set[tuple[str, str]]:
        """(course, notebook) pairs ``user`` has records of (executions or cell orders)."""
        with self._read() as connection:
            return notebooks.notebooks_of(connection, user)

    def learner_activity(self, user: str, courses: set[str] | None) -> dict:
        """Last execution and the notebooks run, newest first; ``courses`` limits them to those courses."""
        with self._read() as connection:
            return notebooks.learner_activity(connection, user, courses)

    def platform(self, days: int, now: datetime | None = None) -> dict:
        """Series for the last ``days`` days (hourly: the last 48 hours), every day and hour present."""
        with self._read() as connection:
            return platform.platform(connection, days, shared.utc(now) or datetime.now(UTC))

    def counts(self) -> dict:
        """Totals for /metrics: executions by status, syncs by (course, status);
        records retention removed still count (a counter must not fall)."""
        with self._read() as connection:
            return totals.counts(connection)
