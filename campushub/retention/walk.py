"""A home as a list of entries, read without following any symbolic link.

The owner of a home chose its links: following one would archive (or count)
files of someone else, such as a link to /etc/shadow read as root. Folders
are opened one by one relative to their parent (O_NOFOLLOW, the inode
compared with the listing), and entries are opened relative to their
folder: a folder swapped for a link while the walk runs makes the walk
fail instead of leading it out of the home.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

KINDS = {stat.S_IFDIR: "dir", stat.S_IFREG: "file", stat.S_IFLNK: "symlink", stat.S_IFIFO: "fifo"}
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
LOST_FOUND = "lost+found"
# Folders below the root a walk goes into; deeper is refused (TooDeep). No real home or project
# nests this deep; a person who nests deeper on purpose gets their tree measured "at least" and
# its archive refused (so it is kept), never a partial archive counted as complete.
MAX_DEPTH = 256


class TooDeep(OSError):
    """A folder nested deeper than MAX_DEPTH below the walk's root."""

    def __init__(self, path: str):
        super().__init__(errno.ELOOP, f"folders are nested more than {MAX_DEPTH} deep here; move this folder "
                         "higher up, then try again", path)


def file_system_own(name: str, st: os.stat_result) -> bool:
    """The folder mkfs puts at the top of an ext4 volume (a Kubernetes home
    claim): root's, not the person's. Nobody but root can make a root-owned
    folder in a home, so one named so at the top is left out of archives,
    emptiness checks and restores; the Jobs, not root, could not write it."""
    return name == LOST_FOUND and stat.S_ISDIR(st.st_mode) and st.st_uid == 0


@dataclass(frozen=True)
class Entry:
    name: str  # relative to the root, "." for the root itself
    path: Path  # for messages; opening goes through dir_fd and base
    st: os.stat_result
    dir_fd: int | None = None  # the open parent folder (None: the root, by its path)
    base: str = ""  # the entry's own name in that folder

    @property
    def kind(self) -> str | None:
        """dir, file, symlink or fifo; None for what a tarball cannot carry (sockets, devices)."""
        return KINDS.get(stat.S_IFMT(self.st.st_mode))

    def open(self, flags: int) -> int:
        """An fd of this entry, never through a link; valid while the walk is at this entry."""
        if self.dir_fd is None:
            return os.open(self.path, flags | os.O_NOFOLLOW)
        return os.open(self.base, flags | os.O_NOFOLLOW, dir_fd=self.dir_fd)

    def readlink(self) -> str:
        return os.readlink(self.base, dir_fd=self.dir_fd) if self.dir_fd is not None else os.readlink(self.path)


def entries(root: Path) -> Iterator[Entry]:
    """The root, then everything below it, parents before children, in name order
    (so two walks of an unchanged tree give the same sequence). A folder nested
    deeper than MAX_DEPTH below the root raises TooDeep (an OSError) when reached."""
    top = Entry(".", root, os.lstat(root))
    mounted = _mount_below(root)
    if mounted:  # found without touching it: a FUSE mount can hang the first stat of it
        raise OSError(errno.EXDEV, "another file system is mounted here; unmount it, then apply again", mounted)
    yield top
    if top.kind == "dir":
        yield from _below(top, top.st.st_dev)


def _mount_below(root: Path) -> str | None:
    """A mount point inside `root` per the kernel's mount table, or None (also where there is no /proc)."""
    inside = os.path.realpath(root).rstrip("/") + "/"
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
                if point.startswith(inside):
                    return point
    except OSError:
        pass
    return None


def _listing(folder: Entry, prefix: str) -> tuple[int, Iterator[tuple[str, os.stat_result]], Entry, str]:
    """A folder opened (its fd, kept open while the walk is inside it) and its entries in name order."""
    fd = folder.open(_DIR_FLAGS)
    try:
        if os.fstat(fd).st_ino != folder.st.st_ino:
            raise OSError(f"{folder.path} was replaced while it was read")
        with os.scandir(fd) as it:
            found = sorted((item.name, item.stat(follow_symlinks=False)) for item in it)
    except BaseException:
        os.close(fd)
        raise
    return fd, iter(found), folder, prefix


def _below(top: Entry, device: int) -> Iterator[Entry]:
    # A loop over an explicit stack, not recursion: any person can nest folders thousands deep
    # (mkdir and chdir in a loop), past Python's recursion limit. Each level keeps its folder's fd
    # open (entries are opened relative to it), so the depth is capped: MAX_DEPTH fds at most.
    stack = [_listing(top, "")]
    try:
        while stack:
            fd, items, folder, prefix = stack[-1]
            item = next(items, None)
            if item is None:
                stack.pop()
                os.close(fd)
                continue
            base, st = item
            if not prefix and file_system_own(base, st):
                continue
            entry = Entry(prefix + base, folder.path / base, st, fd, base)
            if st.st_dev != device:
                # something mounted in the home (a bind-mounted course folder, a
                # learner's FUSE mount): archiving it would copy another file
                # system, deleting the home would empty it, and a FUSE server can
                # leave root's read hanging for ever. Refused, so the operator looks.
                raise OSError(errno.EXDEV, "another file system is mounted here; unmount it, then apply again",
                              str(entry.path))
            yield entry
            if entry.kind == "dir":
                if len(stack) >= MAX_DEPTH:
                    raise TooDeep(str(entry.path))
                stack.append(_listing(entry, entry.name + "/"))
    finally:
        for fd, *_ in stack:
            os.close(fd)


def remove_tree(path: Path) -> None:
    """Remove a folder and everything in it, as root, at any depth: coreutils' rm (fts: iterative,
    never follows links, openat-based so a folder swapped for a link mid-way is not followed), not
    shutil.rmtree, which recurses and fails with RecursionError on a tree a person nested deeply.
    --one-file-system: a mount inside is left alone (rm fails, so the caller says the folder was kept)."""
    done = subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], capture_output=True, text=True,
                          errors="replace", check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"rm exited with {done.returncode}"]
        raise OSError(errno.EIO, lines[0], str(path))


@dataclass
class Totals:
    files: int = 0
    dirs: int = 0
    symlinks: int = 0
    bytes: int = 0
    skipped: int = 0

    def add(self, kind: str | None, size: int) -> None:
        if kind == "file":
            self.files += 1
            self.bytes += size
        elif kind == "dir":
            self.dirs += 1
        elif kind == "symlink":
            self.symlinks += 1
        elif kind is None:
            self.skipped += 1


def measure(root: Path) -> Totals:
    """Files, directories, links and bytes of regular files under `root` (the root included)."""
    totals = Totals()
    for entry in entries(root):
        totals.add(entry.kind, entry.st.st_size)
    return totals
