"""The front's one table: which kernel is whose. migrations/versions/ builds
exactly this (tests/remote_kernels/test_store.py compares them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {"ix": "ix_%(column_0_label)s", "pk": "pk_%(table_name)s"}
Stamp = DateTime(timezone=True)

# running: EG has it; deleted: its owner shut it down through the front; culled: EG dropped it after
# it idled past the cull timeout; stopped: EG dropped it for another reason (crash, gateway restart)
STATES = ("running", "deleted", "culled", "stopped")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Kernel(Base):
    __tablename__ = "kernels"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))
    kernelspec: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    started: Mapped[datetime] = mapped_column(Stamp)
    # EG's last_activity as last seen: how long it had idled when it went
    last_activity: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    ended: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)

    __table_args__ = (Index("ix_kernels_owner_state", "owner", "state"),)
