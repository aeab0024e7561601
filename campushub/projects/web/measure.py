"""How big a project folder is and when anything in it last changed: one
walk of the tree, never following links nor crossing into another file
system, stopped at a deadline so a folder of millions of files cannot keep a
worker busy for ever (the result then says it is a lower bound)."""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measure:
    bytes: int  # of regular files (their apparent size, as `du --apparent-size` and the archive's manifest count)
    files: int
    newest: float | None  # the latest mtime of anything in the tree (the folder itself included), epoch seconds
    complete: bool  # False: the deadline came first, bytes and files are at least this much


def measure(root: Path, budget: float) -> Measure | None:
    """The folder's measure within `budget` seconds; None when there is no folder."""
    deadline = time.monotonic() + budget
    try:
        top = os.lstat(root)
    except FileNotFoundError:
        return None
    if not stat.S_ISDIR(top.st_mode):
        return None
    size = files = 0
    newest = top.st_mtime
    stack = [str(root)]
    while stack:
        if time.monotonic() > deadline:
            return Measure(size, files, newest, complete=False)
        try:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue  # removed meanwhile
                    newest = max(newest, st.st_mtime)
                    if stat.S_ISREG(st.st_mode):
                        size, files = size + st.st_size, files + 1
                    elif stat.S_ISDIR(st.st_mode) and st.st_dev == top.st_dev:
                        stack.append(entry.path)
        except OSError:
            continue  # a folder removed (or made unreadable) during the walk
    return Measure(size, files, newest, complete=True)
