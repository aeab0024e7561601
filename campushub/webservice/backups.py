"""A copy of a SQLite database before its schema is migrated, and how many are kept.

JupyterHub copies its own SQLite file before it upgrades it
(c.JupyterHub.upgrade_db, jupyterhub.dbutil.upgrade_if_needed) to
FILE.YYYY-MM-DD-HHMMSS beside it; our services' databases get the same
(webservice/db.py) under the same names, so one pruning rule (prune_beside)
keeps KEEP copies of either. The copy is made with SQLite's online backup API, so it
is consistent even with a write-ahead log beside the file. PostgreSQL is
never copied here: docs/operations.md says to run pg_dump first.
"""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import datetime
from pathlib import Path

KEEP = 5
# JupyterHub's suffix, and the one its backup_db_file uses when that name is taken (".TIMESTAMP.N")
_SUFFIX = re.compile(r"^\.{1,2}\d{4}-\d{2}-\d{2}-\d{6}(\.\d+)?$")


def backup(path: str | Path) -> Path:
    """Copy the SQLite database at `path` to PATH.YYYY-MM-DD-HHMMSS (0600); the copy's path."""
    path = Path(path)
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
    target = path.with_name(f"{path.name}.{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{stamp}.{n}")
        n += 1
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
    except BaseException:
        # an empty or partial copy under a backup's name would be taken for one, and kept by pruning
        target.unlink(missing_ok=True)
        raise
    prune_beside(path)
    return target


def copies(path: str | Path) -> list[Path]:
    """The backups of `path` beside it, oldest first."""
    path = Path(path)
    found = [p for p in path.parent.glob(f"{path.name}.*") if _SUFFIX.match(p.name[len(path.name):])]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def prune_beside(path: str | Path, keep: int = KEEP) -> list[Path]:
    """Remove all but `keep` backups of `path`; the ones removed.

    Kept: the newest copy, the first copy taken at each of the newest
    revisions, then the newest others. Not simply the newest: JupyterHub's
    SQLite migrations are not one transaction, so one that fails half-way
    leaves the database half migrated at its old revision, and each start
    after it (systemd restarts `up`) copies that again; by age alone the
    copies of the half-migrated file would push out the one from before."""
    try:
        found = copies(path)
        revisions = {p: _revision(p) for p in found}
    except OSError:
        return []
    if not found:
        return []  # no copy yet: every start of a site that never migrated
    if keep <= 0:
        chosen: list[Path] = []
    else:
        firsts: dict = {}
        for p in found:
            firsts.setdefault(revisions[p] or p, p)  # unreadable: a revision of its own
        chosen = [found[-1], *reversed(firsts.values())]
        chosen += [p for p in reversed(found) if p not in chosen]
        chosen = list(dict.fromkeys(chosen))[:keep]
    old = [p for p in found if p not in chosen]
    for p in old:
        p.unlink(missing_ok=True)
    return old


def _revision(copy: Path) -> tuple[str, ...] | None:
    """The schema revision recorded in a copy (JupyterHub's alembic_version, or a
    service's own version table), or None if it cannot be read."""
    try:
        db = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    found: list[str] = []
    try:
        tables = [row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%version%' ORDER BY name")]
        for table in tables:
            try:  # only Alembic's tables have version_num
                found += [f"{table}:{row[0]}" for row in db.execute(f'SELECT version_num FROM "{table}" ORDER BY 1')]
            except sqlite3.Error:
                continue
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return tuple(found) or None
