"""Engines for a hub service's database and its migration at open.

SQLite (the default, a file in the service's folder): WAL so pages read
while a batch is written, synchronous=FULL so a commit survives a power cut,
a busy timeout instead of "database is locked", and writing transactions
that BEGIN IMMEDIATE so two writers queue up front rather than fail half-way.
PostgreSQL (psycopg 3) when the service's db_url is set.

`upgrade head` runs at every open, under a lock (a file lock beside the
SQLite file; a PostgreSQL advisory lock with the service's own key), so two
processes starting at once neither race nor both create the tables. Each
service keeps its revisions in a version table of its own, so two services
pointed at one PostgreSQL database do not take each other's "0001" for theirs.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from . import backups

BUSY_TIMEOUT_S = 30


@dataclass(frozen=True)
class Schema:
    """A service's migrations: their folder (an Alembic script location with
    an env.py calling run_migrations), the pg_advisory_lock key its processes
    share, and the table Alembic records the revision in."""

    migrations: Path
    lock_key: int
    version_table: str = "alembic_version"


class Database:
    """A service's (reader, writer) engines, the schema migrated at open; a
    service's Store builds on this and adds its transactions and queries."""

    def __init__(self, url: str, schema: Schema):
        """Open (and migrate to the newest schema, under a lock) the database
        at the SQLAlchemy ``url``: ``sqlite:////path/file.sqlite`` or
        ``postgresql://...`` (psycopg 3)."""
        self._reader, self._writer = engines(url)
        migrate(self._writer, schema)

    @property
    def dialect(self) -> str:
        return self._writer.dialect.name

    def close(self) -> None:
        """Release the connection pools."""
        self._reader.dispose()
        self._writer.dispose()


def sqlite_url(folder: str | Path, name: str) -> str:
    return f"sqlite:///{Path(folder) / f'{name}.sqlite'}"


def default_url(data_dir: str | Path, service: str) -> str:
    """sqlite URL of {data_dir}/{service}/{service}.sqlite; creates the folder 0700."""
    folder = Path(data_dir) / service
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # learners' data: only the service reads it
    return sqlite_url(folder, service)


def normalise(url: str) -> str:
    """A plain postgresql:// URL means psycopg 3, the driver campushub depends on."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def engines(url: str) -> tuple[Engine, Engine]:
    """(reader, writer) engines; the same one except for SQLite."""
    url = normalise(url)
    if not url.startswith("sqlite"):
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
        return engine, engine
    path = make_url(url).database
    if path and path != ":memory:" and not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    return _sqlite(url, "BEGIN"), _sqlite(url, "BEGIN IMMEDIATE")


def _sqlite(url: str, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
                           pool_size=10, max_overflow=20)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        # pysqlite's own transaction handling is off; we emit BEGIN ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", f"busy_timeout={BUSY_TIMEOUT_S * 1000}",
                       "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql(begin)

    return engine


def alembic_config(schema: Schema, connection=None) -> Config:
    """No alembic.ini: the script location and the open connection travel in the Config."""
    config = Config()
    config.set_main_option("script_location", str(schema.migrations))
    config.attributes["connection"] = connection
    config.attributes["version_table"] = schema.version_table
    return config


def migrate(writer: Engine, schema: Schema) -> None:
    """Bring the schema to the newest migration, one process at a time; a
    SQLite file is copied first when a migration is due (backups.py)."""
    with _lock(writer, schema.lock_key):
        if writer.dialect.name == "sqlite" and _behind(writer, schema):
            backups.backup(writer.url.database)
        with writer.begin() as connection:
            command.upgrade(alembic_config(schema, connection), "head")


def _behind(writer: Engine, schema: Schema) -> bool:
    """True if the database has tables at an older revision (a new, empty one has nothing to lose)."""
    with writer.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": schema.version_table})
        current = set(context.get_current_heads())
    return bool(current) and current != set(ScriptDirectory.from_config(alembic_config(schema)).get_heads())


def run_migrations(metadata: MetaData) -> None:
    """The body of a service's migrations/env.py: run inside migrate(), on its connection."""
    from alembic import context

    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run through campushub.webservice.db.migrate (it passes a connection)")
    context.configure(connection=connection, target_metadata=metadata, compare_type=True,
                      version_table=config.attributes.get("version_table", "alembic_version"),
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


@contextmanager
def _lock(engine: Engine, key: int):
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
        return
    path = engine.url.database
    if not path or path == ":memory:":
        yield
        return
    fd = os.open(f"{path}.migrate-lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def utc(value: datetime | None) -> datetime | None:
    """Aware UTC; naive means UTC already (SQLite keeps no time zone, so every
    stored time is UTC and is made aware again on the way out)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
