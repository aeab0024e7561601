"""Small files root keeps for itself beside users' folders: `<root>/.campushub-site` (claim.py) and the
machine's record of claimed roots (roots.py), read and written without trusting what lies there.

A projects root may sit inside another site's project folder, whose members can write there: what
they plant under the file's name (a link, a FIFO, a file of theirs, a huge file) must not make root
follow it, block on it or take its words. Reads refuse all of that; writes go to a new name of their
own (O_EXCL) and are renamed over the old one, whole.
"""

from __future__ import annotations

import os
import secrets
import stat

from .folders import FolderError

MARKER = ".campushub-site"
LIMIT = 4096  # a path; anything longer was not written by us
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
NOT_OURS = ("{path} is not a file of root's (a link, a pipe or someone else's); remove it as root and run "
            "campushub up again")


def read(dir_fd: int, name: str, shown: str) -> str | None:
    """The one line in dir_fd/name; None when there is no such file. `shown` names it in the error."""
    try:
        fd = os.open(name, _READ, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as e:  # ELOOP: a symbolic link; ENXIO: a FIFO nobody writes to
        raise FolderError(NOT_OURS.format(path=shown)) from e
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
            raise FolderError(NOT_OURS.format(path=shown))
        data = os.read(fd, LIMIT + 1)
    finally:
        os.close(fd)
    if len(data) > LIMIT:
        raise FolderError(NOT_OURS.format(path=shown))
    return data.decode("utf-8", "replace").strip() or None


def write(dir_fd: int, name: str, line: str) -> None:
    """dir_fd/name holds `line`, root:root 0644; a reader sees the old file or the new one whole."""
    tmp = f"{name}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=dir_fd)
    try:
        os.fchown(fd, 0, 0)
        os.fchmod(fd, 0o644)  # whatever the umask: the hub and its services read it
        with open(fd, "w", closefd=False) as f:
            f.write(line + "\n")
    finally:
        os.close(fd)
    os.rename(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
