"""Bringing an older site's project groups to the current rules, once per hub process, at the first
server start (under the accounts lock):

- members listed in /etc/group (every account could read who works on what) are taken out; each
  membership is recorded as a folder that account held (held.py), so their next start hands their
  files in a folder they have left to root (leaving.py);
- groups named after their project (chp-<name>) are renamed to the hashed name, keeping the gid;
  one whose project the hub no longer has becomes a tombstone;
- a folder in the root whose gid no group holds (kept by a deletion that ran groupdel) gets a
  tombstone group with that gid, so groupadd never gives it to another project.
"""

from __future__ import annotations

import grp
import os
import threading

from . import groups, held

_done = threading.Event()


def _folder_gids(root_fd: int) -> dict[int, str]:
    found = {}
    for name in os.listdir(root_fd):
        if name.startswith("."):
            continue
        try:
            info = os.stat(name, dir_fd=root_fd, follow_symlinks=False)
        except FileNotFoundError:
            continue
        if groups.GID_MIN <= info.st_gid <= groups.GID_MAX:
            found[info.st_gid] = name
    return found


def _record(root_fd: int, account: str, folder: str | None, gid: int) -> None:
    if folder is not None:
        held.write(root_fd, account, {**held.read(root_fd, account), folder: gid})


def done() -> bool:
    return _done.is_set()


def migrate(root_fd: int, projects: list[str] | None, log) -> None:
    """Caller holds the accounts lock; projects: every project the hub has (None: not known, so
    old-style group names are left for a start that knows them)."""
    if _done.is_set():
        return
    folders = _folder_gids(root_fd)
    legacy = {groups.legacy_name(p): p for p in projects or ()}
    for entry in grp.getgrall():
        if not groups.is_ours(entry):
            continue
        for account in groups.clear_members(entry):
            _record(root_fd, account, folders.get(entry.gr_gid), entry.gr_gid)
        if projects is None or groups.is_current(entry) or entry.gr_name.startswith(groups.RETIRED):
            continue
        if entry.gr_name in legacy:
            groups.ensure_group(legacy[entry.gr_name])
            log.info("Project group %s renamed to %s (gid %d kept)", entry.gr_name,
                     groups.group_name(legacy[entry.gr_name]), entry.gr_gid)
        else:
            groups.retire(entry)
            log.info("Project group %s of no project retired (gid %d kept)", entry.gr_name, entry.gr_gid)
    for gid, name in folders.items():
        if groups.keep_gid(gid):
            log.warning("Project folder %s has gid %d, which no group held: kept by a tombstone group", name, gid)
    if projects is not None:
        _done.set()
