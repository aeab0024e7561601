"""The assignments schema (SQLAlchemy 2 declarative). Alembic's migrations in
migrations/versions/ build exactly this (tests/assignments/store/test_schema.py
compares them), so a change here needs a new migration.

Files live in `blobs`, addressed by their sha256: a resubmitted notebook that
did not change costs no space, and one commit makes a submission durable in
both deployments (no shared folder, no PVC of files).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints: Alembic can only alter (and compare) what has a name.
NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


Stamp = DateTime(timezone=True)


class Blob(Base):
    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("course", "name", name="uq_assignments_course_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(512))
    due: Mapped[datetime | None] = mapped_column(Stamp)
    max_points: Mapped[float] = mapped_column(Float)
    # {notebook: [{grade_id, kind, points, cell_index, locked}]}, as format.release made it.
    grade_cells: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    created_by: Mapped[str] = mapped_column(String(255))
    released_at: Mapped[datetime | None] = mapped_column(Stamp)
    released_by: Mapped[str | None] = mapped_column(String(255))


class AssignmentFile(Base):
    __tablename__ = "assignment_files"
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # "source" | "student"
    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))


class Version(Base):
    """One submission: immutable files; status and totals change as it is graded."""
    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("assignment_id", "learner", "number", name="uq_versions_assignment_learner_number"),
        Index("ix_versions_learner", "learner", "assignment_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    learner: Mapped[str] = mapped_column(String(255))
    number: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # of the sorted (path, file sha256) list
    submitted_at: Mapped[datetime] = mapped_column(Stamp)
    late: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    reason_by: Mapped[str | None] = mapped_column(String(255))
    # Kept up to date from cell_grades so that the gradebook reads one row per learner.
    auto: Mapped[float | None] = mapped_column(Float)
    manual: Mapped[float | None] = mapped_column(Float)
    total: Mapped[float | None] = mapped_column(Float)
    pending_manual: Mapped[int] = mapped_column(Integer)  # manual cells without points yet
    error: Mapped[str | None] = mapped_column(Text)


class VersionFile(Base):
    __tablename__ = "version_files"
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # "submitted" | "executed"
    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))


class CellGrade(Base):
    __tablename__ = "cell_grades"
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    notebook: Mapped[str] = mapped_column(String(1024), primary_key=True)
    grade_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    max_points: Mapped[float] = mapped_column(Float)
    auto_points: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    manual_points: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    graded_by: Mapped[str | None] = mapped_column(String(255))
    graded_at: Mapped[datetime | None] = mapped_column(Stamp)


class Feedback(Base):
    __tablename__ = "feedback"
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    html: Mapped[str] = mapped_column(Text)
    released_by: Mapped[str] = mapped_column(String(255))
    released_at: Mapped[datetime] = mapped_column(Stamp)


class Job(Base):
    """The autograding queue: one row per version; claimed atomically."""
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_id", "status", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # queued | running | done
    worker: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[datetime] = mapped_column(Stamp)
    claimed_at: Mapped[datetime | None] = mapped_column(Stamp)
    finished_at: Mapped[datetime | None] = mapped_column(Stamp)
