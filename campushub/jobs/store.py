"""`Store`: the jobs database (SQLite in the service's folder, or the
service's db_url), through campushub.webservice.db: WAL, synchronous=FULL,
BEGIN IMMEDIATE for writers, migrated at open.

Synchronous and thread-safe; each method is one transaction. Every change of
state is conditional on the state it leaves (claim only a queued job, finish
only a running one), so the scheduler and a person cancelling at the same
moment cannot both win.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, fields
from pathlib import Path

from sqlalchemy import func, select, update

from ..i18n import N_
from ..webservice import db as shared
from . import model
from .model import Job, Outcome
from .tables import JobRow

SCHEMA = shared.Schema(Path(__file__).with_name("migrations"), lock_key=0x63686A62,  # "chjb"
                       version_table="jobs_alembic_version")
TABLE = JobRow.__table__
QUEUE_FULL = N_("You have {queued} jobs waiting and may queue at most {limit}: wait for some to run, "
                "or cancel some.")
LIST_LIMIT = 1000


def _job(row) -> Job:
    data = dict(row._mapping)
    for key in ("created", "started", "finished"):
        data[key] = shared.utc(data[key])
    return Job(**{f.name: data[f.name] for f in fields(Job)})


class Store(shared.Database):
    def __init__(self, url: str):
        super().__init__(url, SCHEMA)

    def add(self, jobs: list[Job], max_queued: int) -> None:
        """Queue one submission's jobs, all or none: refused (Invalid) when the owner would have more
        than max_queued waiting. Counted and inserted in one writing transaction, so two
        submissions at once cannot both slip under the limit."""
        if not jobs:
            return
        owner = jobs[0].owner
        with self._writer.begin() as connection:
            queued = connection.execute(select(func.count()).select_from(TABLE).where(
                TABLE.c.owner == owner, TABLE.c.state == model.QUEUED)).scalar_one()
            if queued + len(jobs) > max_queued:
                raise model.Invalid(QUEUE_FULL, status=409, queued=queued, limit=max_queued)
            connection.execute(TABLE.insert(), [asdict(job) for job in jobs])

    def get(self, job_id: str) -> Job | None:
        with self._reader.begin() as connection:
            row = connection.execute(select(TABLE).where(TABLE.c.id == job_id)).first()
        return _job(row) if row else None

    def list(self, owner: str | None = None, sweep: str | None = None, limit: int = LIST_LIMIT) -> list[Job]:
        """Newest first; owner None: everybody's."""
        query = select(TABLE).order_by(TABLE.c.created.desc(), TABLE.c.id.desc()).limit(limit)
        if owner is not None:
            query = query.where(TABLE.c.owner == owner)
        if sweep is not None:
            query = query.where(TABLE.c.sweep == sweep)
        with self._reader.begin() as connection:
            return [_job(row) for row in connection.execute(query)]

    def in_state(self, state: str) -> list[Job]:
        """Oldest first: the queue's order."""
        query = select(TABLE).where(TABLE.c.state == state).order_by(TABLE.c.created, TABLE.c.id)
        with self._reader.begin() as connection:
            return [_job(row) for row in connection.execute(query)]

    def queued_count(self, owner: str) -> int:
        with self._reader.begin() as connection:
            return connection.execute(select(func.count()).select_from(TABLE).where(
                TABLE.c.owner == owner, TABLE.c.state == model.QUEUED)).scalar_one()

    def running_counts(self) -> Counter:
        query = select(TABLE.c.owner, func.count()).where(TABLE.c.state == model.RUNNING).group_by(TABLE.c.owner)
        with self._reader.begin() as connection:
            return Counter(dict(connection.execute(query).all()))

    def _move(self, job_id: str, leaving: tuple[str, ...], values: dict) -> Job | None:
        """Change a job that is in one of the states `leaving`; the job as it was before, or None
        when it was not in one of them (someone else moved it first)."""
        with self._writer.begin() as connection:
            row = connection.execute(select(TABLE).where(TABLE.c.id == job_id, TABLE.c.state.in_(leaving))).first()
            if row is None:
                return None
            connection.execute(update(TABLE).where(TABLE.c.id == job_id).values(**values))
        return _job(row)

    def claim(self, job_id: str) -> Job | None:
        """queued -> running (no handle yet); the job now, or None if it was no longer queued."""
        started = model.now()
        before = self._move(job_id, (model.QUEUED,), {"state": model.RUNNING, "started": started})
        if before is None:
            return None
        before.state, before.started = model.RUNNING, started
        return before

    def set_handle(self, job_id: str, handle: str) -> bool:
        """Keep the backend's handle; False when the job was cancelled meanwhile (it is kept anyway,
        so that the caller's cancel can be repeated after a restart)."""
        with self._writer.begin() as connection:
            connection.execute(update(TABLE).where(TABLE.c.id == job_id).values(handle=handle))
            state = connection.execute(select(TABLE.c.state).where(TABLE.c.id == job_id)).scalar()
        return state == model.RUNNING

    def finish(self, job_id: str, outcome: Outcome) -> Job | None:
        """running -> its outcome; the finished job, or None if it was no longer running (cancelled)."""
        job = self.get(job_id)
        if job is None:
            return None
        job.finish(outcome)
        values = {k: getattr(job, k) for k in ("state", "exit_code", "duration_s", "peak_memory", "failed_cell",
                                                "error", "finished")}
        return job if self._move(job_id, (model.RUNNING,), values) else None

    def refuse(self, job_id: str, error: str) -> Job | None:
        """queued -> cancelled, saying why (one line): a job that must not start; None if it was not queued."""
        return self._move(job_id, (model.QUEUED,), {"state": model.CANCELLED, "finished": model.now(), "error": error})

    def cancel(self, job_id: str) -> Job | None:
        """queued or running -> cancelled; the job as it was (its handle says whether the backend
        has something to stop), or None when it had ended already."""
        return self._move(job_id, (model.QUEUED, model.RUNNING),
                          {"state": model.CANCELLED, "finished": model.now()})
