"""A copy that failed half-way is no backup.

backups.backup made the copy's file first (O_EXCL) and then filled it; when
the copy failed (a full disk, a database that cannot be read) the empty or
partial file stayed under a backup's name: an operator restoring "the copy
from before the migration" got nothing, and it counted among the copies kept,
so pruning removed a good one in its favour."""

from __future__ import annotations

import os
import sqlite3

import pytest

from campushub.webservice import backups


def test_a_copy_that_fails_leaves_no_file_named_as_a_backup(tmp_path):
    path = tmp_path / "assignments.sqlite"
    path.write_bytes(b"not a database, or one the disk could not hold a copy of" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        backups.backup(path)
    assert backups.copies(path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assignments.sqlite"]


def _copy(path, stamp: str, revision: str, note: str, when: float):
    copy = path.with_name(f"{path.name}.{stamp}")
    with sqlite3.connect(copy) as c:
        c.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        c.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
        c.execute("CREATE TABLE notes (text TEXT)")
        c.execute("INSERT INTO notes VALUES (?)", (note,))
    c.close()
    os.utime(copy, (when, when))
    return copy


def test_the_copy_from_before_a_failed_migration_outlives_the_retries(tmp_path):
    """JupyterHub's SQLite migrations are not one transaction: one failing half-way leaves the hub's
    database half migrated at the old revision, and every new start (systemd restarts `up` every
    5 s) copies that again. Pruning by age then kept only half-migrated copies and removed the
    one taken before the migration was first tried."""
    path = tmp_path / "jupyterhub.sqlite"
    path.write_bytes(b"")
    older = _copy(path, "2026-06-01-120000", "0eee8c825d24", "a release before", 1_780_000_000)
    pristine = _copy(path, "2026-12-01-090000", "4621fec11365", "before the migration", 1_796_000_000)
    retries = [_copy(path, f"2026-12-01-0900{n:02d}", "4621fec11365", "half migrated", 1_796_000_000 + 5 * n)
               for n in range(1, 8)]
    backups.prune_beside(path)
    kept = backups.copies(path)
    assert pristine in kept and older in kept
    assert retries[-1] in kept  # the newest copy is kept as well
    assert len(kept) == backups.KEEP
