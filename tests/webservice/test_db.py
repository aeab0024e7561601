"""campushub.webservice.db, what every hub service's database gets: a
private SQLite file that survives a power cut and waits instead of failing
when busy, times that come back as aware UTC, and a schema version table of
the service's own."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, inspect

from campushub.webservice import db

MIGRATIONS = Path(__file__).resolve().parents[2] / "campushub" / "analytics" / "store" / "migrations"


def test_default_sqlite_file_is_private_and_durable(tmp_path):
    url = db.default_url(tmp_path / "data", "svc")
    folder = tmp_path / "data" / "svc"
    assert url == f"sqlite:///{folder / 'svc.sqlite'}"
    database = db.Database(url, db.Schema(MIGRATIONS, lock_key=1, version_table="svc_version"))
    assert database.dialect == "sqlite"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / "svc.sqlite").st_mode) == 0o600
    with database._writer.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert "svc_version" in inspect(database._writer).get_table_names()
    database.close()


def test_writers_take_the_write_lock_at_begin(tmp_path):
    """A writer holds SQLite's write lock from BEGIN, before its first
    statement: a second writer waits up front (busy timeout) instead of
    failing half-way through. Readers still read (WAL)."""
    reader, writer = db.engines(db.sqlite_url(tmp_path, "t"))
    Table("t", MetaData(), Column("n", Integer)).create(writer)
    other = sqlite3.connect(tmp_path / "t.sqlite", timeout=0, isolation_level=None)
    with writer.begin():
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        with reader.begin() as reading:
            assert reading.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
    other.execute("BEGIN IMMEDIATE")  # free again after commit
    other.execute("ROLLBACK")
    other.close()
    reader.dispose()
    writer.dispose()


def test_postgres_urls_mean_psycopg_3():
    assert db.normalise("postgresql://u:p@h/d") == "postgresql+psycopg://u:p@h/d"
    assert db.normalise("postgres://u:p@h/d") == "postgresql+psycopg://u:p@h/d"
    assert db.normalise("sqlite:////x.sqlite") == "sqlite:////x.sqlite"


def test_utc():
    assert db.utc(None) is None
    assert db.utc(datetime(2026, 12, 1, 3)) == datetime(2026, 12, 1, 3, tzinfo=UTC)
    tokyo = datetime(2026, 12, 1, 12, tzinfo=timezone(timedelta(hours=9)))
    assert db.utc(tokyo) == datetime(2026, 12, 1, 3, tzinfo=UTC) and db.utc(tokyo).tzinfo is UTC
