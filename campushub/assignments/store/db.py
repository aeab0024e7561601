"""Engines for the assignments database and its migration at open.

SQLite (the default, a file in the data dir): WAL so pages read while a
submission is written, synchronous=FULL so a committed submission survives a
power cut, a busy timeout instead of "database is locked", and writing
transactions that BEGIN IMMEDIATE so two writers queue up front rather than
fail half-way. PostgreSQL when `assignments.db_url` is set.

`upgrade head` runs at every open, under a lock (a file lock beside the
SQLite file; an advisory lock on PostgreSQL), so two processes starting at
once neither race nor both create the tables.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_S = 30
# pg_advisory_lock key: any constant shared by every process of the service.
PG_LOCK = 0x63687562  # "chub"
DB_FILE = "assignments.sqlite"


def default_url(data_dir: str | Path) -> str:
    """sqlite URL of {data_dir}/assignments/assignments.sqlite; creates the folder 0700."""
    folder = Path(data_dir) / "assignments"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # learners' submissions: only the service reads them
    return f"sqlite:///{folder / DB_FILE}"


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


def alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(writer: Engine) -> None:
    """Bring the schema to the newest migration, one process at a time."""
    with _lock(writer):
        with writer.begin() as connection:
            command.upgrade(alembic_config(connection), "head")


@contextmanager
def _lock(engine: Engine):
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_LOCK})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK})
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
