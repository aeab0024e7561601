"""How big a project folder is and when anything in it last changed: one
walk of the tree with retention's walker (retention/walk.py: folders opened
relative to their parent without following links, so a member who swaps a
folder for a link during the walk cannot point this root process elsewhere;
another file system mounted inside stops it), stopped at a deadline so a
folder of millions of files cannot keep a worker busy for ever. A walk cut
short (deadline, a folder replaced meanwhile, folders nested deeper than
retention/walk.MAX_DEPTH) says its figures are a lower bound."""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from ...retention.walk import entries


@dataclass(frozen=True)
class Measure:
    bytes: int  # of regular files (their apparent size, as the archive's manifest counts them)
    files: int
    newest: float | None  # the latest mtime of anything in the tree (the folder itself included), epoch seconds
    complete: bool  # False: the walk was cut short, bytes and files are at least this much


def measure(root: Path, budget: float) -> Measure | None:
    """The folder's measure within `budget` seconds; None when there is no folder."""
    deadline = time.monotonic() + budget
    try:
        if not stat.S_ISDIR(os.lstat(root).st_mode):
            return None
    except FileNotFoundError:
        return None
    size = files = 0
    newest = None
    try:
        for entry in entries(root):
            newest = entry.st.st_mtime if newest is None else max(newest, entry.st.st_mtime)
            if entry.kind == "file":
                size, files = size + entry.st.st_size, files + 1
            if time.monotonic() > deadline:
                return Measure(size, files, newest, complete=False)
    except OSError:
        return Measure(size, files, newest, complete=False)
    return Measure(size, files, newest, complete=True)
