"""A SQLite database is copied before its schema is migrated, and the copies
are pruned to the newest few (webservice/backups.py): for our services'
databases (webservice/db.py, a real Alembic migration on a real file) and for
the hub's own, which JupyterHub copies itself when c.JupyterHub.upgrade_db
is on (hub/settings.py) under the names our pruning keeps."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from jupyterhub import dbutil, orm
from traitlets.config import Config

from campushub.webservice import backups
from campushub.webservice.db import Database, Schema

REVISION = '''
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down}


def upgrade():
    {body}
'''
ENV = "from campushub.webservice.db import run_migrations\nrun_migrations(None)\n"


def _schema(folder: Path, revisions: int) -> Schema:
    """A service's migrations with `revisions` revisions: a table, then a column added."""
    versions = folder / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (folder / "env.py").write_text(ENV)
    bodies = ['op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.Text))',
              'op.add_column("notes", sa.Column("author", sa.Text))']
    for n in range(revisions):
        down = f'"{n:04d}"' if n else "None"
        (versions / f"{n + 1:04d}_r.py").write_text(REVISION.format(rev=f"{n + 1:04d}", down=down, body=bodies[n]))
    return Schema(migrations=folder, lock_key=424242, version_table="test_version")


def test_a_migration_copies_the_old_database_first(tmp_path):
    db_file = tmp_path / "svc.sqlite"
    url = f"sqlite:///{db_file}"
    Database(url, _schema(tmp_path / "old", 1)).close()
    assert backups.copies(db_file) == []  # a new database: nothing to lose, no copy
    with sqlite3.connect(db_file) as c:
        c.execute("INSERT INTO notes (text) VALUES ('kept')")
    Database(url, _schema(tmp_path / "old", 1)).close()
    assert backups.copies(db_file) == []  # already at the newest revision: no copy

    Database(url, _schema(tmp_path / "new", 2)).close()
    [copy] = backups.copies(db_file)
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    with sqlite3.connect(copy) as c:  # the copy is the database as it was before the migration
        assert c.execute("SELECT version_num FROM test_version").fetchall() == [("0001",)]
        assert [r[1] for r in c.execute("PRAGMA table_info(notes)")] == ["id", "text"]
        assert c.execute("SELECT text FROM notes").fetchall() == [("kept",)]
    with sqlite3.connect(db_file) as c:
        assert [r[1] for r in c.execute("PRAGMA table_info(notes)")] == ["id", "text", "author"]


def test_only_the_newest_copies_are_kept(tmp_path):
    db_file = tmp_path / "jupyterhub.sqlite"
    db_file.write_bytes(b"")
    names = [f"jupyterhub.sqlite.2026-01-0{d}-120000" for d in range(1, 8)] + ["jupyterhub.sqlite..2026-01-08-120000.1"]
    for age, name in enumerate(names):
        (tmp_path / name).write_text(name)
        os.utime(tmp_path / name, (time.time() - 1000 + age, time.time() - 1000 + age))
    others = ["jupyterhub.sqlite-wal", "jupyterhub.sqlite-journal", "jupyterhub.sqlite.notes",
              "other.sqlite.2026-01-01-120000"]
    for name in others:
        (tmp_path / name).write_text("x")
    removed = backups.prune_beside(db_file, keep=3)
    assert sorted(p.name for p in removed) == sorted(names[:5])
    assert sorted(p.name for p in backups.copies(db_file)) == sorted(names[5:])
    assert all((tmp_path / name).exists() for name in others)  # not copies of the database: untouched


def test_pruning_without_any_copy_removes_nothing(tmp_path):
    db_file = tmp_path / "jupyterhub.sqlite"
    db_file.write_bytes(b"")  # a site that never migrated: `up` prunes at every start
    assert backups.prune_beside(db_file) == [] and db_file.exists()


def test_the_hub_database_is_copied_before_jupyterhub_upgrades_it(tmp_path, monkeypatch):
    """JupyterHub's own upgrade (what c.JupyterHub.upgrade_db runs at start) on a hub database one
    revision old: it leaves a copy under a name our pruning counts. It runs the `alembic` command:
    the hub that `up` starts finds it on its PATH (processes.with_own_bin), as this test's does."""
    from campushub.deploy.local.processes import with_own_bin
    from campushub.hub import settings

    monkeypatch.setenv("PATH", with_own_bin("/usr/bin:/bin"))
    c = Config()
    settings._hub(c, {"base_url": "/", "cookie_max_age_days": 14, "concurrent_spawn_limit": 0})
    assert c.JupyterHub.upgrade_db is True and c.JupyterHub.cleanup_servers is False

    db_file = tmp_path / "jupyterhub.sqlite"
    url = f"sqlite:///{db_file}"
    orm.new_session_factory(url)().close()  # a database at JupyterHub's newest revision
    with dbutil._temp_alembic_ini(url) as ini:
        from alembic import command
        from alembic.config import Config as AlembicConfig

        command.downgrade(AlembicConfig(ini), "-1")
    dbutil.upgrade_if_needed(url, log=_Log())
    [copy] = backups.copies(db_file)
    with sqlite3.connect(copy) as old, sqlite3.connect(db_file) as new:
        q = "SELECT version_num FROM alembic_version"
        assert old.execute(q).fetchall() != new.execute(q).fetchall()


class _Log:
    def info(self, *args):
        pass
