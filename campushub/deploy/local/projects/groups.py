"""The unix group of a project: `chp-<name>`, in a gid range of our own.

A group counts as a project's only when its gid is in GID_MIN..GID_MAX,
which groupadd is told to allocate from. useradd gives personal groups gids
from login.defs' range (1000-59999 on Debian), so a person's own group can
never pass for a project's, even one named `chp-...` (a hub user "chp-x"
with an empty user_prefix): joining it would open that person's files.

/etc/group is locked by useradd, groupadd and gpasswd alike, and each fails
instead of waiting for the lock: callers hold the spawner's accounts lock.
"""

from __future__ import annotations

import grp
import hashlib
import shutil
import subprocess
import time

from ..spawner.unix_users import MAX_LEN

PREFIX = "chp-"
# Between Debian's reserved 60000-64999 and the 100000+ of subuid/subgid
# ranges; systemd leaves 65536-524287 unused.
GID_MIN, GID_MAX = 70000, 79999
_KEEP = MAX_LEN - len(PREFIX) - 4  # names of up to 24 characters stay as they are (groups of up to 28)
LOCK_RETRY_SECONDS = 10.0


def _tool(name: str) -> str:
    # a hub started from a minimal environment may lack /usr/sbin on PATH
    return shutil.which(name) or f"/usr/sbin/{name}"


class NotOurs(RuntimeError):
    """A group with a project group's name that CampusHub did not make."""


def group_name(project: str) -> str:
    """chp-<name>; a longer name becomes chp-<start>-<64-bit hash>, always exactly
    32 characters, which no name kept whole (28 at most) can spell."""
    if len(project) <= _KEEP:
        return PREFIX + project
    digest = hashlib.sha256(project.encode()).hexdigest()[:16]
    return f"{PREFIX}{project[: MAX_LEN - len(PREFIX) - 17]}-{digest}"


def is_ours(entry: grp.struct_group) -> bool:
    return entry.gr_name.startswith(PREFIX) and GID_MIN <= entry.gr_gid <= GID_MAX


def _run(*args: str) -> subprocess.CompletedProcess:
    """A shadow tool, tried again while another process holds the lock on /etc/group."""
    deadline = time.monotonic() + LOCK_RETRY_SECONDS
    while True:
        result = subprocess.run(args, capture_output=True, text=True)
        if "lock" not in result.stderr or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def ensure_group(project: str) -> grp.struct_group:
    """The project's group, made if missing; NotOurs if that name is taken by a group of another kind."""
    name = group_name(project)
    try:
        entry = grp.getgrnam(name)
    except KeyError:
        entry = None
    if entry is None:
        result = _run(_tool("groupadd"), "-K", f"GID_MIN={GID_MIN}", "-K", f"GID_MAX={GID_MAX}", name)
        if result.returncode not in (0, 9):  # 9: made meanwhile
            raise RuntimeError(f"groupadd {name} failed: {result.stderr.strip()}")
        entry = grp.getgrnam(name)
    if not is_ours(entry):
        raise NotOurs(f"the unix group {name} (gid {entry.gr_gid}) exists and is not a CampusHub project "
                      f"group (gids {GID_MIN}-{GID_MAX}); rename that group or the project")
    return entry


def memberships(account: str) -> set[str]:
    """The project groups `account` is listed in."""
    return {g.gr_name for g in grp.getgrall() if is_ours(g) and account in g.gr_mem}


def set_memberships(account: str, wanted: set[str]) -> tuple[list[str], list[str]]:
    """Make `account` a member of exactly the project groups `wanted` (other groups untouched);
    the groups joined and left."""
    current = memberships(account)
    joined, left = sorted(wanted - current), sorted(current - wanted)
    for name in joined:
        result = _run(_tool("gpasswd"), "--add", account, name)
        if result.returncode != 0:
            raise RuntimeError(f"gpasswd --add {account} {name} failed: {result.stderr.strip()}")
    for name in left:
        result = _run(_tool("gpasswd"), "--delete", account, name)
        if result.returncode not in (0, 3):  # 3: not a member (any more)
            raise RuntimeError(f"gpasswd --delete {account} {name} failed: {result.stderr.strip()}")
    return joined, left


def remove_group(project: str) -> bool:
    """Delete the project's group (its folder is archived and gone first); False if there was none of ours."""
    try:
        entry = grp.getgrnam(group_name(project))
    except KeyError:
        return False
    if not is_ours(entry):
        return False
    result = _run(_tool("groupdel"), entry.gr_name)
    if result.returncode not in (0, 6):  # 6: gone meanwhile
        raise RuntimeError(f"groupdel {entry.gr_name} failed: {result.stderr.strip()}")
    return True
