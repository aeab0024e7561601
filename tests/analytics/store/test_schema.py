"""The migrations build exactly the models' schema on SQLite and PostgreSQL,
in a version table of the service's own, so analytics and assignments can
share one PostgreSQL database."""

from __future__ import annotations

import os
import stat

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from campushub.analytics.store import Store, default_url
from campushub.analytics.store.db import SCHEMA
from campushub.analytics.store.models import Base
from campushub.webservice import db


def test_migrations_equal_models(store_url):
    Store(store_url).close()
    engine = create_engine(db.normalise(store_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": SCHEMA.version_table})
        assert compare_metadata(context, Base.metadata) == []
        assert connection.execute(text("SELECT version_num FROM analytics_alembic_version")).scalars().all() == [
            "0001"]
    engine.dispose()


def test_shares_a_database_with_assignments(store_url):
    """Both services on one database: each migrates its own tables and records its own revision."""
    from campushub.assignments.store import Store as Assignments

    Assignments(store_url).close()
    Store(store_url).close()
    Store(store_url).close()  # opening again finds its revision and changes nothing
    engine = create_engine(db.normalise(store_url))
    tables = set(inspect(engine).get_table_names())
    assert {"alembic_version", "analytics_alembic_version", "assignments", "executions"} <= tables
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM analytics_alembic_version")).scalar() == 1
    engine.dispose()


def test_default_database_is_in_the_service_folder(tmp_path):
    """The file's modes and pragmas: tests/webservice/test_db.py."""
    assert default_url(tmp_path) == f"sqlite:///{tmp_path / 'analytics' / 'analytics.sqlite'}"
    assert stat.S_IMODE(os.stat(tmp_path / "analytics").st_mode) == 0o700
