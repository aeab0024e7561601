"""Bringing an older site's project groups to the current rules, once per hub process, at the first
server start (under the accounts lock). Only this site's groups: those whose gid owns a folder in its
projects.root, or named for one of its projects on this root (names.py). /etc/group is the machine's,
and another site's groups (on a root of its own) are that site's to bring up to date.

- members listed in /etc/group (every account could read who works on what) are taken out; each
  membership is recorded as a folder that account held (held.py), so their next start hands their
  files in a folder they have left to root (leaving.py);
- groups under an earlier name of their project (chp-<name>, or the hash of the name alone on a root
  other than the default) are renamed to the current name, keeping the gid; an old-style one whose
  project the hub no longer has becomes a tombstone;
- a folder in the root whose gid no group holds (kept by a deletion that ran groupdel) gets a
  tombstone group with that gid, so groupadd never gives it to another project.
"""

from __future__ import annotations

import grp
import os
import threading

from ....config.projects import DEFAULT_ROOT
from . import groups, held, names

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


def migrate(root_fd: int, root: str, projects: list[str] | None, log) -> None:
    """Caller holds the accounts lock; root: the site's root as names.site_root gives it (root_fd's);
    projects: every project the hub has (None: not known, so earlier names are left for a start that
    knows them)."""
    if _done.is_set():
        return
    folders = _folder_gids(root_fd)
    named = {names.group_name(p, root) for p in projects or ()} if root != DEFAULT_ROOT else set()
    earlier = {name: p for p in projects or () for name in names.earlier_names(p, root)}
    for entry in grp.getgrall():
        # at the default root the current name is the one every site had before: not proof enough
        if not groups.is_ours(entry) or (entry.gr_gid not in folders and entry.gr_name not in named):
            continue
        for account in groups.clear_members(entry):
            _record(root_fd, account, folders.get(entry.gr_gid), entry.gr_gid)
        if projects is None or entry.gr_name.startswith(names.RETIRED):
            continue
        if entry.gr_name in earlier:
            project = earlier[entry.gr_name]
            # another folder's gid: not the project's group; the current name taken already: left as it is
            if folders.get(entry.gr_gid) == project and groups.ensure_group(project, root).gr_gid == entry.gr_gid:
                log.info("Project group %s renamed to %s (gid %d kept)", entry.gr_name,
                         names.group_name(project, root), entry.gr_gid)
        elif not groups.is_current(entry):
            groups.retire(entry)
            log.info("Project group %s of no project retired (gid %d kept)", entry.gr_name, entry.gr_gid)
    for gid, name in folders.items():
        if groups.keep_gid(gid):
            log.warning("Project folder %s has gid %d, which no group held: kept by a tombstone group", name, gid)
    if projects is not None:
        _done.set()
