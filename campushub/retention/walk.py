"""A home as a list of entries, read without following any symbolic link.

The owner of a home chose its links: following one would archive (or count)
files of someone else, such as a link to /etc/shadow read as root.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

KINDS = {stat.S_IFDIR: "dir", stat.S_IFREG: "file", stat.S_IFLNK: "symlink", stat.S_IFIFO: "fifo"}


@dataclass(frozen=True)
class Entry:
    name: str  # relative to the root, "." for the root itself
    path: Path
    st: os.stat_result

    @property
    def kind(self) -> str | None:
        """dir, file, symlink or fifo; None for what a tarball cannot carry (sockets, devices)."""
        return KINDS.get(stat.S_IFMT(self.st.st_mode))


def entries(root: Path) -> Iterator[Entry]:
    """The root, then everything below it, parents before children, in name order
    (so two walks of an unchanged tree give the same sequence)."""
    yield Entry(".", root, os.lstat(root))
    yield from _below(root, "")


def _below(directory: Path, prefix: str) -> Iterator[Entry]:
    with os.scandir(directory) as it:
        found = sorted(it, key=lambda e: e.name)
    for item in found:
        name = prefix + item.name
        entry = Entry(name, Path(item.path), item.stat(follow_symlinks=False))
        yield entry
        if entry.kind == "dir":
            yield from _below(entry.path, name + "/")


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

    def same(self, other: Totals) -> bool:
        return (self.files, self.dirs, self.symlinks, self.bytes) == (
            other.files, other.dirs, other.symlinks, other.bytes)


def measure(root: Path) -> Totals:
    """Files, directories, links and bytes of regular files under `root` (the root included)."""
    totals = Totals()
    for entry in entries(root):
        totals.add(entry.kind, entry.st.st_size)
    return totals
