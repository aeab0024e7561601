"""The unix group of a project: `chp-<hash of root and name>` (names.py), in a gid range of our own.

A group counts as a project's only when its gid is in GID_MIN..GID_MAX,
which groupadd is told to allocate from. useradd gives personal groups gids
from login.defs' range (1000-59999 on Debian), so a person's own group can
never pass for a project's, even one named `chp-...` (a hub user "chp-x"
with an empty user_prefix): giving it would open that person's files.

Nobody is listed as a member in /etc/group, which every account reads: the
launch gives a server its project gids itself (at_start.py), so the groups
tell nobody who works on what. The name is a hash, so /etc/group does not
name projects either: a name can be checked by guessing it, as stat() on
<projects.root>/<name> can anyway.

A gid is never given out twice. Files and ACLs hold gids, not names: a
deleted project's gid handed to the next project would open to its members
whatever of the old project is left (a kept folder, a copy elsewhere). So
deleting a project renames its group to a tombstone `chp-deleted_<gid>`
(the underscore is in no project's group name) that keeps the gid, with no
members, and groupadd never allocates it again.

A group under an earlier name of the project (names.earlier_names) is this
site's only when its gid owns the project's folder in this site's root: every
site computed those names alike, and another site's group of the same name
owns a folder in its own root, never here.

/etc/group is locked by useradd, groupadd, groupmod and gpasswd alike, and
each fails instead of waiting for the lock: callers hold the spawner's
accounts lock, and _run tries again while another process holds it.
"""

from __future__ import annotations

import grp
import os
import re
import stat
import subprocess
import time

from ..spawner.unix_users import MAX_LEN, tool
from .names import PREFIX, RETIRED, earlier_names, group_name, legacy_name, site_root  # noqa: F401 (named through here)

# Between Debian's reserved 60000-64999 and the 100000+ of subuid/subgid
# ranges; systemd leaves 65536-524287 unused.
GID_MIN, GID_MAX = 70000, 79999
_HASHED = re.compile(f"{PREFIX}[0-9a-f]{{{MAX_LEN - len(PREFIX)}}}")
LOCK_RETRY_SECONDS = 10.0


class NotOurs(RuntimeError):
    """A group with a project group's name that CampusHub did not make."""


def is_ours(entry: grp.struct_group) -> bool:
    return entry.gr_name.startswith(PREFIX) and GID_MIN <= entry.gr_gid <= GID_MAX


def is_current(entry: grp.struct_group) -> bool:
    """A live project's group (hashed name); not a tombstone, not an old-style name."""
    return is_ours(entry) and _HASHED.fullmatch(entry.gr_name) is not None


def _run(*args: str) -> subprocess.CompletedProcess:
    """A shadow tool, tried again while another process holds the lock on /etc/group."""
    deadline = time.monotonic() + LOCK_RETRY_SECONDS
    while True:
        result = subprocess.run(args, capture_output=True, text=True)
        if "lock" not in result.stderr or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def _lookup(name: str) -> grp.struct_group | None:
    try:
        return grp.getgrnam(name)
    except KeyError:
        return None


def rename(entry: grp.struct_group, new: str) -> None:
    result = _run(tool("groupmod"), "--new-name", new, entry.gr_name)  # the gid stays
    if result.returncode != 0:
        raise RuntimeError(f"groupmod --new-name {new} {entry.gr_name} failed: {result.stderr.strip()}")


def _folder_gid(root: str, project: str) -> int | None:
    try:
        info = os.lstat(os.path.join(root, project))  # a checked name: no way out of the root
    except FileNotFoundError:
        return None
    return info.st_gid if stat.S_ISDIR(info.st_mode) else None


def earlier(project: str, root: str) -> grp.struct_group | None:
    """This site's group of the project under an earlier name: one of ours whose gid owns the project's
    folder in this root (see above); None when there is none."""
    gid = _folder_gid(root, project)
    for name in earlier_names(project, root) if gid is not None else ():
        entry = _lookup(name)
        if entry is not None and is_ours(entry) and entry.gr_gid == gid:
            return entry
    return None


def ensure_group(project: str, root: str) -> grp.struct_group:
    """The project's group on this root (site_root()), made if missing; NotOurs if that name is taken
    by a group of another kind."""
    name = group_name(project, root)
    entry = _lookup(name)
    if entry is None:
        old = earlier(project, root)
        if old is not None:
            rename(old, name)  # its folder and files keep their gid
        else:
            result = _run(tool("groupadd"), "-K", f"GID_MIN={GID_MIN}", "-K", f"GID_MAX={GID_MAX}", name)
            if result.returncode not in (0, 9):  # 9: made meanwhile
                raise RuntimeError(f"groupadd {name} failed: {result.stderr.strip()}")
        entry = grp.getgrnam(name)
    if not is_ours(entry):
        raise NotOurs(f"the unix group {name} (gid {entry.gr_gid}) exists and is not a CampusHub project "
                      f"group (gids {GID_MIN}-{GID_MAX}); rename that group or the project")
    return entry


def clear_members(entry: grp.struct_group) -> list[str]:
    """Take every account out of one of our groups (launches give the gids); the accounts taken out."""
    for account in entry.gr_mem:
        result = _run(tool("gpasswd"), "--delete", account, entry.gr_name)
        if result.returncode not in (0, 3):  # 3: not a member (any more)
            raise RuntimeError(f"gpasswd --delete {account} {entry.gr_name} failed: {result.stderr.strip()}")
    return list(entry.gr_mem)


def retire(entry: grp.struct_group) -> int:
    """Rename one of our groups to its tombstone, memberless, keeping its gid allocated."""
    clear_members(entry)
    if entry.gr_name != RETIRED + str(entry.gr_gid):
        rename(entry, RETIRED + str(entry.gr_gid))
    return entry.gr_gid


def _group(project: str, root: str) -> grp.struct_group | None:
    entry = _lookup(group_name(project, root))
    return entry if entry is not None and is_ours(entry) else earlier(project, root)


def current_gid(project: str, root: str) -> int | None:
    """The gid of the project's group on this root (or of its earlier name, until the migration renames
    it); None when it has none yet (made at a member's first start)."""
    entry = _group(project, root)
    return entry.gr_gid if entry is not None else None


def remove_group(project: str, root: str) -> bool:
    """A deleted project's group becomes a tombstone (see above); False if there was none of ours.
    Whatever of the project is left (a kept folder) keeps the gid nobody will get again. A group still
    under an earlier name is found only while its folder is there (see above): called after the folder
    is removed, it keeps that name, and its gid stays allocated all the same."""
    entry = _group(project, root)
    if entry is None:
        return False
    retire(entry)
    return True


def keep_gid(gid: int) -> bool:
    """A tombstone for a gid of ours that no group holds (a folder kept by an older deletion's groupdel);
    False if the gid is held already."""
    try:
        grp.getgrgid(gid)
        return False
    except KeyError:
        pass
    result = _run(tool("groupadd"), "--gid", str(gid), RETIRED + str(gid))
    if result.returncode not in (0, 4, 9):  # 4: gid taken meanwhile, 9: name taken meanwhile
        raise RuntimeError(f"groupadd --gid {gid} failed: {result.stderr.strip()}")
    return True
