"""The migrations build exactly the models' schema, on SQLite and
PostgreSQL, and migrating is safe when several processes open at once."""

from __future__ import annotations

import multiprocessing
import os
import stat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from campushub.assignments.store import Store, db
from campushub.assignments.store.models import Base


def test_migrations_equal_models(store_url):
    Store(store_url).close()
    engine = create_engine(db.normalise(store_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0001"]
    engine.dispose()


def _open(url, barrier):
    barrier.wait()
    Store(url).close()


@pytest.mark.stack  # three fresh interpreters: too slow for the fast tier
def test_two_processes_migrate_at_once(store_url):
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(3)
    procs = [ctx.Process(target=_open, args=(store_url, barrier)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    engine = create_engine(db.normalise(store_url))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


def test_sqlite_default_file_is_private_and_durable(tmp_path):
    url = db.default_url(tmp_path / "data")
    folder = tmp_path / "data" / "assignments"
    assert url == f"sqlite:///{folder / 'assignments.sqlite'}"
    store = Store(url)  # its engines' pragmas: tests/webservice/test_db.py
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / "assignments.sqlite").st_mode) == 0o600
    store.close()
