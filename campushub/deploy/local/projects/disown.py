"""Hand to root the files one account owns in one project folder and take him out of everything else in
it (leaving.py runs this file's source as root, `python -I -c`, standard library only).

A person who left a project keeps whatever they own: a hard link to their own project file in their
home (protected_hardlinks allows linking one's own files) goes on reading and writing the project's
copy, which the other members keep using. So their files become root's, and the rest of what an
owner could have set to keep a way in goes too: the group goes back to the project's (a file chgrp'ed
to their own group), the ACL back to the project's standard (a named entry for themselves), the bits
for others and setuid/setgid are dropped. The standard is the project folder's own default ACL (set by
folders.py with setfacl), copied as it is through the kernel's xattr: files get it as their access ACL
and then their mode (0660, or 0770 when executable, which sets the ACL's mask as a new file's
creation does); folders get it as access and default ACL, mode 2770.

Everything else in the folder is the other members', and a leaver may still reach it: while a member he
could make a folder whose default ACL names himself or gives others rw (or is in his own group, setgid),
so what another member made in it inherited that, and hard-link it into his home (he had rw). So on
every other entry, his entries (his uid, his own groups) go from the access and default ACL, others get
nothing (the project's policy, o::---), and a group of his as the owning group becomes the project's;
the owner, the other entries and the group's permissions stay as they are. The ACLs are edited as the
kernel stores them (linux/posix_acl_xattr.h: a version, then tag/perm/id entries): stdlib only.

Never follows a link: every entry is opened relative to its folder's fd with O_NOFOLLOW, as an
O_PATH fd, and changed through /proc/self/fd (that very inode, whatever happens to its name).
Iterative, holding an fd only for folders with entries still to visit (a chain of folders thousands
deep costs one), within a time budget; never crosses into another file system.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import struct
import sys
import time

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_PATH = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC


_ACCESS, _DEFAULT = "system.posix_acl_access", "system.posix_acl_default"
_HEAD, _ENTRY = struct.Struct("<I"), struct.Struct("<HHI")  # linux/posix_acl_xattr.h, version 2
_USER, _GROUP_OBJ, _GROUP, _MASK, _OTHER = 0x02, 0x04, 0x08, 0x10, 0x20  # linux/posix_acl.h


def _without(acl: bytes, uid: int, gids: frozenset) -> bytes:
    """acl less the entries naming uid or one of gids, others given nothing. An ACL left with no named
    entry by that loses its mask too, the owning group keeping what the mask allowed it (else the kernel would
    turn the mask into the group's bits: more than it had)."""
    entries = [list(_ENTRY.unpack_from(acl, at)) for at in range(_HEAD.size, len(acl), _ENTRY.size)]
    kept = [e for e in entries if not (e[0] == _USER and e[2] == uid or e[0] == _GROUP and e[2] in gids)]
    for entry in kept:
        entry[1] = 0 if entry[0] == _OTHER else entry[1]
    if len(kept) < len(entries) and not any(e[0] in (_USER, _GROUP) for e in kept):
        mask = next((e[1] for e in kept if e[0] == _MASK), 7)
        kept = [[t, p & mask if t == _GROUP_OBJ else p, i] for t, p, i in kept if t != _MASK]
    return acl[:_HEAD.size] + b"".join(_ENTRY.pack(*e) for e in kept)


def _strip(proc: str, info: os.stat_result, leaver: tuple) -> bool:
    """Take the leaver (uid, his gids, the project's gid) out of another's entry; True if it changed."""
    uid, gids, project_gid = leaver
    changed = False
    if info.st_gid in gids:  # a folder of his in his own group, setgid: its members' files got it
        os.chown(proc, -1, project_gid)  # the owner, ACL and permissions stay (a file's setuid goes)
        changed = True
    for name in (_ACCESS, _DEFAULT) if stat.S_ISDIR(info.st_mode) else (_ACCESS,):
        try:
            acl = os.getxattr(proc, name)
        except OSError as e:
            if e.errno != errno.ENODATA:
                raise
            mode = os.stat(proc).st_mode  # now: a chown above may have dropped setuid
            if name == _ACCESS and mode & 0o007:  # no ACL: the mode's bits are the whole of it
                os.chmod(proc, stat.S_IMODE(mode) & ~0o007)
                changed = True
            continue
        new = _without(acl, uid, gids)
        if new != acl:
            os.setxattr(proc, name, new)  # the kernel sets the mode's bits from the access ACL
            changed = True
    return changed


def _reset(proc: str, mode: int, gid: int, acl: bytes) -> None:
    os.chown(proc, 0, gid)  # first: once root's, they can no longer change it meanwhile
    if stat.S_ISDIR(mode):
        os.setxattr(proc, _ACCESS, acl)
        os.setxattr(proc, _DEFAULT, acl)
        os.chmod(proc, 0o2770)  # a folder's setgid is the project's
    elif stat.S_ISREG(mode):
        os.setxattr(proc, _ACCESS, acl)
        os.chmod(proc, 0o770 if mode & stat.S_IXUSR else 0o660)  # its owner made it executable
    else:  # a fifo or socket: no ACL of its own to matter
        os.chmod(proc, stat.S_IMODE(mode) & 0o660)


def _visit(parent: int, name: str, leaver: tuple, project: tuple, done: list) -> int | None:
    """Disown one entry if it is the leaver's, else take him out of it; a dir fd to descend into, or None.
    leaver: (uid, his gids, project gid); project: (dev, gid, acl)."""
    try:
        fd = os.open(name, _PATH, dir_fd=parent)
    except OSError:
        return None  # gone meanwhile
    try:
        info = os.fstat(fd)
        if stat.S_ISLNK(info.st_mode) or info.st_dev != project[0]:
            return None
        proc = f"/proc/self/fd/{fd}"
        if info.st_uid == leaver[0]:
            _reset(proc, info.st_mode, project[1], project[2])
            done[0] += 1
        elif _strip(proc, info, leaver):
            done[0] += 1
        return os.open(proc, _DIR) if stat.S_ISDIR(info.st_mode) else None
    finally:
        os.close(fd)


def disown(folder: str, uid: int, seconds: float, gids: tuple = ()) -> dict:
    """gids: the leaver's own groups (primary and supplementary)."""
    deadline = time.monotonic() + seconds
    top = os.open(folder, _DIR)
    info, done = os.fstat(top), [0]
    try:
        project = (info.st_dev, info.st_gid, os.getxattr(top, _DEFAULT))
    except OSError as e:
        os.close(top)
        return {"changed": 0, "complete": False, "reason": f"the folder has no default ACL to reset to ({e})"}
    leaver = (uid, frozenset(gids) - {info.st_gid}, info.st_gid)
    stack = [(top, os.listdir(top))]
    try:
        while stack:
            if time.monotonic() > deadline:
                return {"changed": done[0], "complete": False, "reason": "time budget spent"}
            fd, names = stack[-1]
            if not names:
                os.close(fd)
                stack.pop()
                continue
            sub = _visit(fd, names.pop(), leaver, project, done)
            if not names:  # nothing more to visit here: no fd held for it below
                os.close(fd)
                stack.pop()
            if sub is not None:
                stack.append((sub, os.listdir(sub)))
    except OSError as e:  # EMFILE, a folder unreadable
        return {"changed": done[0], "complete": False, "reason": str(e)}
    finally:
        for fd, _ in stack:
            os.close(fd)
    return {"changed": done[0], "complete": True, "reason": ""}


if __name__ == "__main__":  # folder, uid, seconds, gids (comma-separated)
    print(json.dumps(disown(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]),
                            tuple(int(g) for g in sys.argv[4].split(",") if g))))
