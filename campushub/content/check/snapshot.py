"""A private copy of the course, made safely although its author may change
it while it is copied.

The walk holds each directory open and opens every entry relative to it with
O_NOFOLLOW, checking what was opened with fstat: a file or directory swapped
for a link in between is refused by the kernel instead of followed, so root's
rights never read anything the link points to. Only regular files the course's
owner could read themselves are copied (a hard link to someone else's file is
left out), FIFOs and devices are skipped without being opened for long, and
links are kept only when they resolve inside the copy.

Written here because shutil.copytree (and the copy libraries built on it)
checks a path and then opens it by name again, which is exactly the window
the probe's swap won; nothing well-kept walks with dir fds and O_NOFOLLOW.
"""

from __future__ import annotations

import errno
import os
import pwd
import stat
from pathlib import Path

SKIP = {".git"}
MAX_DEPTH = 64
# Root copies the course once, then once more per notebook run: without a cap
# a course with a sparse 1 TB file (a few bytes in git) fills root's disk.
MAX_BYTES = 4 * 2**30
MAX_ENTRIES = 200_000
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC


class SnapshotError(RuntimeError):
    pass


class _Owner:
    """Who the course belongs to, and so which files its copy may contain."""

    def __init__(self, st: os.stat_result):
        self.uid = st.st_uid
        self.budget = [MAX_BYTES, MAX_ENTRIES]  # bytes and entries the copy may still take
        try:
            entry = pwd.getpwuid(st.st_uid)
            self.groups = set(os.getgrouplist(entry.pw_name, entry.pw_gid))
        except KeyError:
            self.groups = {st.st_gid}

    def may_read(self, st: os.stat_result) -> bool:
        if self.uid == 0:
            return True
        if st.st_uid == self.uid:
            return bool(st.st_mode & stat.S_IRUSR)
        if st.st_gid in self.groups:
            return bool(st.st_mode & stat.S_IRGRP)
        return bool(st.st_mode & stat.S_IROTH)


def copy(course: Path, target: Path) -> list[str]:
    """Copy `course` into the new directory `target`; returns what was left out, and why."""
    try:
        fd = os.open(course, _DIR_FLAGS)
    except OSError as e:
        raise SnapshotError(f"{course}: cannot open the course directory ({e.strerror})") from None
    skipped: list[str] = []
    try:
        owner = _Owner(os.fstat(fd))
        target.mkdir(mode=0o700)
        links: list[Path] = []
        _copy_dir(fd, target, "", owner, skipped, links, 0)
    finally:
        os.close(fd)
    root = os.path.realpath(target)
    for link in links:
        resolved = os.path.realpath(link)
        if resolved != root and not resolved.startswith(root + os.sep):
            link.unlink()
            skipped.append(f"{link.relative_to(target)}: a link to outside the course")
    return skipped


def _copy_dir(fd: int, dst: Path, rel: str, owner: _Owner, skipped: list, links: list, depth: int) -> None:
    try:
        names = sorted(os.listdir(fd))
    except OSError as e:
        skipped.append(f"{rel or '.'}: {e.strerror}")
        return
    for name in names:
        if name in SKIP:
            continue
        where = f"{rel}{name}"
        owner.budget[1] -= 1
        if owner.budget[1] < 0:
            raise SnapshotError(f"the course holds more than {MAX_ENTRIES} files and folders; "
                                "check a smaller course")
        try:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(name, dir_fd=fd), dst / name)
                links.append(dst / name)
            elif stat.S_ISDIR(st.st_mode):
                if depth >= MAX_DEPTH:
                    skipped.append(f"{where}: nested deeper than {MAX_DEPTH} folders")
                    continue
                sub = os.open(name, _DIR_FLAGS, dir_fd=fd)
                try:
                    if not _same(os.fstat(sub), st, stat.S_ISDIR):
                        raise OSError(errno.ESTALE, "changed while it was copied")
                    (dst / name).mkdir(mode=0o700)
                    _copy_dir(sub, dst / name, f"{where}/", owner, skipped, links, depth + 1)
                finally:
                    os.close(sub)
            elif stat.S_ISREG(st.st_mode):
                _copy_file(fd, name, dst / name, owner)
            else:
                skipped.append(f"{where}: not a regular file, folder or link")
        except _Unreadable:
            skipped.append(f"{where}: the course's owner cannot read it")
        except OSError as e:
            # ELOOP: swapped for a link; ENOENT/ENOTDIR/ESTALE: the course changed while it was copied
            reason = "it became a link while it was copied" if e.errno == errno.ELOOP else (e.strerror or str(e))
            skipped.append(f"{where}: {reason}")


class _Unreadable(Exception):
    pass


def _same(opened: os.stat_result, seen: os.stat_result, kind) -> bool:
    return kind(opened.st_mode) and (opened.st_dev, opened.st_ino) == (seen.st_dev, seen.st_ino)


def _copy_file(dir_fd: int, name: str, dst: Path, owner: _Owner) -> None:
    src = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    try:
        st = os.fstat(src)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.ESTALE, "changed while it was copied")
        if not owner.may_read(st):
            raise _Unreadable()
        out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                      0o755 if st.st_mode & stat.S_IXUSR else 0o644)
        try:
            while chunk := os.read(src, 1 << 20):
                owner.budget[0] -= len(chunk)
                if owner.budget[0] < 0:
                    raise SnapshotError(f"the course holds more than {MAX_BYTES // 2**30} GiB "
                                        "(sparse files count in full); check a smaller course")
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view):]
        finally:
            os.close(out)
    finally:
        os.close(src)
