"""The analytics schema (SQLAlchemy 2 declarative). migrations/versions/
builds exactly this (tests/analytics/store/test_schema.py compares them), so
a change here needs a new migration.

Records keep what the extension sends and nothing more: no source, no
outputs, no error text. Each record table is unique on (user, record_id), so
a batch sent twice is stored once. Poll data (polls, activity, spawn_deltas)
comes from the service's own polling of the hub.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Float, Index, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints: Alembic can only alter (and compare) what has a name.
NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "pk": "pk_%(table_name)s"}

Stamp = DateTime(timezone=True)
USER, RECORD, COURSE, PATH, CELL, STATUS = 255, 32, 64, 1024, 64, 16


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Execution(Base):
    """One cell execution; ``time`` is when it started."""

    __tablename__ = "executions"
    __table_args__ = (UniqueConstraint("user", "record_id", name="uq_executions_user_record"),
                      Index("ix_executions_course_notebook", "course", "notebook"),
                      Index("ix_executions_user_time", "user", "time"),
                      Index("ix_executions_time", "time"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(USER))
    record_id: Mapped[str] = mapped_column(String(RECORD))
    time: Mapped[datetime] = mapped_column(Stamp)
    path: Mapped[str] = mapped_column(String(PATH))
    course: Mapped[str | None] = mapped_column(String(COURSE))
    notebook: Mapped[str | None] = mapped_column(String(PATH))
    cell: Mapped[str | None] = mapped_column(String(CELL))
    status: Mapped[str] = mapped_column(String(STATUS))
    duration_ms: Mapped[float] = mapped_column(Float)
    received_at: Mapped[datetime] = mapped_column(Stamp)


class NotebookOrder(Base):
    """A learner's newest report of a course notebook's cell ids in file
    order; the canonical order of the notebook is derived from all of them."""

    __tablename__ = "notebook_orders"
    __table_args__ = (UniqueConstraint("course", "notebook", "user", name="uq_notebook_orders_course_notebook_user"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(USER))
    course: Mapped[str] = mapped_column(String(COURSE))
    notebook: Mapped[str] = mapped_column(String(PATH))
    cells: Mapped[list] = mapped_column(JSON)
    record_id: Mapped[str] = mapped_column(String(RECORD))
    time: Mapped[datetime] = mapped_column(Stamp)
    received_at: Mapped[datetime] = mapped_column(Stamp)


class Sync(Base):
    """The result of the course sync that ran before a server started."""

    __tablename__ = "syncs"
    __table_args__ = (UniqueConstraint("user", "record_id", name="uq_syncs_user_record"),
                      Index("ix_syncs_time", "time"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(USER))
    record_id: Mapped[str] = mapped_column(String(RECORD))
    time: Mapped[datetime] = mapped_column(Stamp)
    course: Mapped[str] = mapped_column(String(COURSE))
    status: Mapped[str] = mapped_column(String(STATUS))
    received_at: Mapped[datetime] = mapped_column(Stamp)


class Poll(Base):
    """Servers running and pending at one poll of the hub."""

    __tablename__ = "polls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time: Mapped[datetime] = mapped_column(Stamp, index=True)
    running: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer)


class Activity(Base):
    """A user was active at some time in this hour (UTC); ``day`` is the
    hour's date, kept so daily counts are a plain GROUP BY on both databases."""

    __tablename__ = "activity"
    __table_args__ = (UniqueConstraint("user", "hour", name="uq_activity_user_hour"),
                      Index("ix_activity_hour", "hour"), Index("ix_activity_day", "day"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(USER))
    hour: Mapped[datetime] = mapped_column(Stamp)
    day: Mapped[date] = mapped_column(Date)


class SpawnDelta(Base):
    """How much one cumulative bucket (``le``) of the hub's
    jupyterhub_server_spawn_duration_seconds histogram grew between two polls;
    rows exist only for polls in which servers were spawned."""

    __tablename__ = "spawn_deltas"
    __table_args__ = (Index("ix_spawn_deltas_day", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time: Mapped[datetime] = mapped_column(Stamp)
    day: Mapped[date] = mapped_column(Date)
    le: Mapped[str] = mapped_column(String(32))
    count: Mapped[float] = mapped_column(Float)


class SpawnTotal(Base):
    """The histogram's cumulative buckets at the last poll, to take the next
    delta from (and to see the hub restart: its counters fall back to 0)."""

    __tablename__ = "spawn_totals"
    le: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[float] = mapped_column(Float)


class Purged(Base):
    """Records retention removed, by kind ("execution", "sync"), course ("" for
    executions) and status, so the totals /metrics serves as counters never fall."""

    __tablename__ = "purged"
    kind: Mapped[str] = mapped_column(String(STATUS), primary_key=True)
    course: Mapped[str] = mapped_column(String(COURSE), primary_key=True)
    status: Mapped[str] = mapped_column(String(STATUS), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
