"""Reading a source of the portal once: the build runs as root over a folder
another account may write, so a file is opened without following a link
(O_NOFOLLOW, relative to its folder's descriptor), must be a regular file by
fstat (a FIFO would block the build for ever: O_NONBLOCK), and is read up to
a size cap. The checks, the digest and the copy all use those bytes: a file
swapped after it was read changes nothing (attack review 17, F1)."""

from __future__ import annotations

import errno
import os
import stat
import unicodedata

PAGE_MAX = 1 << 20  # a page or nav.yml: 1 MiB is a book; more is a mistake or an attack
IMAGE_MAX = 10 << 20
FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
FOLDER = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC
_CONTROL = ("Cc", "Cf", "Cs")  # C0, C1, DEL, bidi and other format characters, undecodable bytes


class Refused(Exception):
    """Why a file cannot be read, and what to do (one line, without the file's name)."""


def esc(text: object) -> str:
    """`text` with its control characters written as Python escapes (\\x1b, \\n): a name can then neither
    send escape sequences to a terminal nor start a line of its own in a message."""
    return "".join(repr(c)[1:-1] if unicodedata.category(c) in _CONTROL else c for c in str(text))


def bad_name(name: str) -> bool:
    return any(unicodedata.category(c) in _CONTROL for c in name)


def read(name: str, limit: int, dir_fd: int | None = None) -> bytes:
    """The bytes of the regular file `name` (relative to `dir_fd`), its last component not followed."""
    try:
        fd = os.open(name, FILE, dir_fd=dir_fd)
    except OSError as e:
        if e.errno == errno.ENOENT:
            raise
        if e.errno == errno.ELOOP:
            raise Refused("a symbolic link where a file was read; put the file itself there") from None
        raise Refused(f"cannot open it ({e.strerror}); make it a readable file") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused("not a regular file (a pipe, a device or a socket); put a regular file there")
        if info.st_nlink > 1:  # where fs.protected_hardlinks is 0, a link to a file its owner cannot read
            raise Refused("a hard link to a file elsewhere; put a copy of the file there")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"larger than {limit >> 20} MiB; make it smaller (the portal refuses larger files)")
    return data


def read_under(root_fd: int, rel: str, limit: int) -> bytes:
    """The regular file at `rel` below the folder `root_fd`, following no link on the way."""
    *folders, name = rel.split("/")
    fds = [root_fd]
    try:
        for part in folders:
            try:
                fds.append(os.open(part, FOLDER, dir_fd=fds[-1]))
            except OSError as e:
                raise Refused(f"cannot open its folder {esc(part)} ({e.strerror}); put the file itself "
                              "in the pages folder") from None
        return read(name, limit, dir_fd=fds[-1])
    finally:
        for fd in fds[1:]:
            os.close(fd)
