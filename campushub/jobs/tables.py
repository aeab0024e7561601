"""The jobs database's one table (SQLAlchemy 2 declarative). migrations/
builds exactly this (tests/jobs/test_store.py compares them), so a change
here needs a new migration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Float, Index, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s", "pk": "pk_%(table_name)s"}
Stamp = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class JobRow(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_owner_created", "owner", "created"),
                      Index("ix_jobs_state_created", "state", "created"),
                      Index("ix_jobs_sweep", "sweep"))
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))
    notebook: Mapped[str] = mapped_column(String(1024))
    parameters: Mapped[dict] = mapped_column(JSON)
    profile: Mapped[str | None] = mapped_column(String(64))
    sweep: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    created: Mapped[datetime] = mapped_column(Stamp)
    started: Mapped[datetime | None] = mapped_column(Stamp)
    finished: Mapped[datetime | None] = mapped_column(Stamp)
    handle: Mapped[str | None] = mapped_column(String(1024))
    exit_code: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    peak_memory: Mapped[int | None] = mapped_column(BigInteger)
    failed_cell: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(1000))
    resources: Mapped[dict | None] = mapped_column(JSON)
