"""Where the analytics database lives and how it migrates; the engines and
migrate-at-open are campushub.webservice.db, shared with assignments."""

from __future__ import annotations

from pathlib import Path

from ...webservice import db as shared

SERVICE = "analytics"
# pg_advisory_lock key of the analytics processes: not the assignments one, so
# two services sharing one PostgreSQL server do not wait on each other's migration.
SCHEMA = shared.Schema(Path(__file__).with_name("migrations"), lock_key=0x63686161,  # "chaa"
                       version_table="analytics_alembic_version")


def default_url(data_dir: str | Path) -> str:
    """sqlite URL of {data_dir}/analytics/analytics.sqlite; creates the folder 0700."""
    return shared.default_url(data_dir, SERVICE)
