"""Hand to root the files one account owns in one project folder (leaving.py runs this file's source
as root, `python -I -c`, standard library only).

A person who left a project keeps whatever they own: a hard link to their own project file in their
home (protected_hardlinks allows linking one's own files) goes on reading and writing the project's
copy, which the other members keep using. So their files become root's, and the rest of what an
owner could have set to keep a way in goes too: the group goes back to the project's (a file chgrp'ed
to their own group), the ACL back to the project's standard (a named entry for themselves), the bits
for others and setuid/setgid are dropped. The standard is the project folder's own default ACL (set by
folders.py with setfacl), copied as it is through the kernel's xattr: files get it as their access ACL
and then their mode (0660, or 0770 when executable, which sets the ACL's mask as a new file's
creation does); folders get it as access and default ACL, mode 2770.

Never follows a link: every entry is opened relative to its folder's fd with O_NOFOLLOW, as an
O_PATH fd, and changed through /proc/self/fd (that very inode, whatever happens to its name).
Iterative, holding an fd only for folders with entries still to visit (a chain of folders thousands
deep costs one), within a time budget; never crosses into another file system.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_PATH = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC


_ACCESS, _DEFAULT = "system.posix_acl_access", "system.posix_acl_default"


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


def _visit(parent: int, name: str, uid: int, project: tuple, done: list) -> int | None:
    """Disown one entry if it is uid's; a dir fd to descend into, or None. project: (dev, gid, acl)."""
    try:
        fd = os.open(name, _PATH, dir_fd=parent)
    except OSError:
        return None  # gone meanwhile
    try:
        info = os.fstat(fd)
        if stat.S_ISLNK(info.st_mode) or info.st_dev != project[0]:
            return None
        proc = f"/proc/self/fd/{fd}"
        if info.st_uid == uid:
            _reset(proc, info.st_mode, project[1], project[2])
            done[0] += 1
        return os.open(proc, _DIR) if stat.S_ISDIR(info.st_mode) else None
    finally:
        os.close(fd)


def disown(folder: str, uid: int, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    top = os.open(folder, _DIR)
    info, done = os.fstat(top), [0]
    try:
        project = (info.st_dev, info.st_gid, os.getxattr(top, _DEFAULT))
    except OSError as e:
        os.close(top)
        return {"changed": 0, "complete": False, "reason": f"the folder has no default ACL to reset to ({e})"}
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
            sub = _visit(fd, names.pop(), uid, project, done)
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


if __name__ == "__main__":  # folder, uid, seconds
    print(json.dumps(disown(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))))
