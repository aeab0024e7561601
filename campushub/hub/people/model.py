"""Display names, in the hub's own database: JupyterHub's users have none.

A table of ours beside JupyterHub's (declared on its ORM base, so the hub
creates it at start with its own tables, in SQLite or PostgreSQL alike: on
Kubernetes it lives in hub.db on the hub's volume with everything else). It
is keyed by the user's id with ON DELETE CASCADE, so deleting a user drops
their display name; JupyterHub's migrations never touch tables they do not
know.
"""

from __future__ import annotations

from jupyterhub.orm import Base
from sqlalchemy import Column, ForeignKey, Integer, Unicode


class DisplayName(Base):
    __tablename__ = "campushub_display_names"
    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    display_name = Column(Unicode(255), nullable=False)


def ensure_table(db) -> None:
    """For a hub whose database was opened before this module was imported."""
    DisplayName.__table__.create(db.get_bind(), checkfirst=True)


def of(user) -> str:
    """The display name of a hub user (jupyterhub.user.User), or ""; for templates, so it never raises."""
    if user is None or getattr(user, "orm_user", None) is None:
        return ""
    try:
        row = user.db.get(DisplayName, user.orm_user.id)
    except Exception:  # a page must render even if the table is missing
        user.db.rollback()
        return ""
    return row.display_name if row is not None else ""
