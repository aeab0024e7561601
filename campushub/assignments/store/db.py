"""The assignments database's place and migrations; the engines (SQLite WAL,
PostgreSQL) and migrate-at-open under a lock are campushub.webservice.db,
shared with the other hub services."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from ...webservice import db as shared
from ...webservice.db import BUSY_TIMEOUT_S, engines, normalise

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_lock key: any constant shared by every process of the service.
PG_LOCK = 0x63687562  # "chub"
DB_FILE = "assignments.sqlite"
SCHEMA = shared.Schema(MIGRATIONS, PG_LOCK)

__all__ = ["BUSY_TIMEOUT_S", "DB_FILE", "MIGRATIONS", "PG_LOCK", "SCHEMA", "alembic_config", "default_url",
           "engines", "migrate", "normalise"]


def default_url(data_dir: str | Path) -> str:
    """sqlite URL of {data_dir}/assignments/assignments.sqlite; creates the folder 0700."""
    return shared.default_url(data_dir, "assignments")


def alembic_config(connection=None):
    return shared.alembic_config(SCHEMA, connection)


def migrate(writer: Engine) -> None:
    """Bring the schema to the newest migration, one process at a time."""
    shared.migrate(writer, SCHEMA)
