"""A copy that failed half-way is no backup.

backups.backup made the copy's file first (O_EXCL) and then filled it; when
the copy failed (a full disk, a database that cannot be read) the empty or
partial file stayed under a backup's name: an operator restoring "the copy
from before the migration" got nothing, and it counted among the copies kept,
so pruning removed a good one in its favour."""

from __future__ import annotations

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
