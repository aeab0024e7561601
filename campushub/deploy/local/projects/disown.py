"""Hand to root the files one account owns in one project folder (leaving.py runs this file's source
as root, `python -I -c`, standard library only).

A person who left a project keeps whatever they own: a hard link to their own project file in their
home (protected_hardlinks allows linking one's own files) goes on reading and writing the project's
copy, which the other members keep using. Owned by root, with its group and ACL unchanged, the file
stays the members' and is no longer theirs. The bits for others go too (the folders' ACLs give
others nothing; an owner could have added some).

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


def _visit(parent: int, name: str, uid: int, dev: int, done: list) -> int | None:
    """Disown one entry if it is uid's; a dir fd to descend into, or None."""
    try:
        fd = os.open(name, _PATH, dir_fd=parent)
    except OSError:
        return None  # gone meanwhile
    try:
        info = os.fstat(fd)
        if stat.S_ISLNK(info.st_mode) or info.st_dev != dev:
            return None
        proc = f"/proc/self/fd/{fd}"
        if info.st_uid == uid:
            os.chown(proc, 0, -1)  # clears setuid/setgid on files; group and ACL stay
            keep = 0o3770 if stat.S_ISDIR(info.st_mode) else 0o770  # a folder's setgid is the project's
            os.chmod(proc, stat.S_IMODE(info.st_mode) & keep)
            done[0] += 1
        return os.open(proc, _DIR) if stat.S_ISDIR(info.st_mode) else None
    finally:
        os.close(fd)


def disown(folder: str, uid: int, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    top = os.open(folder, _DIR)
    dev, done = os.fstat(top).st_dev, [0]
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
            sub = _visit(fd, names.pop(), uid, dev, done)
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
